/**
 * The network an address belongs to, as detectors and operators think of it: the /24 of an
 * IPv4 address, the /48 of an IPv6 one (a site's allocation). Anything else (a name, garbage a
 * verifier passed on) has no network.
 */
import { isIPv4, isIPv6 } from "node:net";

function expandIPv6(address: string): string[] | null {
  const [head = "", tail] = address.split("::");
  if (address.split("::").length > 2) return null;
  const left = head ? head.split(":") : [];
  const right = tail === undefined ? [] : tail ? tail.split(":") : [];
  const missing = 8 - left.length - right.length;
  if (tail === undefined && left.length !== 8) return null;
  return [...left, ...Array(Math.max(missing, 0)).fill("0"), ...right];
}

export function networkOf(address: string): string | null {
  const bare = address.startsWith("::ffff:") && isIPv4(address.slice(7)) ? address.slice(7) : address;
  if (isIPv4(bare)) return `${bare.split(".").slice(0, 3).join(".")}.0/24`;
  if (isIPv6(bare) && !bare.includes(".")) {
    const groups = expandIPv6(bare.split("%")[0] as string);
    if (!groups) return null;
    return `${groups
      .slice(0, 3)
      .map((g) => Number.parseInt(g, 16).toString(16))
      .join(":")}::/48`;
  }
  return null;
}
