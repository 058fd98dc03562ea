/** The signing-key view shared by the /v1/signing-keys endpoints. Public parts only. */
import { Type } from "@sinclair/typebox";

export const SigningKeySchema = Type.Object({
  kid: Type.String(),
  alg: Type.String(),
  state: Type.Union([Type.Literal("next"), Type.Literal("current"), Type.Literal("retiring"), Type.Literal("retired")]),
  createdAt: Type.String(),
  notBefore: Type.String({ description: "When it starts (or started) signing; it is published before." }),
  retireAt: Type.Union([Type.String(), Type.Null()]),
  retiredAt: Type.Union([Type.String(), Type.Null()]),
  emergency: Type.Boolean(),
  jwk: Type.Record(Type.String(), Type.Unknown(), { description: "The public JWK." }),
});

export const Kid = Type.String({ pattern: "^[A-Za-z0-9_-]{16,128}$" });
