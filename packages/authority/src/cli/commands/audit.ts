import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Command } from "commander";
import type { AuditView } from "../../audit/service.js";
import { GENESIS_HASH } from "../../db/migrations/genesis.js";
import type { AuditRecord } from "../../domain/audit-chain.js";
import { type ChainVerification, ChainVerifier } from "../../domain/audit-chain.js";
import type { CommandContext } from "../context.js";
import { CliExit } from "../io.js";
import { json } from "../output.js";

/** An exported line back to the exact fields the hash covers. */
export function recordFromExport(view: AuditView): AuditRecord {
  return {
    seq: view.seq,
    at: Date.parse(view.at),
    actor: view.actor,
    action: view.action,
    target_type: view.targetType,
    target_id: view.targetId,
    reason: view.reason,
    request_id: view.requestId,
    data: JSON.stringify(view.data),
    prev_hash: view.prevHash,
    hash: view.hash,
  };
}

async function verifyFile(
  path: string,
  expectedHead: string | undefined,
  anchorText: string | undefined,
  note: (text: string) => void,
): Promise<ChainVerification> {
  let anchor: { seq: number; hash: string } | undefined;
  if (anchorText !== undefined) {
    const match = /^(\d+):([0-9a-f]{64})$/.exec(anchorText);
    if (!match) throw new Error("--anchor must be <seq>:<64 hex hash>, as printed by audit verify");
    anchor = { seq: Number(match[1]), hash: match[2] as string };
  }
  let verifier: ChainVerifier | undefined = anchor ? new ChainVerifier(anchor.hash, 100, anchor.seq + 1) : undefined;
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === "") continue;
    let view: AuditView;
    try {
      view = JSON.parse(line) as AuditView;
    } catch {
      throw new Error(`line ${lineNumber} of ${path} is not JSON`);
    }
    const record = recordFromExport(view);
    if (!verifier) {
      if (record.seq === 1) {
        verifier = new ChainVerifier(GENESIS_HASH);
      } else {
        // Older records were deleted by retention: the file's first record names its anchor.
        note(
          `note: the trail starts at record ${record.seq}; earlier records were purged. Verifying from the anchor ${record.seq - 1}:${record.prev_hash} (pass --anchor to check it against one you kept)\n`,
        );
        verifier = new ChainVerifier(record.prev_hash, 100, record.seq);
      }
    }
    verifier.add(record);
  }
  return (verifier ?? new ChainVerifier(GENESIS_HASH)).finish(expectedHead);
}

function report(ctx: CommandContext, result: ChainVerification, source: string): void {
  if (ctx.globals().json) {
    ctx.io.out(json({ source, ...result }));
  } else if (result.ok) {
    ctx.io.out(`audit trail intact: ${result.records} record(s) in ${source}\nhead: ${result.head}\n`);
  } else {
    ctx.io.out(`AUDIT TRAIL TAMPERED: ${result.problems.length} problem(s) in ${source}\n`);
    for (const problem of result.problems) ctx.io.out(`  #${problem.seq} ${problem.kind}: ${problem.message}\n`);
  }
  if (!result.ok) throw new CliExit(1);
}

export function registerAudit(program: Command, ctx: CommandContext): void {
  const audit = program.command("audit").description("export and verify the hash-chained audit trail");

  audit
    .command("verify")
    .description("check the chain for edited, deleted or reordered records (exit 1 if any)")
    .option("-d, --database-url <url>", "verify the database directly (TESSERA_DATABASE_URL)")
    .option("-f, --file <path>", "verify an exported JSON Lines file instead, offline")
    .option("--expect-head <hash>", "the head hash recorded earlier: also detects records removed from the end")
    .option(
      "--anchor <seq:hash>",
      "with --file: where a trail shortened by retention must start (printed by audit verify)",
    )
    .action(async (opts: { databaseUrl?: string; file?: string; expectHead?: string; anchor?: string }) => {
      if (opts.file) {
        report(ctx, await verifyFile(opts.file, opts.expectHead, opts.anchor, ctx.io.err), opts.file);
        return;
      }
      const [{ createAuthority }, { loadConfig }] = await Promise.all([
        import("../../authority.js"),
        import("../../config.js"),
      ]);
      const config = loadConfig(ctx.io.env, opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {});
      const authority = await createAuthority({ config });
      try {
        const result = await authority.audit.verify(opts.expectHead);
        if (result.anchor && !ctx.globals().json) {
          ctx.io.out(
            `anchor: ${result.anchor.seq}:${result.anchor.hash} (records up to ${result.anchor.seq} were purged by retention)\n`,
          );
        }
        report(ctx, result, `${authority.database.kind} database`);
      } finally {
        await authority.close();
      }
    });

  audit
    .command("export")
    .description("write the audit trail as JSON Lines (one record a line), through the admin API")
    .option("-o, --output <file>", "write to a file instead of stdout")
    .option("--after-seq <n>", "only records after this sequence number", "0")
    .option("--action <action>", "only this action, e.g. key.revoked (a filtered export cannot be verified as a chain)")
    .action(async (opts: { output?: string; afterSeq: string; action?: string }) => {
      const client = ctx.client();
      let out: WriteStream | undefined;
      const write = opts.output
        ? (text: string) =>
            new Promise<void>((resolve, reject) => {
              out ??= createWriteStream(opts.output as string, { flags: "w", mode: 0o600 });
              out.write(text, (err) => (err ? reject(err) : resolve()));
            })
        : async (text: string) => ctx.io.out(text);
      let after = Number(opts.afterSeq);
      let count = 0;
      let head = "";
      for (;;) {
        const params = new URLSearchParams({ afterSeq: String(after), limit: "1000" });
        if (opts.action) params.set("action", opts.action);
        const page = await client.request<{ items: AuditView[]; nextAfterSeq: number | null }>(
          "GET",
          `/v1/audit?${params}`,
        );
        if (page.items.length > 0) await write(page.items.map((r) => JSON.stringify(r)).join("\n") + "\n");
        count += page.items.length;
        head = page.items[page.items.length - 1]?.hash ?? head;
        if (page.nextAfterSeq === null) break;
        after = page.nextAfterSeq;
      }
      const stream = out as WriteStream | undefined;
      if (stream) await new Promise<void>((resolve) => stream.end(resolve));
      ctx.io.err(
        `exported ${count} record(s)${opts.output ? ` to ${opts.output}` : ""}${head ? `; head ${head}` : ""}\n`,
      );
    });
}
