/**
 * The plugin compatibility matrix (docs/plugins.md) in the embedded default: the service as a real
 * child process (`src/main.ts`) over the Bot API stand-in, one bot per grammY plugin. A two-step
 * conversation survives the service SIGKILLed between its steps and started again on the same
 * DATA_DIR, and so do the sessions' counts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBotApiStandIn, type BotApiStandIn } from "../testing/bot-api-stand-in/bot-api-stand-in.ts";
import { createBotsDir, testKey, type BotsDir } from "../testing/bot-fixtures.ts";
import {
  conversationFirstStep,
  conversationSecondStep,
  filesRow,
  hydrateRow,
  i18nRow,
  menuRow,
  parseModeRow,
  PLUGIN_BOT_NAMES,
  PLUGIN_WAIT_MS,
  pluginBots,
  ratelimiterRow,
  sessionStep,
  type PluginDeployment,
} from "../testing/plugin-bots.ts";
import { selfSignedCert, type SelfSignedCert } from "../testing/self-signed-cert.ts";
import { postUpdate, spawnService, type ServiceProcess } from "../testing/service-process.ts";

describe("grammY plugins in the embedded default", () => {
  let cert: SelfSignedCert;
  let standIn: BotApiStandIn;
  let bots: BotsDir;
  let dataDir: string;
  let env: Record<string, string>;
  let service: ServiceProcess | undefined;
  const d: PluginDeployment = {
    get standIn() {
      return standIn;
    },
    async post(botName, update) {
      if (service === undefined) throw new Error("no service running");
      expect(await postUpdate(service, botName, update, testKey(botName))).toBe(200);
    },
  };

  /** Starts the service on the matrix's DATA_DIR and waits until every bot is ready. */
  async function start(): Promise<ServiceProcess> {
    const started = await spawnService({ env, timeoutMs: PLUGIN_WAIT_MS });
    service = started;
    for (const bot of PLUGIN_BOT_NAMES) {
      const line = await started.waitForLog((l) => l.bot === bot && ((l.msg === "bot state changed" && l.state === "ready") || l.msg === "bot not loaded"));
      expect(line).toMatchObject({ msg: "bot state changed", state: "ready" });
    }
    return started;
  }

  /** Waits for the journal record of an update: it ran to the end, its plugin state written. */
  async function handled(botName: string, updateId: number): Promise<void> {
    await service?.waitForLog((l) => l.msg === "journal record" && l.bot === botName && l.update_id === updateId);
  }

  beforeAll(async () => {
    cert = await selfSignedCert();
    standIn = await startBotApiStandIn({ fileTls: { key: cert.key, cert: cert.cert } });
    bots = createBotsDir(pluginBots(standIn.fileRoot ?? ""));
    dataDir = mkdtempSync(path.join(os.tmpdir(), "cb-plugins-"));
    env = {
      BOTS_DIR: bots.dir,
      TELEGRAM_API_ROOT: standIn.apiRoot,
      DATA_DIR: dataDir,
      FLOOD_CONTROL: "false",
      BOT_MODE: "internal",
      JOURNAL_LOG: "all",
      // @grammyjs/files downloads with https.get: the child trusts the stand-in's file root.
      NODE_EXTRA_CA_CERTS: cert.certFile,
    };
    await start();
  }, 2 * PLUGIN_WAIT_MS);

  afterAll(async () => {
    if (service !== undefined && service.child.exitCode === null && service.child.signalCode === null) {
      service.kill("SIGTERM");
      await service.exited;
    }
    await standIn?.close();
    bots?.cleanup();
    cert?.remove();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  }, PLUGIN_WAIT_MS);

  it("menu: a click runs the button's handler and answers the callback query", () => menuRow(d, 100, 11), PLUGIN_WAIT_MS * 2);
  it("i18n: a reply in the user's language_code", () => i18nRow(d, 200, 12), PLUGIN_WAIT_MS * 2);
  it("hydrate: editText and message.delete reach the Bot API", () => hydrateRow(d, 300, 13), PLUGIN_WAIT_MS * 2);
  it("parse-mode: formatted text goes out with its entities", () => parseModeRow(d, 400, 14), PLUGIN_WAIT_MS * 2);
  it("ratelimiter: a burst from one user is limited", () => ratelimiterRow(d, 500, 15), PLUGIN_WAIT_MS * 2);
  it("files: ctx.getFile() and file.download() through the stand-in", () => filesRow(d, 600, 16), PLUGIN_WAIT_MS * 2);

  it(
    "conversations and sessions with botStorage: a conversation's second step and the counts survive a SIGKILL and restart on the same DATA_DIR",
    async () => {
      await sessionStep(d, 700, 17, 5, "chat 1, user 1");
      await sessionStep(d, 701, 18, 5, "chat 1, user 2");
      await handled("Counter", 701);
      await conversationFirstStep(d, 800, 19);
      await handled("Talker", 800);

      const killed = service;
      killed?.kill("SIGKILL");
      expect((await killed?.exited)?.signal).toBe("SIGKILL");
      await start();

      await conversationSecondStep(d, 801, 19);
      await sessionStep(d, 702, 17, 5, "chat 2, user 3");
    },
    PLUGIN_WAIT_MS * 4,
  );
});
