/**
 * Real npm packages for tests of bots folders that have their own package.json and node_modules.
 * The first run installs the packages from the registry (`npm install`, as an operator would);
 * the result is kept in the OS temp folder under a name made from the package list, so later runs
 * copy it in a few milliseconds. A registry that cannot be reached skips the test that needs it
 * (with the reason), and fails it under CI=true, where a skipped test would hide a regression.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export type PackagesInstall = { ok: true; dir: string } | { ok: false; reason: string };

/** npm's own words for a registry it could not reach. */
const UNREACHABLE = /\b(ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|ERR_SOCKET_TIMEOUT)\b|network request/i;

const INSTALL_TIMEOUT_MS = 110_000;

function cacheDirFor(packages: readonly string[]): string {
  const key = createHash("sha256").update(JSON.stringify([...packages].sort())).digest("hex").slice(0, 16);
  return path.join(os.tmpdir(), `clustered-bots-packages-${key}`);
}

/**
 * npm's settings from the environment of `npm test` (npm_config_prefix, npm_config_local_prefix)
 * would point the install at this project: only those saying where the registry is and how to
 * reach it are kept.
 */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const keep = !key.toLowerCase().startsWith("npm_") || /^npm_config_(registry|cache|userconfig|globalconfig|proxy|https_proxy|noproxy|strict_ssl|cafile|@.*:registry)$/i.test(key);
    if (keep) env[key] = value;
  }
  return env;
}

/**
 * A folder holding `package.json` and `node_modules` with `packages` installed (npm specs such as
 * `grammy@1.46.0`), installed once and kept between test runs.
 */
export async function installedPackages(packages: readonly string[]): Promise<PackagesInstall> {
  const cacheDir = cacheDirFor(packages);
  if (existsSync(path.join(cacheDir, ".installed"))) return { ok: true, dir: cacheDir };
  const work = mkdtempSync(`${cacheDir}-installing-`);
  try {
    writeFileSync(path.join(work, "package.json"), `${JSON.stringify({ name: "installed-packages", private: true }, null, 2)}\n`);
    try {
      // A registry that does not answer is told in seconds, not after npm's default minute of retries.
      const fetchFlags = ["--fetch-retries=1", "--fetch-retry-mintimeout=2000", "--fetch-retry-maxtimeout=5000", "--fetch-timeout=30000"];
      await run("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error", ...fetchFlags, ...packages], { cwd: work, env: npmEnv(), timeout: INSTALL_TIMEOUT_MS });
    } catch (error) {
      const { stderr = "", killed = false } = error as { stderr?: string; killed?: boolean };
      const text = String(stderr);
      const unreachable = killed ? "no answer within the install's time" : UNREACHABLE.exec(text)?.[0];
      if (unreachable !== undefined) return { ok: false, reason: `the npm registry cannot be reached (npm install ${packages.join(" ")}: ${unreachable})` };
      throw new Error(`npm install ${packages.join(" ")} failed: ${text}`, { cause: error });
    }
    writeFileSync(path.join(work, ".installed"), packages.join("\n"));
    try {
      renameSync(work, cacheDir);
    } catch {
      // Another test process installed the same list meanwhile: keep theirs.
      if (!existsSync(path.join(cacheDir, ".installed"))) throw new Error(`cannot keep the npm install in ${cacheDir}`);
    }
    return { ok: true, dir: cacheDir };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Gives `folder` its own copy of the install's package.json and node_modules, as `npm install` in it would. */
export function copyInstalledPackages(install: { dir: string }, folder: string): void {
  mkdirSync(folder, { recursive: true });
  cpSync(path.join(install.dir, "package.json"), path.join(folder, "package.json"));
  cpSync(path.join(install.dir, "node_modules"), path.join(folder, "node_modules"), { recursive: true });
}

/**
 * The install, or a skip of the running test with the reason; under CI=true an unreachable
 * registry fails the test instead.
 */
export function requireInstall(install: PackagesInstall, skip: (note: string) => never): { dir: string } {
  if (install.ok) return install;
  if (process.env.CI === "true") throw new Error(`${install.reason} (CI=true: not skipped)`);
  return skip(install.reason);
}

/**
 * What the tests of bots folders with packages of their own install: grammY and plugins built on
 * it (all CommonJS), and an ES-only package the project has in another major (p-limit 7).
 * Versions are pinned, so the kept install is the one the tests were written against.
 */
export const BOT_FOLDER_PACKAGES = ["grammy@1.46.0", "@grammyjs/menu@1.5.0", "@grammyjs/conversations@2.1.1", "@grammyjs/auto-retry@2.0.2", "@grammyjs/transformer-throttler@1.2.1", "p-limit@5.0.0"] as const;
