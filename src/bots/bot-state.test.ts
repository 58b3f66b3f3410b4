import { describe, expect, it } from "vitest";
import { createLogger } from "../logging/logger.ts";
import { SecretScrubber } from "../logging/secret-scrubber.ts";
import { LogCapture } from "../testing/log-capture.ts";
import { BotState, type BotFailure } from "./bot-state.ts";

const rejected: BotFailure = { folder: "alpha", name: "Alpha", code: "TOKEN_REJECTED", file: undefined, reason: "Telegram rejected the bot token" };

function setup() {
  const logs = new LogCapture();
  const scrubber = new SecretScrubber();
  const { logger } = createLogger({ level: "info", scrubber, extraStream: logs, stdout: false });
  return { logs, scrubber, logger, state: new BotState("Alpha", "alpha") };
}

describe("BotState", () => {
  it("writes one line per change with the bot, its folder, the state it left and the new one", () => {
    const { logs, logger, state } = setup();
    state.moveTo({ state: "ready", username: "alpha_bot" }, logger);
    state.moveTo({ state: "failed", failure: rejected }, logger);
    const lines = logs.find("bot state changed").map(({ level, bot, folder, from, state: to, username, code }) => ({ level, bot, folder, from, state: to, username, code }));
    expect(lines).toEqual([
      { level: 30, bot: "Alpha", folder: "alpha", from: "starting", state: "ready", username: "alpha_bot", code: undefined },
      { level: 50, bot: "Alpha", folder: "alpha", from: "ready", state: "failed", username: undefined, code: "TOKEN_REJECTED" },
    ]);
    expect(state.status).toBe("failed");
    expect(state.failure).toEqual(rejected);
  });

  it("writes nothing when the state does not change, and forgets the failure once the bot leaves it", () => {
    const { logs, logger, state } = setup();
    state.moveTo({ state: "starting" }, logger);
    expect(logs.lines).toEqual([]);
    state.moveTo({ state: "failed", failure: rejected }, logger);
    state.moveTo({ state: "failed", failure: rejected }, logger);
    state.moveTo({ state: "starting" }, logger);
    expect(logs.find("bot state changed").map((l) => l.state)).toEqual(["failed", "starting"]);
    expect(state.failure).toBeUndefined();
  });

  it("logs the error behind a failure through the scrubber", () => {
    const { logs, logger, scrubber, state } = setup();
    scrubber.add("secret-token-value");
    state.moveTo({ state: "failed", failure: rejected, err: new Error("getMe with secret-token-value: 401") }, logger);
    const [line] = logs.find("bot state changed");
    expect(line).toMatchObject({ state: "failed", reason: rejected.reason, err: { message: "getMe with [redacted]: 401" } });
    expect(logs.text()).not.toContain("secret-token-value");
  });
});
