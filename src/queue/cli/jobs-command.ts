/**
 * `npm run bots -- jobs <failed|retry|stats|workers>`: the queue-mode job commands, parsed here and run
 * against the deployment's Redis (REDIS_URL, QUEUE_PREFIX, QUEUE_PARTITIONS from the config).
 * Everything printed passes a scrubber that knows the bots' secrets and Redis's password, so a
 * failure an older version stored unscrubbed is shown scrubbed too.
 */
import { parseArgs } from "node:util";
import { pino } from "pino";
import type { BotsSettings } from "../../bots/bots-settings.ts";
import { collectBotSecrets } from "../../bots/bot-secrets.ts";
import { SecretScrubber } from "../../logging/secret-scrubber.ts";
import { isQueueMode, QUEUE_MODE_REQUIRED, redisUrlOf, type QueueOpenSettings } from "../queue-mode.ts";
import { createCliConnection, redisPasswordOf } from "../redis-connection.ts";
import { openQueues, type QueueSet } from "../update-queues.ts";
import { isQueueFamily, JOURNAL_QUEUE, UPDATES_QUEUE, type QueueFamily } from "../queue-names.ts";
import { jobStats, listFailedJournalJobs, listFailedUpdates, retryFailedJobs, workerShares } from "./jobs-admin.ts";

export const JOBS_USAGE = `  jobs stats [--json]    jobs per queue (telegram_updates, drf_save) by state
  jobs workers [--json]  live workers and the partitions each watches
  jobs failed [--queue telegram_updates|drf_save] [--bot NAME] [--limit N] [--json]
                         failed updates (or drf_save journal jobs), newest first, with their error
  jobs retry (ID... | --all | --bot NAME) [--queue telegram_updates|drf_save]
                         runs failed jobs again (IDs as printed by jobs failed)`;

export interface JobsIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

async function withQueues<T>(config: QueueOpenSettings, use: (queues: QueueSet) => Promise<T>): Promise<T> {
  const logger = pino({ level: "silent" });
  const connection = createCliConnection({ url: redisUrlOf(config), cluster: config.REDIS_CLUSTER, logger, role: "cli" });
  const queues = openQueues(connection, config, logger);
  try {
    return await use(queues);
  } finally {
    await queues.close();
    connection.disconnect();
  }
}

function table<T extends object>(rows: readonly T[], columns: ReadonlyArray<keyof T & string>): string {
  const cells: string[][] = [[...columns], ...rows.map((row) => columns.map((c) => String(row[c] ?? "")))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => (line[i] ?? "").length)));
  return cells.map((line) => line.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join("\n");
}

function retriedText(ids: readonly string[], family: QueueFamily): string {
  const journal = ids.filter((id) => id.startsWith(`${JOURNAL_QUEUE}/`)).length;
  const updates = ids.length - journal;
  if (ids.length === 0 && family === JOURNAL_QUEUE) return "Retried 0 failed drf_save job(s).";
  if (journal === 0) return `Retried ${updates} failed update(s).`;
  return updates === 0 ? `Retried ${journal} failed drf_save job(s).` : `Retried ${updates} failed update(s) and ${journal} drf_save job(s).`;
}

/** "0,2,4" or, for a long share, its first ones and the count: "0,2,4,6,8,10,12,14,... (64)". */
function shareText(partitions: readonly number[]): string {
  const shown = partitions.slice(0, 8).join(",");
  return partitions.length <= 8 ? shown : `${shown},... (${partitions.length})`;
}

