/**
 * LISTEN on PostgreSQL for the feed's channels on one dedicated connection. Notifications
 * only wake readers; the tables are the record. After a lost connection it reconnects and
 * wakes every channel once, so anything notified while it was away is read anyway.
 */
import pg from "pg";

export const CHANNELS = ["tessera_changes", "tessera_verifiers"] as const;
export type Channel = (typeof CHANNELS)[number];

export function createPgListener(url: string, onNotify: (channel: Channel) => void, onError: (e: unknown) => void) {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  async function connect(): Promise<void> {
    if (stopped) return;
    const next = new pg.Client({ connectionString: url });
    next.on("notification", (message) => {
      if ((CHANNELS as readonly string[]).includes(message.channel)) onNotify(message.channel as Channel);
    });
    const lost = (error?: unknown) => {
      if (client !== next) return;
      client = undefined;
      next.removeAllListeners("notification");
      next.end().catch(() => {});
      if (error) onError(error);
      if (!stopped) retry = setTimeout(() => void connect(), 500);
    };
    next.on("error", lost);
    next.on("end", () => lost());
    try {
      await next.connect();
      for (const channel of CHANNELS) await next.query(`listen ${channel}`);
      client = next;
      for (const channel of CHANNELS) onNotify(channel);
    } catch (error) {
      next.end().catch(() => {});
      onError(error);
      if (!stopped) retry = setTimeout(() => void connect(), 1000);
    }
  }

  return {
    start: () => connect(),
    async stop(): Promise<void> {
      stopped = true;
      if (retry) clearTimeout(retry);
      const current = client;
      client = undefined;
      await current?.end().catch(() => {});
    },
  };
}
