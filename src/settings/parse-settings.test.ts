/**
 * Config errors an operator can act on: the value and where it came from (the project's .env,
 * read from a real file), never a secret (a URL's password, a variable named as a secret).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseGatewayConfig, parseServiceConfig } from "../config/service-config.ts";
import { shownValue } from "./parse-settings.ts";
import { readServiceEnvWithSources } from "./read-env.ts";

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error("expected an error, nothing was thrown");
}

describe("config error messages", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it("names a port that is not one, with the range", () => {
    expect(messageOf(() => parseServiceConfig({ INTERNAL_BOT_API_PORT: "abc" }))).toBe('Invalid configuration: INTERNAL_BOT_API_PORT="abc" is not a port number (1-65535, or 0 for any free port)');
    expect(messageOf(() => parseServiceConfig({ HANDLER_MAX_ATTEMPTS: "0" }))).toContain('HANDLER_MAX_ATTEMPTS="0" is not a whole number from 1 to 100');
  });

  it("says when the bad value came from the project's .env, and not when the environment overrode it", () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "settings-env-"));
    writeFileSync(path.join(dir, ".env"), "INTERNAL_BOT_API_PORT=abc\nBODY_LIMIT_BYTES=tiny\n");
    const { env, sources } = readServiceEnvWithSources(dir, { BODY_LIMIT_BYTES: "12" });
    const message = messageOf(() => parseServiceConfig(env, sources));
    expect(message).toContain(`INTERNAL_BOT_API_PORT="abc" (from the project's .env) is not a port number`);
    expect(message).toContain(`BODY_LIMIT_BYTES="12" is not a whole number of at least 1024`);
  });

  it("masks the password of any URL setting, and hides values of secret settings", () => {
    const message = messageOf(() => parseServiceConfig({ REDIS_URL: "redis://:s3cretPW@127.0.0.1:notaport", JOURNAL_URL: "https://user:hunter2@journal.example:bad/x" }));
    expect(message).toContain('REDIS_URL="redis://:***@127.0.0.1:notaport"');
    expect(message).toContain('JOURNAL_URL="https://user:***@journal.example:bad/x"');
    expect(message).not.toMatch(/s3cretPW|hunter2/);
    expect(shownValue("JOURNAL_AUTHORIZATION", "Token abc")).toBe("<hidden>");
    expect(shownValue("BOT_WEBHOOK_SECRET", "abc")).toBe("<hidden>");
    expect(shownValue("LOG_LEVEL", "loud")).toBe('"loud"');
  });

  it("requires GATEWAY_FORWARD_URL for the gateway process only", () => {
    expect(messageOf(() => parseGatewayConfig({}))).toContain("GATEWAY_FORWARD_URL=unset: GATEWAY_FORWARD_URL is required");
    expect(parseServiceConfig({}).GATEWAY_FORWARD_URL).toBeUndefined();
  });
});
