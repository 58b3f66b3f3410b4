/**
 * Validates an environment against a settings schema once, at start: empty strings count as
 * unset (so `PORT=` in a `.env` falls back to the default), unknown variables are ignored, every
 * bad variable is named at once in one ConfigError, and the result is deeply frozen.
 */
import type { z } from "zod";
import { ConfigError } from "../errors/config-error.ts";
import { deepFreeze } from "./deep-freeze.ts";

export type SettingsInput = Readonly<Record<string, string | number | undefined>>;

export function parseSettings<T>(schema: z.ZodType<T>, keys: readonly string[], env: SettingsInput): T {
  const input: Record<string, string | number> = {};
  for (const key of keys) {
    const value = env[key];
    if (value !== undefined && value !== "") input[key] = value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = issue.path.join(".");
      return `${name}=${JSON.stringify(input[name])}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join("; ")}`);
  }
  return deepFreeze(result.data);
}
