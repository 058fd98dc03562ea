import { randomBase62 } from "@tessera/verifier";
import { secureRandomBytes } from "../ids.js";

/** `whk_` endpoint, `whd_` delivery, `evt_` event ids: 20 base62 characters (119 bits). */
export const newEndpointId = () => `whk_${randomBase62(20, secureRandomBytes)}`;
export const newDeliveryId = () => `whd_${randomBase62(20, secureRandomBytes)}`;
export const newEventId = () => `evt_${randomBase62(20, secureRandomBytes)}`;

/** A signing secret: `whsec_` and 40 base62 characters (238 bits). */
export const newSigningSecret = () => `whsec_${randomBase62(40, secureRandomBytes)}`;

/** The master-key context of an endpoint's signing secrets. */
export const endpointSecretContext = (endpointId: string) => `webhook:${endpointId}`;

/** The master-key context of a distributed secret: bound to the one delivery that carries it. */
export const deliverySecretContext = (deliveryId: string) => `webhook-delivery:${deliveryId}`;
