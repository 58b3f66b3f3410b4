/**
 * What each bot did in the last minutes, for the admin page: updates accepted, handled and failed,
 * per minute in a small ring per bot (ACTIVITY_MINUTES slots, the oldest overwritten), and the last
 * error a handler ended with (scrubbed when read). An UpdateObserver: fed by admission (`admitted`)
 * and by the processor (`settled`); both run on every update, so they only bump numbers (no
 * journal record is built for it).
 */
import type { ProcessingStatus } from "../processing/update-job.ts";
import type { UpdateObserver } from "../processing/update-observer.ts";

/** The window the page shows. */
export const ACTIVITY_MINUTES = 5;
const MINUTE_MS = 60_000;

export interface ActivityCounts {
  accepted: number;
  handled: number;
  failed: number;
}

export interface BotActivityView extends ActivityCounts {
  /** The error of the newest update that failed (scrubbed), and when. */
  lastError: { message: string; at: string } | undefined;
}

/** One bot's ring: slot i counts minute `minutes[i]`. */
class ActivityRing {
  readonly minutes = new Array<number>(ACTIVITY_MINUTES).fill(-1);
  readonly counts: ActivityCounts[] = Array.from({ length: ACTIVITY_MINUTES }, () => ({ accepted: 0, handled: 0, failed: 0 }));
  lastError: { message: string; at: string } | undefined;

  slot(minute: number): ActivityCounts {
    const at = minute % ACTIVITY_MINUTES;
    const counts = this.counts[at] as ActivityCounts;
    if (this.minutes[at] !== minute) {
      this.minutes[at] = minute;
      counts.accepted = 0;
      counts.handled = 0;
      counts.failed = 0;
    }
    return counts;
  }

  total(nowMinute: number): ActivityCounts {
    const sum: ActivityCounts = { accepted: 0, handled: 0, failed: 0 };
    for (let i = 0; i < ACTIVITY_MINUTES; i++) {
      const minute = this.minutes[i] ?? -1;
      if (minute < 0 || nowMinute - minute >= ACTIVITY_MINUTES) continue;
      const counts = this.counts[i] as ActivityCounts;
      sum.accepted += counts.accepted;
      sum.handled += counts.handled;
      sum.failed += counts.failed;
    }
    return sum;
  }
}

export class BotActivity implements UpdateObserver {
  private readonly rings = new Map<string, ActivityRing>();

  constructor(
    private readonly scrub: (text: string) => string,
    private readonly now: () => number = Date.now,
  ) {}

  admitted(bot: string, result: "accepted" | "duplicate"): void {
    if (result === "accepted") this.ring(bot).slot(this.minute()).accepted++;
  }

  /** The counts of the last ACTIVITY_MINUTES minutes (the current one included). */
  of(bot: string): BotActivityView {
    const ring = this.rings.get(bot);
    if (ring === undefined) return { accepted: 0, handled: 0, failed: 0, lastError: undefined };
    const last = ring.lastError;
    return { ...ring.total(this.minute()), lastError: last === undefined ? undefined : { message: this.scrub(last.message), at: last.at } };
  }

  /** An update is done: success is handled; error and cancelled are failed. */
  settled(bot: string, status: ProcessingStatus, error?: string): void {
    const ring = this.ring(bot);
    const counts = ring.slot(this.minute());
    if (status === "success") {
      counts.handled++;
      return;
    }
    counts.failed++;
    // Scrubbed when shown, not here: the hot path only keeps the text.
    if (error !== undefined) ring.lastError = { message: error, at: new Date(this.now()).toISOString() };
  }

  private ring(bot: string): ActivityRing {
    let ring = this.rings.get(bot);
    if (ring === undefined) {
      ring = new ActivityRing();
      this.rings.set(bot, ring);
    }
    return ring;
  }

  private minute(): number {
    return Math.floor(this.now() / MINUTE_MS);
  }
}
