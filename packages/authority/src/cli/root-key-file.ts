/**
 * Where a first start's root admin key goes. On a terminal it is shown once. When stdout is not
 * a terminal (a container, a service manager), stdout is a log stream that is shipped, kept and
 * read by many: the key is written once to a file readable by this user only (mode 0600) and
 * only the file's path is printed.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export interface RootKey {
  id: string;
  secret: string;
  expiresAt: string | null;
}

/** TESSERA_ROOT_KEY_FILE, else beside a SQLite database file, else ./data/. */
export function rootKeyFilePath(configured: string, database: { kind: string; location: string }): string {
  if (configured) return resolve(configured);
  const onDisk = database.kind === "sqlite" && database.location !== ":memory:" && database.location !== "";
  return resolve(onDisk ? dirname(database.location) : "data", "root-admin-key.txt");
}

/**
 * Writes the key without replacing an existing file (which may hold another database's key):
 * a taken name gets the key id appended. Returns the path written.
 */
export function writeRootKeyFile(path: string, rootKey: RootKey): string {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const body =
    `# Tessera root admin key ${rootKey.id} (expires ${rootKey.expiresAt ?? "never"}).\n` +
    "# Put it in a secret manager, then delete this file.\n" +
    `${rootKey.secret}\n`;
  for (const candidate of [path, join(dirname(path), `${rootKey.id}-root-admin-key.txt`)]) {
    try {
      writeFileSync(candidate, body, { flag: "wx", mode: 0o600 });
      return candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  throw new Error(`cannot write the root admin key: ${path} and its alternative already exist`);
}

/** The message printed instead of the key. */
export function rootKeyFileNotice(path: string): string {
  return (
    `root admin key created and written to ${path} (mode 0600; stdout is not a terminal, so it is not printed).\n` +
    "Read it, put it in a secret manager, delete the file.\n"
  );
}

/** The banner a terminal shows once. */
export function rootKeyBanner(rootKey: { id: string; secret: string; expiresAt: string | null }): string {
  return [
    "",
    "================================================================================",
    " Root admin key (shown once, never stored or logged: put it in a secret manager)",
    "",
    `   ${rootKey.secret}`,
    "",
    ` key id: ${rootKey.id}   expires: ${rootKey.expiresAt ?? "never"}`,
    " Use it:  export TESSERA_ADMIN_KEY=<the key above>",
    "          tessera principals add --name my-service --owner my-team --scope orders:read",
    "================================================================================",
    "",
  ].join("\n");
}
