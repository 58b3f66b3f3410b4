/**
 * The environment the service reads: `process.env` over the project's optional `.env` (a
 * variable set in the real environment wins, as with every twelve-factor service), and which
 * variables came from that file, so a bad value can be traced to it.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseDotenv } from "dotenv";
import type { SettingsSources } from "./parse-settings.ts";

export interface ServiceEnv {
  env: Record<string, string | undefined>;
  sources: SettingsSources;
}

export function readServiceEnvWithSources(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): ServiceEnv {
  const file = path.join(cwd, ".env");
  const fromFile = existsSync(file) ? parseDotenv(readFileSync(file)) : {};
  const overridden = new Set(Object.keys(env).filter((key) => env[key] !== undefined));
  return {
    env: { ...fromFile, ...env },
    sources: { file: "the project's .env", fromFile: new Set(Object.keys(fromFile).filter((key) => !overridden.has(key))) },
  };
}

export function readServiceEnv(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  return readServiceEnvWithSources(cwd, env).env;
}
