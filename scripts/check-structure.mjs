#!/usr/bin/env node
/**
 * Structure bars from issue 12, checked mechanically so that they keep holding:
 * no source file over 450 lines and no function over 80 lines (tests excluded).
 * A factory closure counts as one function: a long one is what the bar is about.
 * Usage: node scripts/check-structure.mjs [paths...]   (default: packages/*\/src)
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

const MAX_FILE_LINES = 450;
const MAX_FUNCTION_LINES = 80;
const root = new URL("..", import.meta.url).pathname;

function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    // Migrations are never edited once shipped (db/migrations/index.ts): a long one stays as it is.
    if (name === "node_modules" || name === "dist" || name === "migrations") continue;
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

function functionName(node) {
  if (node.name && ts.isIdentifier(node.name)) return node.name.text;
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) && ts.isIdentifier(parent.name)) {
    return parent.name.text;
  }
  return "(anonymous)";
}

const roots = process.argv.slice(2);
const dirs =
  roots.length > 0 ? roots : readdirSync(join(root, "packages")).map((p) => join(root, "packages", p, "src"));
const problems = [];
for (const dir of dirs) {
  let files;
  try {
    files = statSync(dir).isDirectory() ? sourceFiles(dir) : [dir];
  } catch {
    continue;
  }
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const name = relative(root, file);
    const lines = text.split("\n").length;
    if (lines > MAX_FILE_LINES) problems.push(`${name}: ${lines} lines (max ${MAX_FILE_LINES})`);
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node) => {
      if (ts.isFunctionLike(node) && node.body) {
        const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
        const end = source.getLineAndCharacterOfPosition(node.end).line;
        const length = end - start + 1;
        if (length > MAX_FUNCTION_LINES) {
          problems.push(
            `${name}:${start + 1}: function ${functionName(node)} is ${length} lines (max ${MAX_FUNCTION_LINES})`,
          );
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
}
for (const problem of problems) console.log(problem);
if (problems.length > 0) {
  console.error(`\n${problems.length} structure problem(s): split the file or name the steps of the function.`);
  process.exit(1);
}
console.log("structure: every source file <= 450 lines, every function <= 80 lines");
