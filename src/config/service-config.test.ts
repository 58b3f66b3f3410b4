import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../errors/config-error.ts";
import { readServiceEnv } from "../settings/read-env.ts";
import { PROJECT_ROOT } from "../testing/bot-fixtures.ts";
import { parseServiceConfig, SERVICE_CONFIG_KEYS } from "./service-config.ts";

/** Runs `fn`, expects a ConfigError, and returns it. */
function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError, nothing was thrown");
}

describe("parseServiceConfig", () => {
  it("uses the documented defaults when nothing is set", () => {
    const config = parseServiceConfig({});
    expect({
      port: config.INTERNAL_BOT_API_PORT,
      host: config.INTERNAL_BOT_API_IP,
      botsDir: config.BOTS_DIR,
      logDir: config.LOG_DIR,
      bodyLimit: config.BODY_LIMIT_BYTES,
      maxAttempts: config.HANDLER_MAX_ATTEMPTS,
      logLevel: config.LOG_LEVEL,
      apiRoot: config.TELEGRAM_API_ROOT,
    }).toEqual({
      port: 8010,
      host: "127.0.0.1",
      botsDir: "./bots",
      logDir: "logs/bots",
      bodyLimit: 1024 * 1024,
      maxAttempts: 3,
      logLevel: "info",
      apiRoot: "https://api.telegram.org",
    });
  });

  it("coerces numbers given as strings", () => {
    const config = parseServiceConfig({ INTERNAL_BOT_API_PORT: "9000", BODY_LIMIT_BYTES: "2048", HANDLER_MAX_ATTEMPTS: "5" });
    expect({ port: config.INTERNAL_BOT_API_PORT, body: config.BODY_LIMIT_BYTES, attempts: config.HANDLER_MAX_ATTEMPTS }).toEqual({
      port: 9000,
      body: 2048,
      attempts: 5,
    });
  });

  it("accepts numbers given as numbers", () => {
    expect(parseServiceConfig({ INTERNAL_BOT_API_PORT: 0 }).INTERNAL_BOT_API_PORT).toBe(0);
  });

  it("treats an empty string as unset, so the default applies", () => {
    const config = parseServiceConfig({ INTERNAL_BOT_API_PORT: "", BOTS_DIR: "", LOG_LEVEL: "", TELEGRAM_API_ROOT: "" });
    expect({ port: config.INTERNAL_BOT_API_PORT, dir: config.BOTS_DIR, level: config.LOG_LEVEL, root: config.TELEGRAM_API_ROOT }).toEqual({
      port: 8010,
      dir: "./bots",
      level: "info",
      root: "https://api.telegram.org",
    });
  });

  it("ignores variables it does not know", () => {
    const config = parseServiceConfig({ PATH: "/usr/bin", BOT_TOKEN: "123:abc" });
    expect(Object.keys(config)).not.toContain("PATH");
    expect(Object.keys(config)).not.toContain("BOT_TOKEN");
  });

  it("returns a frozen object", () => {
    const config = parseServiceConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { INTERNAL_BOT_API_PORT: number }).INTERNAL_BOT_API_PORT = 1;
    }).toThrow(TypeError);
    expect(config.INTERNAL_BOT_API_PORT).toBe(8010);
  });

  it("freezes what is inside it too (lists of networks)", () => {
    const config = parseServiceConfig({ WEBHOOK_ALLOWED_NETWORKS: "10.0.0.0/8" });
    expect(Object.isFrozen(config.WEBHOOK_ALLOWED_NETWORKS)).toBe(true);
    expect(() => config.WEBHOOK_ALLOWED_NETWORKS.push("0.0.0.0/0")).toThrow(TypeError);
    expect(config.WEBHOOK_ALLOWED_NETWORKS).toEqual(["10.0.0.0/8"]);
  });

  it.each([
    ["INTERNAL_BOT_API_PORT", "abc"],
    ["INTERNAL_BOT_API_PORT", "70000"],
    ["INTERNAL_BOT_API_PORT", "-1"],
    ["INTERNAL_BOT_API_PORT", "80.5"],
    ["TELEGRAM_API_ROOT", "not a url"],
    ["TELEGRAM_API_ROOT", "ftp://example.com"],
    ["LOG_LEVEL", "loud"],
    ["HANDLER_MAX_ATTEMPTS", "0"],
    ["BODY_LIMIT_BYTES", "10"],
    ["JOURNAL_LOG", "some"],
    ["JOURNAL_LOG_SAMPLE_EVERY", "0"],
  ])("throws ConfigError naming %s for %j", (name, value) => {
    const error = configErrorOf(() => parseServiceConfig({ [name]: value }));
    expect(error.code).toBe("INVALID_CONFIG");
    expect(error.message).toContain(name);
    expect(error.message).toContain(JSON.stringify(value));
  });

  it("names every bad variable at once", () => {
    const error = configErrorOf(() =>
      parseServiceConfig({ INTERNAL_BOT_API_PORT: "abc", TELEGRAM_API_ROOT: "not a url", LOG_LEVEL: "loud", BOTS_DIR: "./ok" }),
    );
    const named = ["INTERNAL_BOT_API_PORT", "TELEGRAM_API_ROOT", "LOG_LEVEL", "BOTS_DIR"].filter((n) => error.message.includes(n));
    expect(named).toEqual(["INTERNAL_BOT_API_PORT", "TELEGRAM_API_ROOT", "LOG_LEVEL"]);
  });

  it("refuses a worker timeout shorter than two heartbeats, naming both", () => {
    const error = configErrorOf(() => parseServiceConfig({ QUEUE_WORKER_HEARTBEAT_MS: "1000", QUEUE_WORKER_TIMEOUT_MS: "1500" }));
    expect(error.message).toContain("QUEUE_WORKER_TIMEOUT_MS=\"1500\"");
    expect(error.message).toContain("twice QUEUE_WORKER_HEARTBEAT_MS (1000)");
    expect(parseServiceConfig({ QUEUE_WORKER_HEARTBEAT_MS: "1000", QUEUE_WORKER_TIMEOUT_MS: "2000" }).QUEUE_WORKER_TIMEOUT_MS).toBe(2000);
  });

  it("refuses a database in REDIS_URL for a Redis Cluster, which has only database 0, without showing the password", () => {
    const error = configErrorOf(() => parseServiceConfig({ REDIS_URL: "redis://:s3cret-pass@10.0.0.1:6379/3", REDIS_CLUSTER: "true" }));
    expect(error.message).toContain("REDIS_URL");
    expect(error.message).toContain("database other than 0");
    expect(error.message).not.toContain("s3cret-pass");
    expect(parseServiceConfig({ REDIS_URL: "redis://10.0.0.1:6379/0", REDIS_CLUSTER: "true" }).REDIS_CLUSTER).toBe(true);
    expect(parseServiceConfig({ REDIS_URL: "redis://10.0.0.1:6379", REDIS_CLUSTER: "true" }).REDIS_CLUSTER).toBe(true);
    expect(parseServiceConfig({ REDIS_URL: "redis://10.0.0.1:6379/3" }).REDIS_URL).toBe("redis://10.0.0.1:6379/3");
  });

  it("refuses braces in FLOOD_REDIS_PREFIX: the bot's name in braces is the flood keys' hash tag", () => {
    const error = configErrorOf(() => parseServiceConfig({ FLOOD_REDIS_PREFIX: "cb:{x}:" }));
    expect(error.message).toContain("FLOOD_REDIS_PREFIX");
    expect(parseServiceConfig({ FLOOD_REDIS_PREFIX: "other:flood:" }).FLOOD_REDIS_PREFIX).toBe("other:flood:");
  });
});

