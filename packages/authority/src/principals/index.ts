/**
 * The principals feature: create, list, disable and update principals, and bootstrap the root
 * principal with its first admin key. Other features import principals only from here.
 */
export { type BootstrapResult, createBootstrap, ROOT_PRINCIPAL_NAME, systemActor } from "./bootstrap.js";
export {
  type CreatePrincipalInput,
  createPrincipalService,
  type DisableResult,
  PRINCIPAL_KINDS,
  type PrincipalFilter,
  type PrincipalService,
} from "./service.js";
export {
  createPrincipalSuspension,
  type PrincipalSuspension,
  type PrincipalSuspensionResult,
} from "./suspension.js";
export {
  createPrincipalUpdater,
  type NarrowingPolicy,
  type PrincipalUpdater,
  type UpdatePrincipalInput,
  type UpdatePrincipalResult,
} from "./update.js";
