/**
 * Runs the whole service in-process for tests, built by the same composition root as `npm start`:
 * bots from a fixture folder, grammY talking to the Bot API stand-in over real sockets, the HTTP
 * API on an ephemeral port, logs captured. Tests turn features on through the environment; unlike
 * the service's defaults, webhooks (BOT_MODE) and flood control are off unless a test asks.
 */
import { parseServiceConfig, type ServiceConfig } from "../config/service-config.ts";
import { createLogger } from "../logging/logger.ts";
import { SecretScrubber } from "../logging/secret-scrubber.ts";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Update } from "grammy/types";
import type { JournalSink } from "../journal/journal-sink.ts";
import type { ProcessedUpdateRecord } from "../processing/update-job.ts";
import { buildService, type Service } from "../service/build-service.ts";
import { startBotApiStandIn, type BotApiStandIn } from "./bot-api-stand-in/bot-api-stand-in.ts";
import { createBotsDir, testKey, type BotFiles, type BotsDir } from "./bot-fixtures.ts";
import { LogCapture } from "./log-capture.ts";

export interface TestService {
  url: string;
  service: Service;
  standIn: BotApiStandIn;
  logs: LogCapture;
  bots: BotsDir;
  config: ServiceConfig;
  settled: ProcessedUpdateRecord[];
  /** POSTs `{bot_name, update}` with the bot's test key (or `key`, or none with `key: null`). */
  postUpdate(botName: string, update: unknown, options?: { key?: string | null }): Promise<{ status: number; body: unknown; headers: Headers }>;
  /** Waits until every accepted update is done. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface TestServiceOptions {
  bots: Record<string, BotFiles>;
  env?: Record<string, string | number>;
  standIn?: BotApiStandIn;
  /** Wait for every bot's getMe before resolving. @defaultValue true */
  waitReady?: boolean;
  /** Where the journal delivers. @defaultValue the log */
  journalSink?: JournalSink;
  /** A bots folder made already (by a caller that registered the module hooks for it); `bots` is then ignored. */
  botsDir?: BotsDir;
  /** DATA_DIR, kept after close (a restart test reopens it). @defaultValue a fresh temporary folder, removed at close */
  dataDir?: string;
}

export async function startTestService(options: TestServiceOptions): Promise<TestService> {
  const ownStandIn = options.standIn === undefined;
  const standIn = options.standIn ?? (await startBotApiStandIn());
  const bots = options.botsDir ?? createBotsDir(options.bots);
  // The durable store of this service only (the default keeps it in ./data).
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), "cb-test-data-"));
  const config = parseServiceConfig({
    DATA_DIR: dataDir,
    INTERNAL_BOT_API_PORT: 0,
    BOTS_DIR: bots.dir,
    TELEGRAM_API_ROOT: standIn.apiRoot,
    LOG_LEVEL: "debug",
    HANDLER_RETRY_BASE_MS: 20,
    API_RETRY_BASE_MS: 10,
    BOT_MODE: "internal",
    FLOOD_CONTROL: "false",
    ...options.env,
  });
  const logs = new LogCapture();
  const scrubber = new SecretScrubber();
  const { logger } = createLogger({ level: config.LOG_LEVEL, scrubber, extraStream: logs, stdout: false });
  const settled: ProcessedUpdateRecord[] = [];
  const service = await buildService({ config, logger, scrubber, onSettled: (r) => settled.push(r), journalSink: options.journalSink });
  const { address } = await service.start();
  if (options.waitReady !== false) {
    const deadline = Date.now() + 10_000;
    while (service.registry.bots().some((b) => b.status === "starting")) {
      if (Date.now() > deadline) throw new Error("bots did not start within 10 s");
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  let closed = false;
  return {
    url: address,
    service,
    standIn,
    logs,
    bots,
    config,
    settled,
    async postUpdate(botName, update, postOptions = {}) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      const key = postOptions.key === undefined ? testKey(botName) : postOptions.key;
      if (key !== null) headers["x-internal-key"] = key;
      const response = await fetch(`${address}/internal/update`, {
        method: "POST",
        headers,
        body: JSON.stringify({ bot_name: botName, update }),
      });
      const text = await response.text();
      return { status: response.status, body: text === "" ? undefined : (JSON.parse(text) as unknown), headers: response.headers };
    },
    idle: () => {
      if (service.embedded === undefined) throw new Error("idle() needs the embedded processor (queue mode hands updates to workers)");
      return service.embedded.onIdle();
    },
    async close() {
      if (closed) return;
      closed = true;
      await service.stop(1000);
      if (ownStandIn) await standIn.close();
      bots.cleanup();
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const TEST_MESSAGE_DATE = 1_764_000_000;

/** A text message update for tests. */
export function textUpdate(updateId: number, chatId: number, text: string, options: { userId?: number; chatType?: string } = {}): Update & Record<string, unknown> {
  const userId = options.userId ?? (chatId > 0 ? chatId : 4242);
  const update = {
    update_id: updateId,
    message: {
      message_id: updateId,
      // Fixed, not the clock: tests compare updates built at different moments (a second boundary
      // between them made one flaky).
      date: TEST_MESSAGE_DATE,
      chat: { id: chatId, type: options.chatType ?? (chatId > 0 ? "private" : "group"), ...(chatId > 0 ? { first_name: "Test" } : { title: "Group" }) },
      from: { id: userId, is_bot: false, first_name: "Test" },
      text,
      ...(text.startsWith("/") ? { entities: [{ type: "bot_command", offset: 0, length: text.split(" ")[0]!.length }] } : {}),
    },
  };
  return update as unknown as Update & Record<string, unknown>;
}
