/**
 * The leaks feature: check whether a found secret is one of ours and act on a leak report
 * (revoke, deprecate or notify). Other features import leaks only from here.
 */
export {
  createLeakService,
  LEAK_ACTIONS,
  type LeakAction,
  type LeakCheckResult,
  type LeakReport,
  type LeakReportResult,
  type LeakService,
  type LeakStatus,
} from "./service.js";
