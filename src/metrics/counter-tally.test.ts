/** The tally against a real prom-client Counter and Registry: what a scrape shows, scrape after scrape. */
import { Counter, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { CounterTally } from "./counter-tally.ts";

function counterWith<L extends string>(tally: CounterTally<L>, labelNames: L[]): Registry {
  const registry = new Registry();
  new Counter({ name: "things_total", help: "Things.", labelNames, registers: [registry], collect() { tally.flushInto(this); } });
  return registry;
}

describe("CounterTally", () => {
  it("shows on each scrape what was counted until then, once, per label values", async () => {
    const tally = new CounterTally(["bot", "status"]);
    const registry = counterWith(tally, ["bot", "status"]);
    tally.add(["A", "success"]);
    tally.add(["A", "success"]);
    tally.add(["A", "error"]);
    tally.add(["B", "success"], 3);
    const first = await registry.metrics();
    expect(first).toContain('things_total{bot="A",status="success"} 2');
    expect(first).toContain('things_total{bot="A",status="error"} 1');
    expect(first).toContain('things_total{bot="B",status="success"} 3');
    // A second scrape with nothing new shows the same totals; new counts add to them.
    expect(await registry.metrics()).toContain('things_total{bot="A",status="success"} 2');
    tally.add(["A", "success"]);
    expect(await registry.metrics()).toContain('things_total{bot="A",status="success"} 3');
  });

  it("keeps fractions, a counter without labels, and a series counted only by zero", async () => {
    const seconds = new CounterTally([]);
    const registry = counterWith(seconds, []);
    seconds.add([], 0.25);
    seconds.add([], 0.5);
    expect(await registry.metrics()).toMatch(/^things_total 0\.75$/m);
    const waits = new CounterTally(["bot"]);
    const second = counterWith(waits, ["bot"]);
    waits.add(["Quiet"], 0);
    expect(await second.metrics()).toContain('things_total{bot="Quiet"} 0');
  });
});
