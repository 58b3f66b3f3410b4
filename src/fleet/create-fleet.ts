/** Live reload for one process (the API or a queue worker): the reloader, and the host component that feeds it. */
import type { Cluster, Redis } from "ioredis";
import type { Logger } from "pino";
import type { BotInfoCache } from "../bots/bot-info-cache.ts";
import type { BotRegistry } from "../bots/bot-registry.ts";
import type { FolderLoadOptions } from "../bots/load-bot-folder.ts";
import type { RedisConnection } from "../queue/redis-connection.ts";
import { FleetComponent } from "./fleet-component.ts";
import { FleetReloader } from "./fleet-reloader.ts";
import type { FleetSettings } from "./fleet-settings.ts";
import { ReloadListener } from "./reload-channel.ts";
import { sharedImporters } from "./shared-imports.ts";

export interface CreateFleetOptions {
  settings: FleetSettings & { BOTS_DIR: string; GETME_CONCURRENCY: number; QUEUE_PREFIX: string };
  registry: BotRegistry;
  logger: Logger;
  load: FolderLoadOptions;
  /** The embedded default's pending updates of a bot. */
  pendingOf?: (botName: string) => number;
  /** What each folder of BOTS_DIR held before the start loaded it (fingerprintBotsDir). */
  startPrints: ReadonlyMap<string, string | undefined>;
  /** getMe's kept answers (GETME_CACHE), for bots that live reload starts. */
  botInfoCache?: BotInfoCache;
  /** Queue mode: reload requests reach this process through Redis. */
  redis?: { connection: RedisConnection; role: "api" | "worker" };
}

/**
 * A subscriber waits for Redis like a worker, whatever the connection it copies does. Told apart by
 * ioredis's own `isCluster` flag rather than `instanceof`, so the embedded default never loads ioredis.
 */
function subscriberOf(connection: RedisConnection): RedisConnection {
  return connection.isCluster ? (connection as Cluster).duplicate([], { enableOfflineQueue: true }) : (connection as Redis).duplicate({ enableOfflineQueue: true });
}

export function createFleet(options: CreateFleetOptions): { reloader: FleetReloader; component: FleetComponent } {
  const { settings, registry, logger, redis } = options;
  const reloader = new FleetReloader({ settings, registry, logger, load: options.load, pendingOf: options.pendingOf, sharedImporters, botInfoCache: options.botInfoCache });
  reloader.noteLoaded(options.startPrints);
  const listener =
    redis === undefined
      ? undefined
      : new ReloadListener({
          connection: redis.connection,
          subscriber: () => subscriberOf(redis.connection),
          prefix: settings.QUEUE_PREFIX,
          role: redis.role,
          logger,
          rescan: async (request) => {
            const report = await reloader.rescan({ bot: request.bot });
            const failed = registry.folders().flatMap((f) =>
              f.failure === undefined ? [] : [{ folder: f.folder, code: f.failure.code, file: f.failure.file, olderVersionServing: f.state === "ready-newer-failed" }],
            );
            return { ...report, failed };
          },
        });
  return { reloader, component: new FleetComponent({ settings, reloader, logger, listener }) };
}
