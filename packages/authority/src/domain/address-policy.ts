/**
 * Where webhooks may go. A `webhooks:write` holder chooses the URL, so without a rule the
 * authority could be made to call its own cloud metadata service (169.254.169.254), loopback
 * admin ports or the private network behind it. Refused by default: loopback, private,
 * link-local, carrier-grade NAT, unique-local, multicast, reserved and unspecified addresses
 * (IPv4, IPv6, and IPv4 inside IPv6). Operators with internal receivers list them in
 * TESSERA_WEBHOOK_ALLOW_HOSTS (host names, addresses or CIDR ranges).
 */
import { BlockList, isIP } from "node:net";

const FORBIDDEN = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, "ipv6");
}

/** The IPv4 address carried in an IPv4-mapped, -compatible or NAT64 IPv6 address, if any. */
function embeddedIpv4(address: string): string | null {
  const match = /^(?:::ffff:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (match) return match[1] as string;
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return null;
  const high = Number.parseInt(hex[1] as string, 16);
  const low = Number.parseInt(hex[2] as string, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** Whether an IP address is one webhooks may not reach unless allowed. */
export function isForbiddenAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, "").toLowerCase();
  const family = isIP(bare);
  if (family === 4) return FORBIDDEN.check(bare, "ipv4");
  if (family !== 6) return true;
  const v4 = embeddedIpv4(bare);
  if (v4 !== null) return FORBIDDEN.check(v4, "ipv4");
  return FORBIDDEN.check(bare, "ipv6");
}

/** The operator's allow list: exact host names, addresses and CIDR ranges. */
export interface AllowList {
  allowsHost(hostname: string): boolean;
  allowsAddress(address: string): boolean;
}

/** Parses `TESSERA_WEBHOOK_ALLOW_HOSTS` entries; throws with the offending entry. */
export function parseAllowList(entries: readonly string[]): AllowList {
  const hosts = new Set<string>();
  const ranges = new BlockList();
  for (const raw of entries) {
    const entry = raw
      .trim()
      .toLowerCase()
      .replace(/^\[|\]$/g, "");
    if (entry === "") continue;
    const [network, prefixText] = entry.split("/");
    const family = isIP(network ?? "");
    if (family === 0) {
      if (prefixText !== undefined || !/^[a-z0-9.-]+$/.test(entry)) {
        throw new Error(`"${raw}" is neither a host name, an IP address nor a CIDR range`);
      }
      hosts.add(entry);
      continue;
    }
    const max = family === 4 ? 32 : 128;
    const prefix = prefixText === undefined ? max : Number(prefixText);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max)
      throw new Error(`"${raw}" has an invalid prefix length`);
    ranges.addSubnet(network as string, prefix, family === 4 ? "ipv4" : "ipv6");
  }
  const allowsAddress = (address: string): boolean => {
    const bare = address.replace(/^\[|\]$/g, "").toLowerCase();
    const family = isIP(bare);
    return family !== 0 && ranges.check(bare, family === 4 ? "ipv4" : "ipv6");
  };
  return {
    allowsAddress,
    // A URL's host is allowed by name, or, when it is an address literal, by range.
    allowsHost: (hostname) => {
      const bare = hostname.replace(/^\[|\]$/g, "").toLowerCase();
      return hosts.has(bare) || allowsAddress(bare);
    },
  };
}

/** Names that always mean this machine, whatever DNS says. */
export function isLoopbackName(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === "localhost" || host.endsWith(".localhost");
}

/**
 * The reason a URL's host may not be called as written (an address literal or a loopback
 * name outside the allow list), or null. Host names are checked again once resolved.
 */
export function forbiddenHostReason(hostname: string, allow: AllowList): string | null {
  if (allow.allowsHost(hostname)) return null;
  const bare = hostname.replace(/^\[|\]$/g, "");
  if (isLoopbackName(bare)) return `${hostname} is this machine`;
  if (isIP(bare) !== 0 && isForbiddenAddress(bare) && !allow.allowsAddress(bare)) {
    return `${hostname} is a loopback, private, link-local or reserved address`;
  }
  return null;
}
