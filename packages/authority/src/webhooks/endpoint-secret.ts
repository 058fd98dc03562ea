/** Endpoint signing secrets are stored only encrypted under the master key, bound to the endpoint's id. */
import type { TesseraConfig } from "../config.js";
import { endpointSecretContext } from "./ids.js";

export function sealEndpointSecret(config: TesseraConfig, id: string, secret: string): string {
  return config.masterKey.encrypt(Buffer.from(secret, "utf8"), endpointSecretContext(id));
}
