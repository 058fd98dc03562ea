/**
 * Webhook URLs: https, or plain http to a loopback address (development and tests: the traffic
 * never leaves the machine). No credentials in the URL: they would be stored and shown in
 * lists; the signature is how a receiver authenticates the authority.
 */
import { isIP } from "node:net";
import { validationFailed } from "../errors.js";

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return host === "::1";
  return false;
}

/** Returns the normalised URL or throws `validation_failed` naming the `url` field. */
export function validateWebhookUrl(text: string): string {
  const fail = (why: string) => validationFailed(`url ${why}`, { field: "url" });
  if (text.length > 2048) throw fail("must be at most 2048 characters");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw fail("is not an absolute URL");
  }
  if (url.username !== "" || url.password !== "") throw fail("must not carry credentials (user:password@)");
  if (url.hash !== "") throw fail("must not have a #fragment");
  if (url.protocol === "https:") return url.toString();
  if (url.protocol === "http:" && isLoopback(url.hostname)) return url.toString();
  throw fail("must use https (plain http is allowed only to a loopback address such as 127.0.0.1)");
}
