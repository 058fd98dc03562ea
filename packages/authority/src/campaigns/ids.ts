import { randomBase62 } from "@tessera/verifier";
import { secureRandomBytes } from "../ids.js";

/** A new campaign id, `cmp_` and 20 base62 characters. */
export function campaignIdNew(): string {
  return `cmp_${randomBase62(20, secureRandomBytes)}`;
}

export function isCampaignId(id: string): boolean {
  return /^cmp_[0-9A-Za-z]{1,64}$/.test(id);
}
