/**
 * A misspelt TESSERA_* variable is otherwise silently ignored (the option keeps its default):
 * `serve` warns about every TESSERA_* name it does not know, with the nearest known name.
 */
import { CONFIG_OPTIONS, OTHER_VARIABLES } from "./options.js";
import type { Env } from "./parsers.js";

export function knownVariables(): string[] {
  const fromTable = Object.values(CONFIG_OPTIONS).flatMap((row) => [
    row.env,
    ...("alsoReads" in row && row.alsoReads ? row.alsoReads : []),
  ]);
  return [...fromTable, ...Object.keys(OTHER_VARIABLES)];
}

/** One warning line per unknown TESSERA_* variable set in `env`. */
export function unknownVariableWarnings(env: Env): string[] {
  const known = knownVariables();
  const knownSet = new Set(known);
  return Object.keys(env)
    .filter((name) => name.startsWith("TESSERA_") && !knownSet.has(name))
    .sort()
    .map((name) => {
      const nearest = nearestName(name, known);
      const hint = nearest ? `did you mean ${nearest}?` : "see docs/configuration.md";
      return `${name} is not a Tessera setting and is ignored: ${hint}`;
    });
}

/** The known name closest in edit distance, when it is close enough to be a likely typo. */
export function nearestName(name: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // Past a third of the name's own part, a "suggestion" is noise.
  const limit = Math.max(2, Math.ceil((name.length - "TESSERA_".length) / 3));
  return bestDistance <= limit ? best : undefined;
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
