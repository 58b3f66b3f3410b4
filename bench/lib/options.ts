/**
 * Command-line options of `npm run bench`. `--quick` is the seconds-long smoke run (small bot
 * counts, one short round), used by the smoke test so the scripts do not rot.
 */
import { parseArgs } from "node:util";

export const SUITES = ["ingest", "e2e", "queue", "bots", "durability", "chaos-embedded", "chaos-queue", "soak", "reload"] as const;
/** What `npm run bench` runs without --only: the chaos and soak runs take minutes each and are asked for by name. */
export const DEFAULT_SUITES = ["ingest", "e2e", "queue", "bots", "durability", "reload"] as const;
export type SuiteName = (typeof SUITES)[number];

export interface BenchOptions {
  only: SuiteName[];
  rounds: number;
  /** Seconds of load per measurement. */
  durationSeconds: number;
  quick: boolean;
  /** Where the results JSON goes. */
  outDir: string;
  /** Bot counts of the bot-count suite. */
  botCounts: number[];
  /**
   * Bots of the end-to-end and queue suites (`--delivery-bots`). 1000 by default: at 100 bots a
   * saturated baseline sends 30-40 messages/s per bot, over Telegram's ~30/s per bot, which the
   * service's flood control (on by default) holds back and a hand-written baseline ignores.
   */
  deliveryBots: number;
  /** Fixed offered rates (updates/s) of the end-to-end suites. */
  rates: number[];
  /** Extra environment of the service under test (`--set KEY=VALUE`, repeatable), e.g. to measure a feature off. */
  serviceEnv: Record<string, string>;
  /** Worker-process counts of the queue-mode suite. */
  workerCounts: number[];
  /**
   * The queue suite also measures an ordered BullMQ baseline (`--ordered-baseline yes|no`; yes by
   * default, no under --quick): the bare one with per-chat order added the way BullMQ allows it
   * (partition queues of global concurrency 1), to tell what ordering alone costs.
   */
  orderedBaseline: boolean;
  /** Write a V8 CPU profile of the service process per suite (into outDir). */
  cpuProf: boolean;
  /**
   * Most requests of one measurement (`--max-requests`), whatever the duration: the smoke run
   * (`--quick`, 300) checks that every suite works, and a capped load drains in a second instead
   * of queueing behind flood control for as long as the load lasted. @defaultValue none (quick: 300)
   */
  maxRequests: number | undefined;
}

function positive(name: string, raw: string, integer: boolean): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`--${name} must be a positive ${integer ? "integer" : "number"}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function list(name: string, raw: string): number[] {
  return raw.split(",").map((part) => positive(name, part.trim(), true));
}

function yesNo(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  if (raw === "yes" || raw === "no") return raw === "yes";
  throw new Error(`--${name} takes yes or no, got ${JSON.stringify(raw)}`);
}

export function parseBenchOptions(argv: readonly string[], defaultOutDir: string): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      only: { type: "string" },
      rounds: { type: "string" },
      duration: { type: "string" },
      quick: { type: "boolean", default: false },
      out: { type: "string" },
      bots: { type: "string" },
      "delivery-bots": { type: "string" },
      rates: { type: "string" },
      workers: { type: "string" },
      set: { type: "string", multiple: true },
      "cpu-prof": { type: "boolean", default: false },
      "ordered-baseline": { type: "string" },
      "max-requests": { type: "string" },
    },
    strict: true,
  });
  const quick = values.quick === true;
  let only: SuiteName[] = [...DEFAULT_SUITES];
  if (values.only !== undefined) {
    only = [];
    for (const part of values.only.split(",").map((s) => s.trim())) {
      if (!(SUITES as readonly string[]).includes(part)) throw new Error(`--only: unknown suite ${JSON.stringify(part)} (known: ${SUITES.join(", ")})`);
      only.push(part as SuiteName);
    }
  }
  return {
    only,
    rounds: values.rounds === undefined ? (quick ? 1 : 5) : positive("rounds", values.rounds, true),
    durationSeconds: values.duration === undefined ? (quick ? 1 : 10) : positive("duration", values.duration, false),
    quick,
    outDir: values.out ?? defaultOutDir,
    botCounts: values.bots === undefined ? (quick ? [5, 20] : [10, 100, 1000, 5000]) : list("bots", values.bots),
    deliveryBots: values["delivery-bots"] === undefined ? (quick ? 10 : 1000) : positive("delivery-bots", values["delivery-bots"], true),
    rates: values.rates === undefined ? (quick ? [200] : [500, 2000]) : values.rates === "none" ? [] : list("rates", values.rates),
    serviceEnv: Object.fromEntries((values.set ?? []).map((pair) => {
      const eq = pair.indexOf("=");
      if (eq <= 0) throw new Error(`--set takes KEY=VALUE, got ${JSON.stringify(pair)}`);
      return [pair.slice(0, eq), pair.slice(eq + 1)];
    })),
    workerCounts: values.workers === undefined ? (quick ? [1] : [1, 2]) : list("workers", values.workers),
    cpuProf: values["cpu-prof"] === true,
    orderedBaseline: yesNo("ordered-baseline", values["ordered-baseline"], !quick),
    maxRequests: values["max-requests"] === undefined ? (quick ? 300 : undefined) : positive("max-requests", values["max-requests"], true),
  };
}
