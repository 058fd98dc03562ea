import type { FunctionComponent } from "preact";
import { AuditPage } from "./audit.js";
import { CampaignPage } from "./campaign.js";
import { CampaignsPage } from "./campaigns.js";
import { FindingsPage } from "./findings.js";
import { KeyPage } from "./key.js";
import { KeysPage } from "./keys.js";
import { LeaksPage } from "./leaks.js";
import { OverviewPage } from "./overview.js";
import { PrincipalPage } from "./principal.js";
import { PrincipalsPage } from "./principals.js";
import { VerifiersPage } from "./verifiers.js";
import { WebhooksPage } from "./webhooks.js";

export interface PageProps {
  /** The path's parameter, e.g. the key id of "keys/key_abc". */
  id: string;
  query: URLSearchParams;
}

export interface PageEntry {
  /** The first path segment ("" for the overview). */
  section: string;
  /** Whether the page takes an id ("keys/:id"). */
  withId: boolean;
  /** The navigation link's text, for pages listed in the navigation. */
  nav?: string;
  title: string;
  component: FunctionComponent<PageProps>;
}

/** Every page of the dashboard, in navigation order: the one list to add a page to. */
export const pages: PageEntry[] = [
  { section: "", withId: false, nav: "Overview", title: "Overview", component: OverviewPage },
  { section: "keys", withId: false, nav: "Keys", title: "Keys", component: KeysPage },
  { section: "keys", withId: true, title: "Key", component: KeyPage },
  { section: "principals", withId: false, nav: "Principals", title: "Principals", component: PrincipalsPage },
  { section: "principals", withId: true, title: "Principal", component: PrincipalPage },
  { section: "findings", withId: false, nav: "Findings", title: "Findings", component: FindingsPage },
  { section: "campaigns", withId: false, nav: "Campaigns", title: "Campaigns", component: CampaignsPage },
  { section: "campaigns", withId: true, title: "Campaign", component: CampaignPage },
  { section: "leaks", withId: false, nav: "Leaks", title: "Leaks", component: LeaksPage },
  { section: "audit", withId: false, nav: "Audit", title: "Audit", component: AuditPage },
  { section: "verifiers", withId: false, nav: "Verifiers", title: "Verifiers", component: VerifiersPage },
  { section: "webhooks", withId: false, nav: "Webhooks", title: "Webhooks", component: WebhooksPage },
];

export function match(path: string): { page: PageEntry; id: string } | null {
  const [section = "", id, ...rest] = path.split("/");
  if (rest.length > 0) return null;
  const page = pages.find((p) => p.section === section && p.withId === (id !== undefined && id !== ""));
  return page ? { page, id: id ?? "" } : null;
}
