/** `tessera principals`: one file per command. */
import type { Command } from "commander";
import type { CommandContext } from "../../context.js";
import { addPrincipalCommand } from "./add.js";
import { disablePrincipalCommand } from "./disable.js";
import { listPrincipalsCommand } from "./list.js";
import { showPrincipalCommand } from "./show.js";
import { resumePrincipalCommand, suspendPrincipalCommand } from "./suspension.js";
import { updatePrincipalCommand } from "./update.js";

export function registerPrincipals(program: Command, ctx: CommandContext): void {
  const principals = program
    .command("principals")
    .description("add, list, update, suspend, resume and disable principals (users, services, apps)");
  for (const add of [
    addPrincipalCommand,
    listPrincipalsCommand,
    showPrincipalCommand,
    updatePrincipalCommand,
    disablePrincipalCommand,
    suspendPrincipalCommand,
    resumePrincipalCommand,
  ]) {
    add(principals, ctx);
  }
}
