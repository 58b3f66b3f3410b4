/**
 * What the admin page and `GET /admin/api/fleet` show, as one JSON document: every bot folder
 * (state, failure, handler files in mount order, its last minutes of activity, its last error) and
 * the service (mode, uptime, backlog, in-flight, workers, version). Every text that could quote a
 * secret (a load failure's reason, a handler's error) is scrubbed here, once, for both.
 */
import type { BotRegistry, FleetState } from "../bots/bot-registry.ts";
import { ACTIVITY_MINUTES, type BotActivity } from "./bot-activity.ts";

/** A failed update of queue mode, as `jobs failed` lists it (error scrubbed). */
export interface AdminFailedUpdate {
  id: string;
  bot: string | undefined;
  update_id: number | undefined;
  error: string;
  failed_at: string | undefined;
}

export interface AdminBot {
  folder: string;
  name: string | undefined;
  state: FleetState;
  changed_at: string;
  version: number | undefined;
  /** Handler files of the serving version, in mount order. */
  handlers: string[];
  failure: { code: string; file: string | undefined; reason: string } | undefined;
  /** Over the last `window_minutes`; handled and failed are null where this process cannot count them (queue mode's API). */
  activity: { window_minutes: number; accepted: number; handled: number | null; failed: number | null };
  last_error: { message: string; at: string | undefined } | undefined;
}

export interface AdminService {
  mode: "embedded" | "queue";
  bot_mode: string;
  version: string;
  started_at: string;
  uptime_seconds: number;
  /** Accepted, not done: waiting, running or waiting to retry (queue mode: telegram_updates in Redis). */
  backlog: number | null;
  in_flight: number | null;
  /** Queue mode: live workers, as /readyz counts them; null when Redis did not say. */
  workers?: number | null;
}

export interface AdminFleet {
  service: AdminService;
  bots: AdminBot[];
  /** Queue mode: failed updates, newest first (at most FAILED_SHOWN). */
  failed_updates?: AdminFailedUpdate[];
  /** What the page cannot show, and why. */
  notes: string[];
}

/** The load of the processor: embedded counts from memory, queue mode's from Redis. */
export interface ProcessorLoad {
  backlog: number | null;
  inFlight: number | null;
  workers?: number | null;
}

export interface FleetReportSources {
  mode: "embedded" | "queue";
  botMode: string;
  version: string;
  startedAt: number;
  registry: BotRegistry;
  activity: BotActivity;
  scrub: (text: string) => string;
  load: () => Promise<ProcessorLoad>;
  /** Queue mode: failed updates (their errors are scrubbed again here). */
  failedUpdates?: () => Promise<AdminFailedUpdate[]>;
}

export const FAILED_SHOWN = 50;

const NOTES_ALWAYS = ["Webhook status is not shown: it would take a getWebhookInfo call to Telegram per bot on every view."];
const NOTES_QUEUE = [
  "Queue mode: accepted counts are this API process's; handled and failed are counted by the workers (see their /metrics) and are not shown per bot here. The last error of a bot is its newest failed update in Redis.",
];

export async function buildFleetReport(sources: FleetReportSources): Promise<AdminFleet> {
  const { registry, activity, scrub } = sources;
  const queue = sources.mode === "queue";
  const [load, failed] = await Promise.all([sources.load(), sources.failedUpdates?.()]);
  const failedUpdates = failed?.slice(0, FAILED_SHOWN).map((f) => ({ ...f, error: scrub(f.error) }));
  const newestFailure = new Map<string, AdminFailedUpdate>();
  // Newest first: the first one seen of a bot is its last error.
  for (const f of failedUpdates ?? []) if (f.bot !== undefined && !newestFailure.has(f.bot)) newestFailure.set(f.bot, f);
  const bots = registry.folders().map((view): AdminBot => {
    const serving = registry.servingOf(view.folder);
    const counts = view.name === undefined ? undefined : activity.of(view.name);
    const queued = view.name === undefined ? undefined : newestFailure.get(view.name);
    const lastError = queue ? (queued === undefined ? undefined : { message: queued.error, at: queued.failed_at }) : counts?.lastError;
    return {
      folder: view.folder,
      name: view.name,
      state: view.state,
      changed_at: view.changedAt,
      version: view.version,
      handlers: serving?.handlers.map((h) => h.file.name) ?? [],
      failure: view.failure === undefined ? undefined : { code: view.failure.code, file: view.failure.file, reason: scrub(view.failure.reason) },
      activity: { window_minutes: ACTIVITY_MINUTES, accepted: counts?.accepted ?? 0, handled: queue ? null : (counts?.handled ?? 0), failed: queue ? null : (counts?.failed ?? 0) },
      last_error: lastError,
    };
  });
  const service: AdminService = {
    mode: sources.mode,
    bot_mode: sources.botMode,
    version: sources.version,
    started_at: new Date(sources.startedAt).toISOString(),
    uptime_seconds: Math.round((Date.now() - sources.startedAt) / 1000),
    backlog: load.backlog,
    in_flight: load.inFlight,
    ...(queue ? { workers: load.workers ?? null } : {}),
  };
  return { service, bots, ...(failedUpdates === undefined ? {} : { failed_updates: failedUpdates }), notes: queue ? [...NOTES_QUEUE, ...NOTES_ALWAYS] : NOTES_ALWAYS };
}
