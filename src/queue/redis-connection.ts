/**
 * The Redis connections of queue mode. Two kinds, because the two sides want opposite things
 * while Redis is away:
 * - the producer (API side) fails fast: no offline queue, so an update that Redis cannot take
 *   now is answered 503 at once instead of waiting in memory where a crash would lose it;
 * - workers wait: commands queue until Redis is back (BullMQ requires this for blocking calls).
 * The producer pipelines automatically (commands of one tick share a write). Both reconnect
 * forever with a capped backoff. Connection errors are logged once per outage, never with the URL
 * (it may carry a password).
 */
import { Cluster, Redis, type RedisOptions } from "ioredis";
import type { Logger } from "pino";

const RECONNECT_MAX_DELAY_MS = 2_000;

/** A single Redis or a Redis Cluster; BullMQ and the session store take either. */
export type RedisConnection = Redis | Cluster;

export interface ConnectionOptions {
  url: string;
  /** `url` is one node of a Redis Cluster. */
  cluster?: boolean;
  logger: Logger;
  /** Shown in logs: "producer", "worker", "cli". */
  role: string;
}

function reconnectDelayMs(times: number): number {
  return Math.min(100 * times, RECONNECT_MAX_DELAY_MS);
}

function connect(options: ConnectionOptions, redisOptions: RedisOptions): RedisConnection {
  if (options.cluster !== true) return new Redis(options.url, redisOptions);
  const url = new URL(options.url);
  const { retryStrategy, enableOfflineQueue, ...nodeOptions } = redisOptions;
  return new Cluster([{ host: url.hostname, port: url.port === "" ? 6379 : Number(url.port) }], {
    clusterRetryStrategy: retryStrategy,
    enableOfflineQueue,
    redisOptions: {
      ...nodeOptions,
      username: url.username === "" ? undefined : decodeURIComponent(url.username),
      password: url.password === "" ? undefined : decodeURIComponent(url.password),
      tls: url.protocol === "rediss:" ? {} : undefined,
    },
  });
}

function watch(redis: RedisConnection, options: ConnectionOptions): RedisConnection {
  const log = options.logger.child({ redis: options.role });
  let down = false;
  redis.on("error", (error: Error) => {
    if (down) return;
    down = true;
    log.warn({ err: { message: error.message, code: (error as { code?: unknown }).code } }, "redis unreachable, reconnecting");
  });
  redis.on("ready", () => {
    if (!down) return;
    down = false;
    log.info("redis reachable again");
  });
  return redis;
}

/** API side: a command that cannot be sent now fails at once; one that hangs fails after `commandTimeoutMs`. */
export function createProducerConnection(options: ConnectionOptions & { commandTimeoutMs: number }): RedisConnection {
  const redisOptions: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: Math.max(options.commandTimeoutMs, 1_000),
    commandTimeout: options.commandTimeoutMs,
    retryStrategy: reconnectDelayMs,
    // Commands issued in one tick go out as one write: an API process answers many updates at
    // once, each with a dedup claim and a job add. Queue benchmark, 1000 bots: API CPU per update
    // ~148 -> ~122 us, Redis CPU per update 188-299 -> 170-235 us.
    enableAutoPipelining: true,
  };
  return watch(connect(options, redisOptions), options);
}

/** Worker side: commands wait for Redis to come back (required by BullMQ workers). */
export function createWorkerConnection(options: ConnectionOptions): RedisConnection {
  const redisOptions: RedisOptions = {
    maxRetriesPerRequest: null,
    retryStrategy: reconnectDelayMs,
  };
  return watch(connect(options, redisOptions), options);
}

/** Command line: waits briefly for Redis, then fails with an error instead of retrying forever. */
export function createCliConnection(options: ConnectionOptions): RedisConnection {
  const redisOptions: RedisOptions = {
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (times) => (times > 2 ? null : reconnectDelayMs(times)),
  };
  return watch(connect(options, redisOptions), options);
}

/** The password of a Redis URL, for the secret scrubber (empty when there is none). */
export function redisPasswordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return "";
  }
}
