/**
 * Puts the admin page on the service's app (only called when ADMIN_TOKEN is set): the fleet report
 * read from the registry, the activity counters and the processor (embedded: from memory; queue
 * mode: from Redis, with the failed updates, their retry and bull-board), and reloads (embedded:
 * this process's reloader; queue mode: the reload channel, so every API and worker reloads).
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import type { BotRegistry } from "../bots/bot-registry.ts";
import type { EmbeddedProcessor } from "../embedded/embedded-processor.ts";
import type { FleetReloader } from "../fleet/fleet-reloader.ts";
import { reloadChannelOf } from "../fleet/reload-channel.ts";
import type { QueueProducer } from "../queue/queue-producer.ts";
import { UPDATES_QUEUE } from "../queue/queue-names.ts";
import { adminRoutes } from "./admin-routes.ts";
import type { BotActivity } from "./bot-activity.ts";
import { buildFleetReport, FAILED_SHOWN, type ProcessorLoad } from "./fleet-report.ts";

export interface MountAdminOptions {
  token: string;
  botMode: string;
  queuePrefix: string;
  registry: BotRegistry;
  activity: BotActivity;
  fleet: FleetReloader;
  scrub: (text: string) => string;
  embedded: EmbeddedProcessor | undefined;
  producer: QueueProducer | undefined;
}

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: unknown };
  return typeof manifest.version === "string" ? manifest.version : "unknown";
}

async function queueLoad(producer: QueueProducer): Promise<ProcessorLoad> {
  try {
    const { jobs, workers } = await producer.depth();
    const updates = (state: string): number => jobs.find((j) => j.queue === UPDATES_QUEUE && j.state === state)?.count ?? 0;
    return { backlog: updates("waiting") + updates("active") + updates("delayed"), inFlight: updates("active"), workers };
  } catch {
    // Redis away: the page still shows the fleet.
    return { backlog: null, inFlight: null, workers: null };
  }
}

export async function mountAdmin(app: FastifyInstance, options: MountAdminOptions): Promise<void> {
  const { registry, embedded, producer, scrub } = options;
  const startedAt = Date.now();
  const version = packageVersion();
  const load = async (): Promise<ProcessorLoad> => (producer === undefined ? { backlog: embedded?.size ?? 0, inFlight: embedded?.activeCount ?? 0 } : queueLoad(producer));
  // BullMQ and bull-board are loaded only in queue mode: the embedded default has no queue to show.
  const queue = producer === undefined ? undefined : { producer, jobs: await import("../queue/cli/jobs-admin.ts"), board: await import("./queue-board.ts") };
  const failedUpdates = queue === undefined ? undefined : () => queue.jobs.listFailedUpdates(queue.producer.queues, { limit: FAILED_SHOWN }).catch(() => []);
  await app.register(adminRoutes, {
    token: options.token,
    report: () =>
      buildFleetReport({ mode: producer === undefined ? "embedded" : "queue", botMode: options.botMode, version, startedAt, registry, activity: options.activity, scrub, load, failedUpdates }),
    folders: () => registry.folderNames(),
    reload: async (folder) => {
      if (producer === undefined) {
        await options.fleet.reloadFolder(folder, true);
        const view = registry.folders().find((f) => f.folder === folder);
        return { reloaded: true, state: view?.state, version: view?.version, changed_at: view?.changedAt };
      }
      // Every API and worker process (this one included) hears it and reloads its own copy.
      const receivers = Number(await producer.connection.publish(reloadChannelOf(options.queuePrefix), JSON.stringify({ id: randomUUID(), bot: folder })));
      return { requested: true, receivers };
    },
    ...(queue === undefined
      ? {}
      : {
          retry: (id: string) => queue.jobs.retryFailedJobs(queue.producer.queues, { ids: [id] }),
          queueBoard: queue.board.queueBoard(queue.producer.queues),
        }),
  });
}
