/**
 * What other features use of webhooks: outbound delivery to an operator-approved URL (the same
 * address policy and DNS checks for every push Tessera makes, Shared Signals' included).
 */
export { createSender, type SendAttempt } from "./send.js";
export { validateWebhookUrl } from "./url.js";
