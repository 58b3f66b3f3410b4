/**
 * The old generation's headroom (HEAP_GROWTH_PERCENT). After each full collection V8 lets the
 * heap grow by a factor before it collects again; on a machine with gigabytes to spare that factor
 * goes up to 4, so a service whose requests promote a steady trickle of garbage (every HTTP
 * request and Bot API call does, in grammY's own server as much as here) swings in resident
 * memory by hundreds of MB under a constant load, and an operator cannot tell that swing from a
 * leak. A fixed headroom keeps the heap within that share of what is alive.
 *
 * Its price is a full collection each time the headroom fills up, which under a heavy load (a
 * fast promotion rate) is often: at saturation a fixed 20% cost 40% of the throughput. So the
 * headroom stays fixed while it would cost at most one full collection per budget interval
 * (20 ms per MB alive, at least 1.5 s: chosen by measuring saturation and soaks, not derived;
 * under a heavy load a collection costs more than its pause alone). Past that V8's own policy is
 * back, until promotion falls to two thirds of the edge. (Keeping it fixed while the event loop
 * had time to spare as well cost queue mode's worker 15-20% at saturation: it waits on Redis, so
 * its loop is never busy.)
 * The old generation is sampled every second; its growth between full collections is the
 * promotion rate. V8 reads the flag each time it sets the next limit, so changing it at run time
 * takes effect at the next collection. Figures in docs/performance.md.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";
import type { HostSettings } from "./host-settings.ts";

const MB = 1024 * 1024;

/** The old generation's used bytes (where promoted objects go). */
function oldGenerationBytes(): number {
  let bytes = 0;
  for (const space of getHeapSpaceStatistics()) if (space.space_name === "old_space" || space.space_name === "large_object_space") bytes += space.space_used_size;
  return bytes;
}

export interface HeapGrowthOptions {
  /** Sets a V8 flag; injected by tests. @defaultValue v8.setFlagsFromString */
  setFlag?: (flag: string) => void;
  /** @defaultValue 1000 */
  sampleMs?: number;
}

export class HeapGrowth {
  private readonly percent: number;
  private readonly setFlag: (flag: string) => void;
  private readonly sampleMs: number;
  private timer: NodeJS.Timeout | undefined;
  private previous = { at: 0, bytes: 0 };
  /** About what is alive: the old generation just after the last full collection. */
  private live = 0;
  /** Promotion rate, bytes per ms (smoothed). */
  private rate = 0;
  private isFixed = false;

  constructor(settings: Pick<HostSettings, "HEAP_GROWTH_PERCENT">, options: HeapGrowthOptions = {}) {
    this.percent = settings.HEAP_GROWTH_PERCENT;
    this.setFlag = options.setFlag ?? setFlagsFromString;
    this.sampleMs = options.sampleMs ?? 1000;
  }

  /** True while the fixed headroom applies (false: V8's own policy). */
  get fixed(): boolean {
    return this.isFixed;
  }

  /** Fixes the headroom and starts sampling; does nothing with HEAP_GROWTH_PERCENT=0. */
  start(): void {
    if (this.percent <= 0 || this.timer !== undefined) return;
    this.use(true);
    this.timer = setInterval(() => this.sample(performance.now(), oldGenerationBytes()), this.sampleMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One sample of the old generation's size at `at` (ms); public for tests. */
  sample(at: number, bytes: number): void {
    // The first sample, or a full collection since the last one: what is left is about what is alive.
    if (this.previous.at === 0 || bytes < this.previous.bytes) {
      this.live = bytes;
    } else if (at > this.previous.at) {
      const rate = (bytes - this.previous.bytes) / (at - this.previous.at);
      this.rate = this.rate === 0 ? rate : 0.7 * this.rate + 0.3 * rate;
    }
    this.previous = { at, bytes };
    const intervalMs = this.rate > 0 ? (this.live * this.percent) / 100 / this.rate : Number.POSITIVE_INFINITY;
    const budgetMs = Math.max(1500, (this.live / MB) * 20);
    if (this.isFixed && intervalMs < budgetMs) this.use(false);
    else if (!this.isFixed && intervalMs > 1.5 * budgetMs) this.use(true);
  }

  private use(fixed: boolean): void {
    this.isFixed = fixed;
    this.setFlag(`--heap-growing-percent=${fixed ? this.percent : 0}`);
  }
}
