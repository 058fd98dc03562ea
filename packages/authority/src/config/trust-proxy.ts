/**
 * TESSERA_TRUST_PROXY, in the forms Fastify's `trustProxy` takes: behind a reverse proxy the
 * socket's address is the proxy's, and the client's is in X-Forwarded-For, which anyone can
 * write: it is believed only from the proxies named here. Off by default.
 */
import { isIP } from "node:net";
import { validationFailed } from "../errors.js";

/** false: off; true: every hop; a number: that many hops; a string: proxy addresses and CIDR ranges. */
export type TrustProxy = boolean | number | string;

export function trustProxy(value: string, field: string): TrustProxy {
  const normalized = value.trim().toLowerCase();
  if (["", "off", "false", "0", "no"].includes(normalized)) return false;
  if (["on", "true", "yes"].includes(normalized)) return true;
  if (/^\d+$/.test(normalized)) return Number(normalized);
  const entries = normalized
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const [address, bits, extra] = entry.split("/");
    const family = isIP(address ?? "");
    const maxBits = family === 6 ? 128 : 32;
    const bitsValid = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= maxBits);
    if (family === 0 || !bitsValid || extra !== undefined) {
      throw validationFailed(
        `${field} must be on, off, a number of hops, or proxy addresses and CIDR ranges such as 10.0.0.0/8,127.0.0.1 (not ${JSON.stringify(entry)})`,
        { field },
      );
    }
  }
  return entries.join(",");
}
