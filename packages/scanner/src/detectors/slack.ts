import type { Detector, DetectorMatch, KeywordHit } from "../types.js";
import { isAlnum } from "./chars.js";
import { isPlaceholder } from "./placeholders.js";

const TOKEN = /xox[baprs]-(?:[0-9]{6,20}-){1,3}[0-9A-Za-z]{8,64}(?![0-9A-Za-z-])/y;
const WEBHOOK =
  /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/T[A-Z0-9]{6,12}\/[AB][A-Z0-9]{6,12}\/[A-Za-z0-9]{20,32}(?![A-Za-z0-9])/y;

/** Slack bot, user, app and refresh tokens (`xox[baprs]-`), and incoming webhook URLs. */
export const slackDetector: Detector = {
  id: "slack",
  description: "Slack token (xoxb-, xoxp-, ...) or incoming webhook URL",
  keywords: ["xox", "hooks.slack.com/"],
  priority: 10,
  detect(text: string, hits: readonly KeywordHit[]): DetectorMatch[] {
    const matches: DetectorMatch[] = [];
    for (const hit of hits) {
      if (hit.keyword === "xox") {
        if (isAlnum(text.charCodeAt(hit.start - 1))) continue;
        TOKEN.lastIndex = hit.start;
        if (!TOKEN.test(text)) continue;
        const secret = text.slice(hit.start, TOKEN.lastIndex);
        const lastDash = secret.lastIndexOf("-");
        if (isPlaceholder(secret.slice(lastDash + 1))) continue;
        matches.push({ start: hit.start, end: TOKEN.lastIndex, secret });
        continue;
      }
      const start = hit.start - 8;
      if (start < 0 || !text.startsWith("https://hooks.slack.com/", start)) continue;
      WEBHOOK.lastIndex = start;
      if (!WEBHOOK.test(text)) continue;
      const secret = text.slice(start, WEBHOOK.lastIndex);
      const lastSlash = secret.lastIndexOf("/");
      if (isPlaceholder(secret.slice(lastSlash + 1))) continue;
      matches.push({ start, end: WEBHOOK.lastIndex, secret });
    }
    return matches;
  },
};
