/**
 * `npm run bots -- reload [--bot NAME] [--json]`: queue mode's rescan of every API and worker
 * process, through Redis (reload-channel.ts), on whatever machine each runs. Prints what each
 * process did; exits 1 when no process answered or a folder failed to load. In the embedded
 * default the service watches BOTS_DIR itself and rescans on SIGHUP, so the command says that.
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { isQueueMode, QUEUE_MODE_REQUIRED, redisUrlOf, type QueueOpenSettings } from "../queue/queue-mode.ts";
import { createCliConnection } from "../queue/redis-connection.ts";
import { answerChannelOf, reloadChannelOf, type ReloadAnswer } from "./reload-channel.ts";

export const RELOAD_USAGE = `  reload [--bot NAME] [--json]
                         queue mode: every API and worker process rescans BOTS_DIR and loads
                         what changed (NAME: that bot again, changed or not)`;

/** How long to wait for answers once the first came, when Redis cannot say how many will come. */
const QUIET_MS = 2000;
const TIMEOUT_MS = 30_000;

export interface ReloadIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

function answerText(answer: ReloadAnswer): string {
  const parts = [`${answer.process}: ${answer.reloaded.length} reloaded${answer.reloaded.length > 0 ? ` (${answer.reloaded.join(", ")})` : ""}`];
  if (answer.removed.length > 0) parts.push(`${answer.removed.length} removed (${answer.removed.join(", ")})`);
  parts.push(`${answer.unchanged} unchanged`);
  const lines = [parts.join(", ")];
  for (const f of answer.failed) {
    lines.push(`  failed: ${f.folder}: ${f.code}${f.file === undefined ? "" : ` in ${f.file}`}${f.olderVersionServing ? " (an older version is serving)" : ""}`);
  }
  return lines.join("\n");
}

export async function runReloadCommand(args: readonly string[], config: QueueOpenSettings, io: ReloadIo): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { bot: { type: "string" }, json: { type: "boolean", default: false } } });
  if (!isQueueMode(config)) {
    io.err(`reload ${QUEUE_MODE_REQUIRED}. In the embedded default the service watches BOTS_DIR itself (BOTS_WATCH) and rescans it on SIGHUP: kill -HUP <pid>`);
    return 1;
  }
  const logger = pino({ level: "silent" });
  const connection = createCliConnection({ url: redisUrlOf(config), cluster: config.REDIS_CLUSTER, logger, role: "cli" });
  const subscriber = connection.duplicate();
  subscriber.on("error", () => undefined);
  const id = randomUUID();
  const answers: ReloadAnswer[] = [];
  try {
    await subscriber.subscribe(answerChannelOf(config.QUEUE_PREFIX));
    let wake: () => void = () => undefined;
    subscriber.on("message", (_channel: string, message: string) => {
      const answer = JSON.parse(message) as ReloadAnswer;
      if (answer.id !== id) return;
      answers.push(answer);
      wake();
    });
    const request = JSON.stringify({ id, ...(values.bot === undefined ? {} : { bot: values.bot }) });
    const receivers = Number(await connection.publish(reloadChannelOf(config.QUEUE_PREFIX), request));
    // One Redis counts every process that heard it; a cluster node only its own subscribers.
    const expected = config.REDIS_CLUSTER ? undefined : receivers;
    const deadline = Date.now() + TIMEOUT_MS;
    while (Date.now() < deadline && (expected === undefined ? true : answers.length < expected)) {
      const waitMs = expected === undefined && answers.length > 0 ? QUIET_MS : deadline - Date.now();
      const before = answers.length;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, waitMs));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (expected === undefined && answers.length === before && before > 0) break;
      if (expected === 0) break;
    }
    if (values.json === true) io.out(JSON.stringify({ receivers, answers }, null, 2));
    else for (const answer of answers) io.out(answerText(answer));
    if (answers.length === 0) {
      io.err(`No API or worker process answered (is one running against this REDIS_URL with QUEUE_PREFIX=${config.QUEUE_PREFIX}?)`);
      return 1;
    }
    if (expected !== undefined && answers.length < expected) io.err(`${expected - answers.length} of ${expected} processes did not answer within ${TIMEOUT_MS / 1000} s`);
    return answers.some((a) => a.failed.length > 0) || (expected !== undefined && answers.length < expected) ? 1 : 0;
  } finally {
    subscriber.disconnect();
    connection.disconnect();
  }
}
