/** Computing the codes an authenticator app would show, from an enrolment's secret. */
import { base32Decode, hotp, timeStep } from "../../src/stepup/totp.js";

/** The code of the step `offset` steps from `nowMs`. */
export function codeAt(secretBase32: string, nowMs: number, offset = 0): string {
  return hotp(base32Decode(secretBase32), timeStep(nowMs) + offset);
}

/** A six-digit code that is none of the codes accepted at `nowMs` (window of one step). */
export function wrongCodeAt(secretBase32: string, nowMs: number): string {
  const accepted = new Set([-1, 0, 1].map((o) => codeAt(secretBase32, nowMs, o)));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, "0");
    if (!accepted.has(candidate)) return candidate;
  }
}