describe("docs/configuration.md", () => {
  it("documents every variable the service reads", () => {
    const text = readFileSync(path.join(PROJECT_ROOT, "docs/configuration.md"), "utf8");
    expect(SERVICE_CONFIG_KEYS.filter((key) => !text.includes(`| \`${key}\``))).toEqual([]);
  });
});

describe("readServiceEnv", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  function projectWithEnv(text: string): string {
    dir = mkdtempSync(path.join(os.tmpdir(), "service-env-"));
    writeFileSync(path.join(dir, ".env"), text);
    return dir;
  }

  it("reads the project .env", () => {
    const cwd = projectWithEnv("INTERNAL_BOT_API_PORT=9100\nBOTS_DIR=/srv/bots\n");
    const env = readServiceEnv(cwd, {});
    expect({ port: env.INTERNAL_BOT_API_PORT, dir: env.BOTS_DIR }).toEqual({ port: "9100", dir: "/srv/bots" });
  });

  it("lets a real environment variable win over the .env", () => {
    const cwd = projectWithEnv("INTERNAL_BOT_API_PORT=9100\nLOG_LEVEL=debug\n");
    const env = readServiceEnv(cwd, { INTERNAL_BOT_API_PORT: "9200" });
    expect({ port: env.INTERNAL_BOT_API_PORT, level: env.LOG_LEVEL }).toEqual({ port: "9200", level: "debug" });
    expect(parseServiceConfig(env).INTERNAL_BOT_API_PORT).toBe(9200);
  });

  it("works without a .env", () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "service-env-"));
    expect(readServiceEnv(dir, { LOG_LEVEL: "warn" })).toEqual({ LOG_LEVEL: "warn" });
  });
});
