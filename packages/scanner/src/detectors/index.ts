import type { Detector } from "../types.js";
import { anthropicDetector } from "./anthropic.js";
import { awsDetector } from "./aws.js";
import { databaseUrlDetector } from "./database-url.js";
import { genericDetector } from "./generic.js";
import { githubDetector } from "./github.js";
import { gitlabDetector } from "./gitlab.js";
import { jwtDetector } from "./jwt.js";
import { npmDetector } from "./npm.js";
import { openaiDetector } from "./openai.js";
import { privateKeyDetector } from "./private-key.js";
import { slackDetector } from "./slack.js";
import { stripeDetector } from "./stripe.js";
import { createTesseraDetector } from "./tessera.js";

export { createTesseraDetector, TESSERA_DETECTOR_ID, tesseraDetector } from "./tessera.js";

/** Every detector other than Tessera's own, in report order. */
export const thirdPartyDetectors: readonly Detector[] = [
  githubDetector,
  gitlabDetector,
  awsDetector,
  slackDetector,
  stripeDetector,
  npmDetector,
  openaiDetector,
  anthropicDetector,
  privateKeyDetector,
  jwtDetector,
  databaseUrlDetector,
  genericDetector,
];

/** Ids of every detector, for `--disable` validation and docs. */
export const DETECTOR_IDS: readonly string[] = ["tessera", ...thirdPartyDetectors.map((d) => d.id)];

/**
 * The detectors of one scan: Tessera's (with the deployment's prefixes added to the defaults)
 * and the third-party ones, minus those disabled.
 */
export function selectDetectors(
  options: { prefixes?: readonly string[]; disable?: readonly string[] } = {},
): Detector[] {
  const disabled = new Set(options.disable ?? []);
  for (const id of disabled) {
    if (!DETECTOR_IDS.includes(id)) throw new TypeError(`unknown detector "${id}" (known: ${DETECTOR_IDS.join(", ")})`);
  }
  const prefixes = new Set(["tsk", "tsr", ...(options.prefixes ?? [])]);
  return [createTesseraDetector(prefixes), ...thirdPartyDetectors].filter((d) => !disabled.has(d.id));
}
