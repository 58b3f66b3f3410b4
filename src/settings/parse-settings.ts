/**
 * Validates an environment against a settings schema once, at start: empty strings count as
 * unset (so `PORT=` in a `.env` falls back to the default), unknown variables are ignored, every
 * bad variable is named at once in one ConfigError, and the result is deeply frozen. A message
 * never shows a secret: the password of a URL is masked, and the value of a variable whose name
 * says it is a secret is not shown at all.
 */
import type { z } from "zod";
import { ConfigError } from "../errors/config-error.ts";
import { deepFreeze } from "./deep-freeze.ts";

export type SettingsInput = Readonly<Record<string, string | number | undefined>>;

/** Where the values came from, so a message can say which file to fix. */
export interface SettingsSources {
  /** Variables read from `file` rather than from the real environment. */
  fromFile: ReadonlySet<string>;
  file: string;
}

/** Names of variables whose values are secrets (JOURNAL_AUTHORIZATION, a *_TOKEN, ...). */
const SECRET_NAME = /(AUTHORIZATION|SECRET|TOKEN|PASSWORD|PASSWD|_KEY$)/;

/** `scheme://user:password@...`: everything between the first ':' after the scheme and '@'. */
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)[^\s@/]*@/i;

/** How a given value may be shown in a message. */
export function shownValue(name: string, value: string | number | undefined): string {
  if (value === undefined) return "unset";
  if (SECRET_NAME.test(name)) return "<hidden>";
  return JSON.stringify(String(value).replace(URL_PASSWORD, "$1***@"));
}

export function parseSettings<T>(schema: z.ZodType<T>, keys: readonly string[], env: SettingsInput, sources?: SettingsSources): T {
  const input: Record<string, string | number> = {};
  for (const key of keys) {
    const value = env[key];
    if (value !== undefined && value !== "") input[key] = value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = issue.path.join(".");
      const origin = sources?.fromFile.has(name) === true ? ` (from ${sources.file})` : "";
      // Our own messages read on from the value ("is not a port number ..."); zod's stand alone.
      const joint = issue.message.startsWith("is ") ? " " : ": ";
      return `${name}=${shownValue(name, input[name])}${origin}${joint}${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join("; ")}`);
  }
  return deepFreeze(result.data);
}
