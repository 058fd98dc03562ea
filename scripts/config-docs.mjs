#!/usr/bin/env node
// Writes docs/configuration.md's option table and .env.example from the options table
// (packages/authority/src/config/options.ts), through the built authority: `npm run docs:config`.
import { readFileSync, writeFileSync } from "node:fs";

const docs = await import("../packages/authority/dist/config/docs.js");
const root = new URL("../", import.meta.url);
const docPath = new URL("docs/configuration.md", root);
writeFileSync(docPath, docs.updateConfigurationDoc(readFileSync(docPath, "utf8")));
writeFileSync(new URL(".env.example", root), docs.renderEnvExample());
process.stdout.write("wrote docs/configuration.md and .env.example\n");
