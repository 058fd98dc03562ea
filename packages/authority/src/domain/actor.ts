/** Who is acting, for authorization and the audit record. */
export interface Actor {
  /** A principal id, or a system actor such as `system:init` or `system:sweeper`. */
  id: string;
  /** The credential that authenticated the call, if any (its id, never its secret). */
  keyId?: string;
  /** Scopes the caller holds; system actors hold every admin scope. */
  scopes: ReadonlySet<string>;
  requestId?: string;
}
