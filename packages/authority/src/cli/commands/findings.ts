/** `tessera findings list|show|ack|resolve` and `tessera detectors list|set`: what the detectors found, and how they respond. */
import type { Command } from "commander";
import type { CommandContext } from "../context.js";
import { block, json, table } from "../output.js";

interface Finding {
  id: string;
  detector: string;
  severity: string;
  state: string;
  keyId: string | null;
  principalId: string | null;
  window: { from: string; to: string };
  count: number;
  evidence: Record<string, unknown>;
  action: string | null;
  actionReceipt: string | null;
  note: string | null;
}

interface Detector {
  id: string;
  severity: string;
  mode: string;
  modes: string[];
  learningPeriod: string;
  params: Record<string, number>;
}

function findingBlock(f: Finding): string {
  return block([
    ["id", f.id],
    ["detector", `${f.detector} (${f.severity})`],
    ["state", f.state],
    ["key", f.keyId],
    ["principal", f.principalId],
    ["seen", `${f.window.from} to ${f.window.to}, ${f.count} time(s)`],
    ["action", f.action],
    ["receipt", f.actionReceipt],
    ["note", f.note],
    ["evidence", JSON.stringify(f.evidence, null, 2)],
  ]);
}

function listCommand(findings: Command, ctx: CommandContext): void {
  findings
    .command("list")
    .description("list findings, newest first")
    .option("--state <state>", "open, acknowledged or resolved")
    .option("--detector <id>", "e.g. new_network")
    .option("--severity <level>", "low, medium, high or critical")
    .option("--key <id>", "findings about this key")
    .option("--principal <id>", "findings about this principal's keys")
    .option("--since <time>", "seen at or after this ISO 8601 time")
    .option("--limit <n>", "at most this many", "100")
    .action(async (opts: Record<string, string | undefined>) => {
      const query = new URLSearchParams();
      for (const [flag, name] of [
        ["state", "state"],
        ["detector", "detector"],
        ["severity", "severity"],
        ["key", "keyId"],
        ["principal", "principalId"],
        ["since", "since"],
        ["limit", "limit"],
      ] as const) {
        const value = opts[flag];
        if (value) query.set(name, value);
      }
      const page = await ctx.client().request<{ items: Finding[] }>("GET", `/v1/findings?${query}`);
      if (ctx.globals().json) return ctx.io.out(json(page));
      const rows = page.items.map((f) => ({
        id: f.id,
        detector: f.detector,
        severity: f.severity,
        state: f.state,
        key: f.keyId ?? "-",
        "last seen": f.window.to,
        action: f.action ?? "",
      }));
      ctx.io.out(table(rows, ["id", "detector", "severity", "state", "key", "last seen", "action"]));
    });
}

function settleCommand(findings: Command, ctx: CommandContext, name: "ack" | "resolve"): void {
  const path = name === "ack" ? "acknowledge" : "resolve";
  findings
    .command(`${name} <id>`)
    .description(name === "ack" ? "acknowledge a finding: someone is on it" : "resolve a finding")
    .option("--note <text>", "what was done or found (kept with the finding and in the audit trail)")
    .action(async (id: string, opts: { note?: string }) => {
      const finding = await ctx
        .client()
        .request<Finding>(
          "POST",
          `/v1/findings/${encodeURIComponent(id)}/${path}`,
          opts.note ? { note: opts.note } : {},
        );
      ctx.io.out(ctx.globals().json ? json(finding) : `${finding.id} is ${finding.state}\n`);
    });
}

export function registerFindings(program: Command, ctx: CommandContext): void {
  const findings = program.command("findings").description("what the detectors found in credentials' usage");
  listCommand(findings, ctx);
  findings
    .command("show <id>")
    .description("a finding with its evidence")
    .action(async (id: string) => {
      const finding = await ctx.client().request<Finding>("GET", `/v1/findings/${encodeURIComponent(id)}`);
      ctx.io.out(ctx.globals().json ? json(finding) : findingBlock(finding));
    });
  settleCommand(findings, ctx, "ack");
  settleCommand(findings, ctx, "resolve");

  const detectors = program.command("detectors").description("the detectors' modes, learning periods and parameters");
  detectors
    .command("list")
    .description("each detector and how it responds")
    .action(async () => {
      const page = await ctx.client().request<{ items: Detector[] }>("GET", "/v1/detectors");
      if (ctx.globals().json) return ctx.io.out(json(page));
      const rows = page.items.map((d) => ({
        id: d.id,
        severity: d.severity,
        mode: d.mode,
        learning: d.learningPeriod,
        params: Object.entries(d.params)
          .map(([k, v]) => `${k}=${v}`)
          .join(" "),
      }));
      ctx.io.out(table(rows, ["id", "severity", "mode", "learning", "params"]));
    });
  detectors
    .command("set <id>")
    .description("set a detector's mode (off, alert, suspend, revoke), learning period or a parameter")
    .option("--mode <mode>", "off, alert, suspend or revoke (revoke needs --otp and --justification)")
    .option("--learning-period <duration>", "e.g. 7d")
    .option("--param <name=value>", "a parameter (repeat)", (v: string, all: string[] = []) => [...all, v])
    .option("--otp <code>", "step-up: your TOTP code (for revoke)")
    .option("--justification <text>", "step-up: why (for revoke)")
    .addHelpText(
      "after",
      "\nExamples:\n  tessera detectors set new_user_agent --mode suspend\n  tessera detectors set volume_spike --param deviations=8\n",
    )
    .action(
      async (
        id: string,
        opts: { mode?: string; learningPeriod?: string; param?: string[]; otp?: string; justification?: string },
      ) => {
        const params = Object.fromEntries((opts.param ?? []).map((p) => [p.split("=")[0], Number(p.split("=")[1])]));
        const body = {
          ...(opts.mode ? { mode: opts.mode } : {}),
          ...(opts.learningPeriod ? { learningPeriod: opts.learningPeriod } : {}),
          ...(opts.param ? { params } : {}),
          ...(opts.otp ? { stepUp: { otp: opts.otp, justification: opts.justification ?? "" } } : {}),
        };
        const detector = await ctx.client().request<Detector>("PUT", `/v1/detectors/${encodeURIComponent(id)}`, body);
        ctx.io.out(
          ctx.globals().json
            ? json(detector)
            : `${detector.id}: ${detector.mode}, learning ${detector.learningPeriod}\n`,
        );
      },
    );
}
