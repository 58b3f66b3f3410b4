/**
 * A clean install on the Node the project says it needs has no engine warning: every package in
 * package-lock.json that declares `engines.node` accepts the lowest version package.json allows.
 * (cookie 2 wanted Node >= 22 through fastify's light-my-request; it is pinned to 1.1.1, whose
 * API light-my-request uses the same way.)
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "./testing/bot-fixtures.ts";

interface LockPackage {
  version?: string;
  engines?: { node?: string } | string[];
}

describe("package engines", () => {
  it("lets every locked package run on the lowest Node package.json allows", () => {
    const manifest = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { engines: { node: string } };
    const lowest = semver.minVersion(manifest.engines.node);
    expect(lowest?.version).toBe("20.19.0");
    const lock = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, LockPackage> };
    const refusing = Object.entries(lock.packages).flatMap(([where, pkg]) => {
      const wanted = Array.isArray(pkg.engines) ? undefined : pkg.engines?.node;
      if (where === "" || wanted === undefined || lowest === null) return [];
      return semver.satisfies(lowest, wanted) ? [] : [`${where}@${pkg.version ?? "?"} wants node ${wanted}`];
    });
    expect(refusing).toEqual([]);
  });
});
