/**
 * SCIM 2.0 (RFC 7643, 7644) Users over principals, as Entra ID and Okta provision and
 * deprovision them. Other code imports SCIM only from here.
 */
export { isScimError, ScimError, scimErrorBody } from "./errors.js";
export { applyPatch, SCIM_PATCH_SCHEMA } from "./patch.js";
export { createScimService, SCIM_FILTER_SCAN_LIMIT, type ScimListQuery, type ScimService } from "./service.js";
export { SCIM_USER_SCHEMA, toScimUser, userInputOf } from "./user.js";
