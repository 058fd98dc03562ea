/**
 * Each package can be published as it is: metadata, a license file, typed exports that point
 * at files the build produces, and the sources the declaration maps point at (issue 11 item 11).
 */
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const ROOT = new URL("../../../../", import.meta.url);
const PACKAGES = ["verifier", "authority", "scanner"];

interface Manifest {
  name: string;
  license?: string;
  repository?: { type: string; url: string; directory: string };
  publishConfig?: { access?: string };
  files?: string[];
  bin?: Record<string, string>;
  exports: Record<string, string | { types?: string; default?: string }>;
}

const readJson = (url: URL) => JSON.parse(readFileSync(url, "utf8"));
const rootManifest = readJson(new URL("package.json", ROOT)) as { license: string };
const baseConfig = readJson(new URL("tsconfig.base.json", ROOT)) as { compilerOptions: { declarationMap?: boolean } };

for (const dir of PACKAGES) {
  const base = new URL(`packages/${dir}/`, ROOT);
  const manifest = readJson(new URL("package.json", base)) as Manifest;

  describe(manifest.name, () => {
    it("names its license, repository and public access, and ships a LICENSE file", () => {
      expect(manifest.license).toBe(rootManifest.license);
      expect(readFileSync(new URL("LICENSE", base), "utf8")).toContain("Apache License");
      expect(manifest.repository).toMatchObject({ type: "git", directory: `packages/${dir}` });
      expect(manifest.publishConfig?.access).toBe("public");
    });

    it("ships dist (without the build info), its bins, and src when declaration maps point at it", () => {
      expect(manifest.files).toContain("dist");
      expect(manifest.files).toContain("!dist/.tsbuildinfo");
      if (baseConfig.compilerOptions.declarationMap !== false) expect(manifest.files).toContain("src");
      for (const bin of Object.values(manifest.bin ?? {})) {
        expect(manifest.files?.some((entry) => bin.replace(/^\.\//, "").startsWith(`${entry}/`))).toBe(true);
      }
    });

    it("every export names its types and code, built from a source file that exists", () => {
      for (const [subpath, target] of Object.entries(manifest.exports)) {
        if (subpath === "./package.json") continue;
        expect(typeof target, subpath).toBe("object");
        const { types, default: code } = target as { types?: string; default?: string };
        expect(types, subpath).toMatch(/^\.\/dist\/.+\.d\.ts$/);
        expect(code, subpath).toBe(types?.replace(/\.d\.ts$/, ".js"));
        const source = (code as string).replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts");
        expect(existsSync(new URL(source, base)), `${subpath}: ${source}`).toBe(true);
      }
    });
  });
}