/** Runs `jobs ...`; returns the exit code. */
export async function runJobsCommand(args: readonly string[], config: QueueOpenSettings & Pick<BotsSettings, "BOTS_DIR">, raw: JobsIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== undefined && !isQueueMode(config)) {
    raw.err(`jobs ${sub} ${QUEUE_MODE_REQUIRED}`);
    return 1;
  }
  const scrubber = new SecretScrubber();
  const password = redisPasswordOf(redisUrlOf(config));
  if (password !== "") scrubber.add(password);
  await collectBotSecrets(config.BOTS_DIR, (secret) => scrubber.add(secret)).catch(() => undefined);
  const io: JobsIo = { out: (text) => raw.out(scrubber.scrub(text)), err: (text) => raw.err(scrubber.scrub(text)) };
  let parsed;
  try {
    parsed = parseArgs({
      args: [...rest],
      allowPositionals: true,
      options: {
        json: { type: "boolean", default: false },
        bot: { type: "string" },
        limit: { type: "string" },
        all: { type: "boolean", default: false },
        queue: { type: "string", default: UPDATES_QUEUE },
      },
    });
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n\n${JOBS_USAGE}`);
    return 1;
  }
  const { values, positionals } = parsed;
  if (!isQueueFamily(values.queue)) {
    io.err(`--queue must be ${UPDATES_QUEUE} or ${JOURNAL_QUEUE}, got ${JSON.stringify(values.queue)}`);
    return 1;
  }
  const family: QueueFamily = values.queue;
  try {
    switch (sub) {
      case "stats": {
        const stats = await withQueues(config, (queues) => jobStats(queues, config));
        io.out(values.json ? JSON.stringify(stats, null, 2) : table(stats, ["queue", "waiting", "active", "delayed", "failed", "completed"]));
        return 0;
      }
      case "workers": {
        const shares = await withQueues(config, (queues) => workerShares(queues, config));
        if (values.json) io.out(JSON.stringify(shares, null, 2));
        else io.out(shares.length === 0 ? "No live workers." : table(shares.map((w) => ({ ...w, partitions: shareText(w.partitions) })), ["worker", "seen_ms_ago", "partitions"]));
        return 0;
      }
      case "failed": {
        const limit = values.limit === undefined ? undefined : Number(values.limit);
        if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
          io.err("--limit must be a positive integer");
          return 1;
        }
        if (family === JOURNAL_QUEUE) {
          const failed = await withQueues(config, (queues) => listFailedJournalJobs(queues, { bot: values.bot, limit }));
          if (values.json) io.out(JSON.stringify(failed, null, 2));
          else io.out(failed.length === 0 ? "No failed drf_save jobs." : table(failed, ["id", "records", "bots", "failed_at", "error"]));
          return 0;
        }
        const failed = await withQueues(config, (queues) => listFailedUpdates(queues, { bot: values.bot, limit }));
        if (values.json) io.out(JSON.stringify(failed, null, 2));
        else io.out(failed.length === 0 ? "No failed updates." : table(failed, ["id", "bot", "update_id", "failed_at", "error"]));
        return 0;
      }
      case "retry": {
        if (positionals.length === 0 && !values.all && values.bot === undefined) {
          io.err(`jobs retry needs job ids, --all or --bot NAME\n\n${JOBS_USAGE}`);
          return 1;
        }
        const result = await withQueues(config, (queues) => retryFailedJobs(queues, positionals.length > 0 ? { ids: positionals } : { family, bot: values.bot }));
        if (values.json) io.out(JSON.stringify(result, null, 2));
        else {
          const notFound = result.notFound.length > 0 ? ` Not failed or unknown: ${result.notFound.join(", ")}` : "";
          const redelivered = result.redelivered.length > 0 ? ` Not run again, accepted again since (a redelivery): ${result.redelivered.join(", ")}` : "";
          io.out(`${retriedText(result.retried, family)}${notFound}${redelivered}`);
        }
        return result.notFound.length > 0 ? 1 : 0;
      }
      default:
        io.err(`Unknown jobs command ${JSON.stringify(sub ?? "")}.\n\n${JOBS_USAGE}`);
        return 1;
    }
  } catch (error) {
    io.err(`jobs ${sub ?? ""}: cannot reach the queue (Redis): ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
