/** Row types of the SSF transmitter's tables (migration 0016). */
export interface SsfStreamsTable {
  id: string;
  /** JSON array of audience strings. */
  audience: string;
  /** `urn:ietf:rfc:8936` (poll) or `urn:ietf:rfc:8935` (push). */
  delivery_method: string;
  endpoint_url: string | null;
  /** The push endpoint's Authorization header value, sealed under the master key. */
  authorization_header_enc: string | null;
  events_requested: string;
  events_delivered: string;
  description: string | null;
  status: "enabled" | "paused" | "disabled";
  status_reason: string | null;
  signing_alg: string;
  cursor_seq: number;
  created_at: number;
  created_by: string;
  updated_at: number;
}

export interface SsfSubjectsTable {
  stream_id: string;
  subject: string;
  added_at: number;
}

export interface SsfOutboxTable {
  jti: string;
  stream_id: string;
  event_type: string;
  change_seq: number | null;
  set_jwt: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
}

/** A transmitter whose SETs the receiver accepts (migration 0017). */
export interface SsfTransmittersTable {
  id: string;
  issuer: string;
  jwks_uri: string | null;
  /** An inline JWKS (JSON), for transmitters that publish none. */
  jwks: string | null;
  audience: string;
  /** What a revoking event does to the user principal it names: `disable` or `revoke` (its keys). */
  action: "disable" | "revoke";
  description: string | null;
  created_at: number;
  created_by: string;
}

export interface SsfReceivedSetsTable {
  issuer: string;
  jti: string;
  received_at: number;
  expires_at: number;
}

/** A SET signing key for one algorithm other than the OAuth keys' EdDSA (RS256). */
export interface SsfSigningKeysTable {
  alg: string;
  kid: string;
  private_key_enc: string;
  public_jwk: string;
  created_at: number;
}
