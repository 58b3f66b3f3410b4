/**
 * The Redis connections of queue mode. Two kinds, because the two sides want opposite things
 * while Redis is away:
 * - the producer (API side) fails fast: no offline queue, so an update that Redis cannot take
 *   now is answered 503 at once instead of waiting in memory where a crash would lose it;
 * - workers wait: commands queue until Redis is back (BullMQ requires this for blocking calls).
 * Commands written in one turn of the event loop share a socket write (coalesceWrites). Both
 * reconnect forever with a capped backoff. Connection errors are logged once per outage, never
 * with the URL (it may carry a password).
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

/**
 * A Redis Cluster is reached through the one node of the URL, with the URL's credentials and TLS
 * for every node. Host names go to the socket as they are (`dnsLookup`): ioredis would otherwise
 * resolve them to addresses first, and a managed cluster's TLS certificate names the host, not the
 * address (ioredis's advice for ElastiCache and the like).
 */
function connect(options: ConnectionOptions, redisOptions: RedisOptions): RedisConnection {
  if (options.cluster !== true) return new Redis(options.url, redisOptions);
  const url = new URL(options.url);
  const { retryStrategy, enableOfflineQueue, ...nodeOptions } = redisOptions;
  return new Cluster([{ host: url.hostname, port: url.port === "" ? 6379 : Number(url.port) }], {
    clusterRetryStrategy: retryStrategy,
    enableOfflineQueue,
    dnsLookup: (address, callback) => callback(null, address),
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

/**
 * Commands written in one turn of the event loop leave in one socket write: the socket is corked
 * at a turn's first write and uncorked once the turn's I/O callbacks have run (setImmediate). An
 * API process answering many updates at once, or a worker finishing many jobs, then makes one
 * system call where it made one per command. This replaces ioredis's auto-pipelining, which gets
 * the same batching by building a Pipeline object per batch, and that object copies every script
 * BullMQ defines on the connection: at 500 updates/s, one command per batch, that copy alone was
 * 8% of the API's CPU (docs/performance.md, item 23). Applied to every socket the connection
 * opens (a reconnect opens a new one). A Redis Cluster keeps ioredis's plain writes.
 */
function coalesceWrites(redis: RedisConnection): RedisConnection {
  if (!(redis instanceof Redis)) return redis;
  redis.on("connect", () => {
    const stream = redis.stream;
    let corked = false;
    const write = stream.write.bind(stream);
    stream.write = ((...args: Parameters<typeof write>) => {
      if (!corked) {
        corked = true;
        stream.cork();
        setImmediate(() => {
          corked = false;
          stream.uncork();
        });
      }
      return write(...args);
    }) as typeof stream.write;
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
  };
  return coalesceWrites(watch(connect(options, redisOptions), options));
}

/** Worker side: commands wait for Redis to come back (required by BullMQ workers). */
export function createWorkerConnection(options: ConnectionOptions): RedisConnection {
  const redisOptions: RedisOptions = {
    maxRetriesPerRequest: null,
    retryStrategy: reconnectDelayMs,
  };
  return coalesceWrites(watch(connect(options, redisOptions), options));
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
