/**
 * Webhook URLs: https to a public host; plain http and internal addresses only to hosts the
 * operator allows (TESSERA_WEBHOOK_ALLOW_HOSTS, see domain/address-policy.ts). No credentials in the
 * URL: they would be stored and shown in lists; the signature is how a receiver authenticates
 * the authority. Host names are checked again after DNS resolution when delivering (send.ts).
 */

import { type AllowList, forbiddenHostReason, parseAllowList } from "../domain/address-policy.js";
import { TesseraError, validationFailed } from "../errors.js";

const NOTHING_ALLOWED = parseAllowList([]);

/** Returns the normalised URL or throws naming the `url` field (`webhook_url_forbidden` for internal hosts). */
export function validateWebhookUrl(text: string, allow: AllowList = NOTHING_ALLOWED): string {
  const fail = (why: string) => validationFailed(`url ${why}`, { field: "url" });
  if (text.length > 2048) throw fail("must be at most 2048 characters");
  let url: URL;
  try {
    // The WHATWG parser also normalises numeric hosts (http://2130706433/ is 127.0.0.1).
    url = new URL(text);
  } catch {
    throw fail("is not an absolute URL");
  }
  if (url.username !== "" || url.password !== "") throw fail("must not carry credentials (user:password@)");
  if (url.hash !== "") throw fail("must not have a #fragment");
  if (url.protocol !== "https:" && url.protocol !== "http:") throw fail("must use https");
  const reason = forbiddenHostReason(url.hostname, allow);
  if (reason !== null) {
    throw new TesseraError(
      "webhook_url_forbidden",
      `url: ${reason}; webhooks go only to public hosts unless the operator allows this one (TESSERA_WEBHOOK_ALLOW_HOSTS)`,
      { details: { field: "url", host: url.hostname } },
    );
  }
  if (url.protocol === "http:" && !allow.allowsHost(url.hostname)) {
    throw fail("must use https (plain http only to a host listed in TESSERA_WEBHOOK_ALLOW_HOSTS)");
  }
  return url.toString();
}
