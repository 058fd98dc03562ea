/** Every endpoint, registered in one explicit list. */
import type { RouteModule } from "../route.js";
import { listAuditRoute } from "./audit.list.js";
import { verifyAuditRoute } from "./audit.verify.js";
import { createCampaignRoute } from "./campaigns.create.js";
import { dryRunCampaignRoute } from "./campaigns.dry-run.js";
import { executeCampaignRoute } from "./campaigns.execute.js";
import { exportCampaignRoute } from "./campaigns.export.js";
import { finalizeCampaignRoute } from "./campaigns.finalize.js";
import { campaignKeysRoute } from "./campaigns.keys.js";
import { listCampaignsRoute } from "./campaigns.list.js";
import { rollbackCampaignRoute } from "./campaigns.rollback.js";
import { showCampaignRoute } from "./campaigns.show.js";
import { dashboardRoute } from "./dashboard.js";
import { detectorsRoute } from "./detectors.js";
import { feedRoute } from "./feed.js";
import { listFindingsRoute } from "./findings.list.js";
import { settleFindingRoute } from "./findings.settle.js";
import { showFindingRoute } from "./findings.show.js";
import { healthRoute } from "./health.js";
import { listJobsRoute } from "./jobs.list.js";
import { runJobRoute } from "./jobs.run.js";
import { issueKeyRoute } from "./keys.issue.js";
import { listKeysRoute } from "./keys.list.js";
import { resumeKeyRoute } from "./keys.resume.js";
import { revokeKeyRoute } from "./keys.revoke.js";
import { rollbackKeyRoute } from "./keys.rollback.js";
import { rotateKeyRoute } from "./keys.rotate.js";
import { showKeyRoute } from "./keys.show.js";
import { suspendKeyRoute } from "./keys.suspend.js";
import { sweepUnusedRoute } from "./keys.sweep.js";
import { keyUsageRoute } from "./keys.usage.js";
import { manyKeysUsageRoute } from "./keys.usage-many.js";
import { checkLeaksRoute } from "./leaks.check.js";
import { reportLeaksRoute } from "./leaks.report.js";
import { metricsRoute } from "./metrics.js";
import { introspectRoute } from "./oauth.introspect.js";
import { revokeTokenRoute } from "./oauth.revoke.js";
import { tokenRoute } from "./oauth.token.js";
import { openapiRoute } from "./openapi.js";
import { createPrincipalRoute } from "./principals.create.js";
import { disablePrincipalRoute } from "./principals.disable.js";
import { listPrincipalsRoute } from "./principals.list.js";
import { resumePrincipalRoute } from "./principals.resume.js";
import { showPrincipalRoute } from "./principals.show.js";
import { suspendPrincipalRoute } from "./principals.suspend.js";
import { updatePrincipalRoute } from "./principals.update.js";
import { listReceiptsRoute } from "./receipts.list.js";
import { showReceiptRoute } from "./receipts.show.js";
import { revokeBySelectorRoute } from "./revocations.create.js";
import { scimDiscoveryRoute } from "./scim.discovery.js";
import { scimUsersRoute } from "./scim.users.js";
import { listSigningKeysRoute } from "./signing-keys.list.js";
import { retireSigningKeyRoute } from "./signing-keys.retire.js";
import { rotateSigningKeyRoute } from "./signing-keys.rotate.js";
import { ssfConfigurationRoute } from "./ssf.configuration.js";
import { ssfJwksRoute } from "./ssf.jwks.js";
import { ssfPollRoute } from "./ssf.poll.js";
import { ssfStatusRoute } from "./ssf.status.js";
import { ssfStreamRoute } from "./ssf.stream.js";
import { ssfSubjectsRoute } from "./ssf.subjects.js";
import { ssfVerifyRoute } from "./ssf.verify.js";
import { ssfReceiverPushRoute } from "./ssf-receiver.push.js";
import { ssfTransmittersRoute } from "./ssf-receiver.transmitters.js";
import { activateTotpRoute } from "./totp.activate.js";
import { enrolTotpRoute } from "./totp.enrol.js";
import { removeTotpRoute } from "./totp.remove.js";
import { totpStatusRoute } from "./totp.status.js";
import { fleetUsageRoute } from "./usage.fleet.js";
import { verifierAckStreamRoute } from "./verifiers.ack-stream.js";
import { verifierAcksRoute } from "./verifiers.acks.js";
import { listVerifiersRoute } from "./verifiers.list.js";
import { verifierUsageRoute } from "./verifiers.usage.js";
import { createWebhookRoute } from "./webhooks.create.js";
import { deleteWebhookRoute } from "./webhooks.delete.js";
import { listWebhookDeliveriesRoute } from "./webhooks.deliveries.js";
import { listWebhooksRoute } from "./webhooks.list.js";
import { rotateWebhookSecretRoute } from "./webhooks.rotate-secret.js";
import { testWebhookRoute } from "./webhooks.send-test.js";
import { showWebhookRoute } from "./webhooks.show.js";
import { jwksRoute } from "./wellknown.jwks.js";
import { authorizationServerMetadataRoute } from "./wellknown.oauth-authorization-server.js";

export const routes: RouteModule[] = [
  healthRoute,
  dashboardRoute,
  metricsRoute,
  openapiRoute,
  introspectRoute,
  tokenRoute,
  revokeTokenRoute,
  jwksRoute,
  authorizationServerMetadataRoute,
  listSigningKeysRoute,
  rotateSigningKeyRoute,
  retireSigningKeyRoute,
  createPrincipalRoute,
  listPrincipalsRoute,
  showPrincipalRoute,
  disablePrincipalRoute,
  suspendPrincipalRoute,
  resumePrincipalRoute,
  updatePrincipalRoute,
  scimUsersRoute,
  scimDiscoveryRoute,
  keyUsageRoute,
  manyKeysUsageRoute,
  fleetUsageRoute,
  listFindingsRoute,
  showFindingRoute,
  settleFindingRoute,
  detectorsRoute,
  issueKeyRoute,
  listKeysRoute,
  showKeyRoute,
  revokeKeyRoute,
  suspendKeyRoute,
  resumeKeyRoute,
  rotateKeyRoute,
  rollbackKeyRoute,
  revokeBySelectorRoute,
  createCampaignRoute,
  listCampaignsRoute,
  showCampaignRoute,
  campaignKeysRoute,
  dryRunCampaignRoute,
  executeCampaignRoute,
  finalizeCampaignRoute,
  rollbackCampaignRoute,
  exportCampaignRoute,
  enrolTotpRoute,
  activateTotpRoute,
  totpStatusRoute,
  removeTotpRoute,
  listAuditRoute,
  verifyAuditRoute,
  listJobsRoute,
  runJobRoute,
  sweepUnusedRoute,
  checkLeaksRoute,
  reportLeaksRoute,
  feedRoute,
  verifierAcksRoute,
  verifierAckStreamRoute,
  verifierUsageRoute,
  listVerifiersRoute,
  listReceiptsRoute,
  ssfConfigurationRoute,
  ssfJwksRoute,
  ssfStreamRoute,
  ssfStatusRoute,
  ssfSubjectsRoute,
  ssfVerifyRoute,
  ssfPollRoute,
  ssfTransmittersRoute,
  ssfReceiverPushRoute,
  showReceiptRoute,
  createWebhookRoute,
  listWebhooksRoute,
  showWebhookRoute,
  deleteWebhookRoute,
  rotateWebhookSecretRoute,
  listWebhookDeliveriesRoute,
  testWebhookRoute,
];
