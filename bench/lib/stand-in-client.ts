/**
 * Talks to the Bot API stand-in process through its `/__stand-in/` control API, and turns what
 * it recorded into throughput and latency.
 *
 * Clocks: the stand-in stamps each call with its own `performance.now()`. The offset to wall
 * clock (`performance.timeOrigin + performance.now()`, which the load generators write into each
 * update) is measured here by sending probe messages straight to the stand-in and keeping the
 * probe with the shortest round trip: offset = midpoint of the round trip - receivedAt. The error
 * is at most half that round trip (well under a millisecond on loopback).
 */
import { percentile, wallClockMs } from "./stats.ts";
import { sentAtOf } from "./updates.ts";

interface SentMessage {
  token: string;
  chatId: number | string;
  text: string;
  seq: number;
  receivedAt: number;
}

export interface DeliveryStats {
  /** Replies the load caused that reached the stand-in. */
  handled: number;
  /** handled / (last reply - first send), per second. */
  handledPerSecond: number;
  /** From the update's due send time to its reply reaching the stand-in, ms. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const PROBE_TOKEN = "999999:BENCH-CLOCK-PROBE-xxxxxxxxxxxxxxxxxxxxxxxx";

export class StandInClient {
  /** Add to a stand-in receivedAt to get wall-clock ms. */
  private offsetMs = 0;

  constructor(readonly apiRoot: string) {}

  async reset(): Promise<void> {
    const response = await fetch(`${this.apiRoot}/__stand-in/reset`, { method: "POST" });
    if (!response.ok) throw new Error(`stand-in reset answered ${response.status}`);
    await response.arrayBuffer();
  }

  /** Adds a fault rule (see docs/bot-api-stand-in.md#faults): a burst of 429s, of 502s, ... */
  async injectFault(rule: Record<string, unknown>): Promise<void> {
    const response = await fetch(`${this.apiRoot}/__stand-in/faults`, { method: "POST", body: JSON.stringify(rule) });
    if (!response.ok) throw new Error(`stand-in faults answered ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  }

  async sentMessages(): Promise<SentMessage[]> {
    const response = await fetch(`${this.apiRoot}/__stand-in/sent-messages`);
    if (!response.ok) throw new Error(`stand-in sent-messages answered ${response.status}`);
    return (await response.json()) as SentMessage[];
  }

  /** Measures the clock offset (see the module comment); call after a reset, before load. */
  async calibrate(probes = 20): Promise<{ offsetMs: number; uncertaintyMs: number }> {
    let best = { roundTrip: Number.POSITIVE_INFINITY, mid: 0, text: "" };
    for (let i = 0; i < probes; i++) {
      const text = `clock-probe-${i}-${Math.random()}`;
      const before = wallClockMs();
      const response = await fetch(`${this.apiRoot}/bot${PROBE_TOKEN}/sendMessage`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ chat_id: 1, text }),
      });
      await response.arrayBuffer();
      const after = wallClockMs();
      if (i > 1 && after - before < best.roundTrip) best = { roundTrip: after - before, mid: (before + after) / 2, text };
    }
    const response = await fetch(`${this.apiRoot}/__stand-in/sent-messages?token=${encodeURIComponent(PROBE_TOKEN)}`);
    const probe = ((await response.json()) as SentMessage[]).find((m) => m.text === best.text);
    if (probe === undefined) throw new Error("clock probe not recorded by the stand-in");
    this.offsetMs = best.mid - probe.receivedAt;
    return { offsetMs: this.offsetMs, uncertaintyMs: best.roundTrip / 2 };
  }

  /** Waits until `expected` replies of the load arrived, or nothing new came for `quietMs`. */
  async waitForReplies(expected: number, quietMs: number, maxMs: number): Promise<SentMessage[]> {
    const deadline = Date.now() + maxMs;
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      const messages = (await this.sentMessages()).filter((m) => m.token !== PROBE_TOKEN);
      if (messages.length >= expected) return messages;
      if (messages.length !== last) {
        last = messages.length;
        lastChange = Date.now();
      }
      if (Date.now() - lastChange > quietMs || Date.now() > deadline) return messages;
      await new Promise((resolve) => setTimeout(resolve, expected > 20_000 ? 1000 : 200));
    }
  }

  /** Throughput and latency of replies the load caused (those whose text carries a send time). */
  deliveryStats(messages: readonly SentMessage[], firstSentAtMs: number): DeliveryStats {
    const latencies: number[] = [];
    let lastArrival = firstSentAtMs;
    let maxMs = Number.NaN;
    for (const message of messages) {
      const sentAt = sentAtOf(message.text);
      if (sentAt === undefined) continue;
      const arrival = message.receivedAt + this.offsetMs;
      latencies.push(arrival - sentAt);
      if (!(arrival - sentAt <= maxMs)) maxMs = arrival - sentAt;
      if (arrival > lastArrival) lastArrival = arrival;
    }
    const seconds = (lastArrival - firstSentAtMs) / 1000;
    return {
      handled: latencies.length,
      handledPerSecond: seconds > 0 ? latencies.length / seconds : 0,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs,
    };
  }
}
