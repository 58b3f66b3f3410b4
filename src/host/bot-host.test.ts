/**
 * The host's lifecycle when a stop comes during the start (a SIGTERM while a large fleet is still
 * being watched, or a worker still connecting): the start runs to its end, then everything it
 * started is stopped in order, and nothing starts after it was closed.
 */
import pino from "pino";
import { describe, expect, it } from "vitest";
import { BotRegistry } from "../bots/bot-registry.ts";
import { deferred } from "../testing/keyed-scheduler-harness.ts";
import { BotHost } from "./bot-host.ts";
import type { HostComponent } from "./host-component.ts";
import type { Processor } from "./processor.ts";

const logger = pino({ level: "silent" });

function recordingHost(components: (events: string[]) => HostComponent[]) {
  const events: string[] = [];
  const processor: Processor = {
    start: async () => void events.push("processor start"),
    drain: async (deadlineMs) => {
      events.push(`drain ${deadlineMs <= 1000 ? "within the deadline" : deadlineMs}`);
      return [];
    },
    close: async () => void events.push("processor close"),
  };
  let admissionClosed = false;
  const host = new BotHost({
    settings: { SHUTDOWN_DEADLINE_MS: 1000, HEAP_GROWTH_PERCENT: 0, GETME_CONCURRENCY: 1 },
    logger,
    registry: new BotRegistry(logger),
    processor,
    admission: { close: () => void (admissionClosed = true) },
    components: components(events),
  });
  return { host, events, admissionClosed: () => admissionClosed };
}

function component(name: string, events: string[], start?: () => Promise<void>): HostComponent {
  return {
    name,
    start: async () => {
      events.push(`${name} start`);
      await start?.();
      events.push(`${name} started`);
    },
    stopTaking: async () => void events.push(`${name} stop taking`),
    close: async () => void events.push(`${name} close`),
  };
}

async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe("a host stopped while it starts", () => {
  it("refuses new updates at once, lets the start finish, then stops what it started, in order", async () => {
    const gate = deferred<void>();
    const { host, events, admissionClosed } = recordingHost((events) => [component("watcher", events, () => gate.promise), component("listener", events)]);
    const starting = host.start();
    await turns(3);
    expect(events).toEqual(["processor start", "watcher start"]);

    const stopping = host.stop();
    await turns(5);
    expect(admissionClosed()).toBe(true);
    expect(host.stopping).toBe(true);
    // Nothing is stopped while a part is still starting.
    expect(events).toEqual(["processor start", "watcher start"]);

    gate.resolve();
    await starting;
    await stopping;
    expect(events).toEqual([
      "processor start",
      "watcher start",
      "watcher started",
      "listener start",
      "listener started",
      "watcher stop taking",
      "listener stop taking",
      "drain within the deadline",
      "listener close",
      "watcher close",
      "processor close",
    ]);
  });

  it("waits for a start that hangs only up to the shutdown deadline, then stops anyway", async () => {
    const { host, events } = recordingHost((events) => [component("stuck", events, () => new Promise(() => undefined))]);
    void host.start();
    await turns(3);
    const report = await host.stop(50);
    expect(report.unfinished).toEqual([]);
    expect(events).toEqual(["processor start", "stuck start", "stuck stop taking", "drain within the deadline", "stuck close", "processor close"]);
  });

  it("that was never started closes without starting anything", async () => {
    const { host, events } = recordingHost((events) => [component("watcher", events)]);
    await host.stop();
    expect(events).toEqual(["watcher stop taking", "drain within the deadline", "watcher close", "processor close"]);
    await expect(host.start()).rejects.toThrow(/cannot start: it is stopped/);
  });
});
