/** The transmitter's metadata, served at /.well-known/ssf-configuration (SSF 1.0 section 7.1). */
import { DELIVERY_METHODS } from "./events.js";

export function transmitterConfiguration(issuer: string) {
  return {
    spec_version: "1_0",
    issuer: issuer,
    jwks_uri: `${issuer}/ssf/jwks.json`,
    delivery_methods_supported: [...DELIVERY_METHODS],
    configuration_endpoint: `${issuer}/ssf/stream`,
    status_endpoint: `${issuer}/ssf/status`,
    add_subject_endpoint: `${issuer}/ssf/subjects:add`,
    remove_subject_endpoint: `${issuer}/ssf/subjects:remove`,
    verification_endpoint: `${issuer}/ssf/verify`,
    authorization_schemes: [{ spec_urn: "urn:ietf:rfc:6750" }],
    default_subjects: "ALL",
    critical_subject_members: [],
  };
}
