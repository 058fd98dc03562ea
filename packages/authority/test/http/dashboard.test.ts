/**
 * The authority serving the dashboard's build: files from memory with the CSP, gzip when asked,
 * index.html for page paths, 404 for missing assets, and a clear 404 when nothing is built.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DASHBOARD_CSP } from "../../src/http/routes/dashboard.js";
import { createHttpHarness, type HttpHarness } from "../http-harness.js";

describe("the dashboard's files", () => {
  let dir: string;
  let built: HttpHarness;
  let unbuilt: HttpHarness;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tessera-dashboard-"));
    mkdirSync(join(dir, "assets"));
    writeFileSync(
      join(dir, "index.html"),
      '<!doctype html><script type="module" src="/dashboard/assets/app-1.js"></script>',
    );
    writeFileSync(join(dir, "assets", "app-1.js"), `console.log(${JSON.stringify("x".repeat(4000))});`);
    built = await createHttpHarness("sqlite", { dashboardDir: dir });
    unbuilt = await createHttpHarness("sqlite", { dashboardDir: join(dir, "nowhere") });
  });
  afterAll(async () => {
    await built.close();
    await unbuilt.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves index.html with the CSP for the app and any page path, without an admin key", async () => {
    for (const url of ["/dashboard", "/dashboard/", "/dashboard/keys/key_abc?state=active"]) {
      const response = await built.call("GET", url, { key: null });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers["content-security-policy"]).toBe(DASHBOARD_CSP);
      expect(response.headers["cache-control"]).toBe("no-cache");
      expect(response.body).toContain("/dashboard/assets/app-1.js");
    }
  });

  it("serves hashed assets for good, gzipped when the client accepts it, and 404s a missing one", async () => {
    const plain = await built.call("GET", "/dashboard/assets/app-1.js", { key: null });
    expect(plain.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(plain.headers["cache-control"]).toContain("immutable");
    expect(plain.headers["content-encoding"]).toBeUndefined();
    const gzipped = await built.call("GET", "/dashboard/assets/app-1.js", {
      key: null,
      headers: { "accept-encoding": "gzip, br" },
    });
    expect(gzipped.headers["content-encoding"]).toBe("gzip");
    expect(gzipped.rawPayload.length).toBeLessThan(plain.rawPayload.length);
    expect((await built.call("GET", "/dashboard/assets/app-0.js", { key: null })).statusCode).toBe(404);
    expect((await built.call("GET", "/dashboard/../package.json", { key: null })).statusCode).toBe(404);
  });

  it("says how to build it when it is not built", async () => {
    const response = await unbuilt.call("GET", "/dashboard/", { key: null });
    expect(response.statusCode).toBe(404);
    expect(response.body).toContain("the dashboard is not built");
    expect(response.body).toContain("npm run build");
  });
});
