/**
 * The Shared Signals vocabulary Tessera transmits: delivery methods (RFC 8935 push, RFC 8936
 * poll) and event types (CAEP 1.0, RISC 1.0, SSF 1.0's own).
 */
export const PUSH = "urn:ietf:rfc:8935";
export const POLL = "urn:ietf:rfc:8936";
export const DELIVERY_METHODS = [PUSH, POLL] as const;

const CAEP = "https://schemas.openid.net/secevent/caep/event-type";
const RISC = "https://schemas.openid.net/secevent/risc/event-type";
const SSF = "https://schemas.openid.net/secevent/ssf/event-type";

export const EVENT = {
  credentialChange: `${CAEP}/credential-change`,
  sessionRevoked: `${CAEP}/session-revoked`,
  tokenClaimsChange: `${CAEP}/token-claims-change`,
  riskLevelChange: `${CAEP}/risk-level-change`,
  credentialCompromise: `${RISC}/credential-compromise`,
  verification: `${SSF}/verification`,
  streamUpdated: `${SSF}/stream-updated`,
} as const;

/** Events a receiver may ask for (verification and stream-updated always come). */
export const SUPPORTED_EVENTS: readonly string[] = [
  EVENT.credentialChange,
  EVENT.sessionRevoked,
  EVENT.tokenClaimsChange,
  EVENT.riskLevelChange,
  EVENT.credentialCompromise,
];

/**
 * CAEP 1.0 lets `credential_type` be any type the transmitter and receiver agree on beside its
 * listed ones (password, x509, fido2-*, ...): Tessera's API keys are `api-key`.
 */
export const API_KEY_CREDENTIAL_TYPE = "api-key";
