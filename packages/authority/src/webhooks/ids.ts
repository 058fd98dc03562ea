import { randomBase62 } from "@tessera/verifier";
import { secureRandomBytes } from "../ids.js";

/** Bytes of HMAC key in a signing secret (Standard Webhooks accepts 24 to 64). */
const SIGNING_SECRET_BYTES = 32;

/** `whk_` endpoint, `whd_` delivery, `evt_` event ids: 20 base62 characters (119 bits). */
export const newEndpointId = () => `whk_${randomBase62(20, secureRandomBytes)}`;
export const newDeliveryId = () => `whd_${randomBase62(20, secureRandomBytes)}`;
export const newEventId = () => `evt_${randomBase62(20, secureRandomBytes)}`;

/**
 * A signing secret as Standard Webhooks writes it: `whsec_` and the base64 of 32 random bytes
 * (256 bits), so the `standardwebhooks` libraries take it as it is.
 */
export const newSigningSecret = () =>
  `whsec_${Buffer.from(secureRandomBytes(SIGNING_SECRET_BYTES)).toString("base64")}`;

/** The master-key context of an endpoint's signing secrets. */
export const endpointSecretContext = (endpointId: string) => `webhook:${endpointId}`;

/** The master-key context of a distributed secret: bound to the one delivery that carries it. */
export const deliverySecretContext = (deliveryId: string) => `webhook-delivery:${deliveryId}`;
