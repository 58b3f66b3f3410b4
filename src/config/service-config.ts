/**
 * Service configuration: read once at start from the environment (plus an optional project `.env`),
 * validated against one schema, frozen. The type is derived from the schema, so an option cannot be
 * documented here and forgotten there. Nothing reads `process.env` elsewhere.
 */
import { z } from "zod";
import { ConfigError } from "../errors/config-error.ts";
import { integer } from "./schema-helpers.ts";
import { gatewayConfigShape } from "../gateway/gateway-config.ts";
import { journalConfigShape } from "../journal/journal-config.ts";
import { checkQueueConfig, queueConfigShape } from "../queue/queue-config.ts";
import { sessionConfigShape } from "../session/session-config.ts";

const schema = z.object({
  /** Address the HTTP API listens on. @defaultValue 127.0.0.1 */
  INTERNAL_BOT_API_IP: z.string().min(1).default("127.0.0.1"),
  /** Port of the HTTP API (0 picks a free one). @defaultValue 8010 */
  INTERNAL_BOT_API_PORT: integer(0, 65535).default(8010),
  /** Folder that holds one folder per bot. @defaultValue ./bots */
  BOTS_DIR: z.string().min(1).default("./bots"),
  /** Folder of the log file `bots.log`. @defaultValue logs/bots */
  LOG_DIR: z.string().min(1).default("logs/bots"),
  /** pino level. @defaultValue info */
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Bot API root: the public one, a self-hosted Bot API server, or a test stand-in. */
  TELEGRAM_API_ROOT: z.url({ protocol: /^https?$/ }).default("https://api.telegram.org"),

  /** Largest accepted request body. @defaultValue 1 MiB */
  BODY_LIMIT_BYTES: integer(1024).default(1024 * 1024),
  /**
   * Updates handled at once, over all bots. Handlers mostly wait for Telegram (50-200 ms a call),
   * so this is far above the core count: at the old default of 64, a process could not handle more than
   * 64 / latency updates a second (docs/performance.md). @defaultValue 512
   */
  PROCESSING_CONCURRENCY: integer(1).default(512),
  /** Updates handled at once for one bot, so one bot cannot take every slot. @defaultValue 16 */
  BOT_CONCURRENCY: integer(1).default(16),
  /** Accepted updates waiting or running, over all bots; past it intake answers 503. @defaultValue 10000 */
  MAX_BACKLOG: integer(1).default(10_000),
  /** Accepted updates waiting or running for one bot; past it that bot's intake answers 503. @defaultValue 2000 */
  MAX_BOT_BACKLOG: integer(1).default(2_000),
  /** `Retry-After` sent with 503 answers. @defaultValue 1 */
  RETRY_AFTER_SECONDS: integer(1, 3600).default(1),
  /** How long a handled `update_id` is remembered per bot to drop redeliveries. @defaultValue 24 h */
  DEDUP_WINDOW_SECONDS: integer(0).default(24 * 60 * 60),
  /** Most `update_id`s remembered at once, oldest forgotten first (about 100 bytes each). @defaultValue 500000 */
  DEDUP_MAX_ENTRIES: integer(1).default(500_000),
  /** Runs of an update whose handler throws, the first included. @defaultValue 3 */
  HANDLER_MAX_ATTEMPTS: integer(1, 100).default(3),
  /** First backoff between runs of a failed update; doubles each time, with jitter. @defaultValue 500 */
  HANDLER_RETRY_BASE_MS: integer(0).default(500),
  /** A handler still running after this is logged (it is not cut or re-run). @defaultValue 30000 */
  HANDLER_TIMEOUT_MS: integer(1).default(30_000),
  /** Repeats of one Telegram API call after 429, 5xx, network errors or non-JSON answers. @defaultValue 5 */
  API_MAX_RETRIES: integer(0, 100).default(5),
  /** First backoff of a failed API call; doubles each time, with jitter. @defaultValue 200 */
  API_RETRY_BASE_MS: integer(0).default(200),
  /** Longest wait for one retry, `retry_after` included; a longer `retry_after` fails the call. @defaultValue 60 */
  API_MAX_RETRY_WAIT_SECONDS: integer(0).default(60),
  /** Timeout of one Telegram API call. @defaultValue 30 */
  API_TIMEOUT_SECONDS: integer(1).default(30),
  /** `getMe` calls at once while bots start. @defaultValue 16 */
  GETME_CONCURRENCY: integer(1).default(16),
  /** On SIGTERM/SIGINT, how long to finish accepted updates before exiting anyway. @defaultValue 25000 */
  SHUTDOWN_DEADLINE_MS: integer(0).default(25_000),
  // Each feature declares its own variables beside its code.
  ...queueConfigShape,
  ...journalConfigShape,
  ...sessionConfigShape,
  ...gatewayConfigShape,
}).superRefine(checkQueueConfig);

export type ServiceConfig = Readonly<z.infer<typeof schema>>;
export type ServiceConfigInput = Partial<Record<keyof z.input<typeof schema>, string | number | undefined>>;

/** The variables the service reads; anything else in the environment is ignored. */
export const SERVICE_CONFIG_KEYS = Object.keys(schema.shape) as ReadonlyArray<keyof ServiceConfig>;

/**
 * Validates `env` into a frozen config. Empty strings count as unset, so `PORT=` in a `.env`
 * falls back to the default instead of failing. Throws ConfigError naming every bad variable.
 */
export function parseServiceConfig(env: Readonly<Record<string, string | number | undefined>>): ServiceConfig {
  const input: Record<string, string | number> = {};
  for (const key of SERVICE_CONFIG_KEYS) {
    const value = env[key];
    if (value !== undefined && value !== "") input[key] = value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = issue.path.join(".");
      const given = input[name];
      return `${name}=${JSON.stringify(given)}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join("; ")}`);
  }
  return Object.freeze(result.data);
}
