/**
 * The composition root of the API process (`npm start`), in either mode: the embedded default
 * (bots handled in this process) or queue mode's API side (updates go to Redis, workers handle
 * them). Everything is decided here from the validated config, built with explicit dependencies
 * and not started: `start()` listens and starts the bots. Tests build it in-process; `main.ts`
 * starts it for real.
 */
import type { FastifyInstance } from "fastify";
import path from "node:path";
import type { Logger } from "pino";
import { BotActivity } from "../admin/bot-activity.ts";
import { mountAdmin } from "../admin/mount-admin.ts";
import { Admission } from "../admission/admission.ts";
import type { UpdateSubmitter } from "../admission/update-submitter.ts";
import type { BotRegistry } from "../bots/bot-registry.ts";
import type { FailedBot } from "../bots/failed-bot.ts";
import type { LoadedBot } from "../bots/loaded-bot.ts";
import type { ServiceConfig } from "../config/service-config.ts";
import { EmbeddedProcessor } from "../embedded/embedded-processor.ts";
import { createFloodLimiter } from "../flood-control/create-flood-limiter.ts";
import { createSourceGuard } from "../gateway/source-guard.ts";
import { WebhookBots } from "../gateway/webhook-bots.ts";
import { WebhookDirectory } from "../gateway/webhook-directory.ts";
import { webhookRoute } from "../gateway/webhook-route.ts";
import { BotHost, type StopReport } from "../host/bot-host.ts";
import type { Processor } from "../host/processor.ts";
import type { HostComponent } from "../host/host-component.ts";
import { buildApp } from "../http/build-app.ts";
import { healthRoutes } from "../http/health-routes.ts";
import { internalUpdateRoute } from "../http/internal-update-route.ts";
import { JournalComponent } from "../journal/journal-component.ts";
import { metricsRoute } from "../metrics/metrics-route.ts";
import { ServiceMetrics } from "../metrics/service-metrics.ts";
import type { JournalSink } from "../journal/journal-sink.ts";
import type { SecretScrubber } from "../logging/secret-scrubber.ts";
import { PollingComponent } from "../polling/polling-component.ts";
import type { SettledListener } from "../processing/update-job.ts";
import { UpdateRunner } from "../processing/update-runner.ts";
import type { QueueProducer } from "../queue/queue-producer.ts";
import { isQueueMode } from "../queue/queue-mode.ts";
import { joinObservers } from "../processing/joined-observer.ts";
import { BotSessions } from "../session/bot-sessions.ts";
import type { SessionData } from "../session/session-data.ts";
import { DurableLedger } from "../embedded/durable-ledger.ts";
import { MemoryLedger } from "../embedded/memory-ledger.ts";
import { JournalOutbox } from "../local-store/journal-outbox.ts";
import { LocalStore } from "../local-store/local-store.ts";
import { StoredValues } from "../local-store/stored-values.ts";
import { localBotStorage } from "../local-store/local-bot-storage.ts";
import { BotInfoCache } from "../bots/bot-info-cache.ts";
import { setBotStorageProvider } from "../bots/bot-storage.ts";
import { redisBotStorage } from "../session/redis-storage.ts";
import { botSetup } from "./bot-setup.ts";
import { createFleet } from "../fleet/create-fleet.ts";
import type { FleetReloader } from "../fleet/fleet-reloader.ts";
import { loadServiceBots, serviceLoadOptions, type LoadServiceBotsOptions } from "./load-service-bots.ts";

export interface ServiceDeps {
  config: ServiceConfig;
  logger: Logger;
  scrubber: SecretScrubber;
  /** Hears of each processed update (tests listen here). */
  onSettled?: SettledListener;
  /** Where the embedded journal delivers. @defaultValue JOURNAL_URL, else the log */
  journalSink?: JournalSink;
}

export interface Service {
  mode: "embedded" | "queue";
  app: FastifyInstance;
  registry: BotRegistry;
  admission: Admission<LoadedBot | FailedBot>;
  /** The embedded processor; undefined in queue mode (the API process handles nothing itself). */
  embedded: EmbeddedProcessor | undefined;
  /** Live reload of the bot folders (what the watcher, SIGHUP and `bots reload` call). */
  fleet: FleetReloader;
  host: BotHost;
  /** Listens on the configured address and starts the bots (getMe) in the background. */
  start(): Promise<{ address: string }>;
  /** Refuses new updates (503), finishes accepted ones up to `deadlineMs`, closes the server. */
  stop(deadlineMs?: number): Promise<StopReport>;
}

/** The local store as a host component: closed after everything else, once its writes are in. */
function storeComponent(store: LocalStore): HostComponent {
  return { name: "local-store", close: () => store.close() };
}

export async function buildService(deps: ServiceDeps): Promise<Service> {
  const { config, logger, scrubber } = deps;
  const onSecret = (secret: string): void => scrubber.add(secret);
  if (config.ADMIN_TOKEN !== undefined) onSecret(config.ADMIN_TOKEN);
  // The admin page's per-bot counts of the last minutes; nothing counts them when it is off.
  const activity = config.ADMIN_TOKEN === undefined ? undefined : new BotActivity((text) => scrubber.scrub(text));
  const queueMode = isQueueMode(config);
  const webhooks = new WebhookBots(config, onSecret);
  // Metrics read the processor and the registry, made below; the gauges ask them at scrape time.
  const parts: { registry?: BotRegistry; embedded?: EmbeddedProcessor; producer?: QueueProducer } = {};
  const metrics = config.METRICS
    ? new ServiceMetrics(config, {
        backlog: () => parts.embedded?.size ?? 0,
        inFlight: () => parts.embedded?.activeCount ?? 0,
        botStates: () => parts.registry?.states() ?? {},
        ...(queueMode ? { queue: () => parts.producer?.depth() ?? Promise.resolve({ jobs: [], workers: 0 }) } : {}),
      })
    : undefined;
  // The embedded default keeps accepted updates, claims, sessions and undelivered journal records
  // in DATA_DIR (unless DURABILITY=memory); queue mode keeps them in Redis.
  const store = queueMode ? undefined : LocalStore.open(config);
  const sessionStore = store === undefined ? undefined : (bot: string) => new StoredValues<SessionData>(store, { bot, namespace: "session", ttlSeconds: config.SESSION_TTL_SECONDS });
  // BullMQ and ioredis are loaded only in queue mode: the embedded default starts without them.
  const producer = queueMode ? new (await import("../queue/queue-producer.ts")).QueueProducer({ settings: config, logger, scrubber }) : undefined;
  // Before any bot code is imported: a handler may ask for its bot's storage at import time.
  const botStorage = producer === undefined ? localBotStorage(store) : redisBotStorage(producer.connection, config.QUEUE_PREFIX, logger);
  setBotStorageProvider(botStorage);
  // Kept only where it outlives the process (not with DURABILITY=memory).
  const botInfoCache = config.GETME_CACHE && (store !== undefined || producer !== undefined) ? new BotInfoCache(botStorage, logger) : undefined;
  // The API process of queue mode runs no handler: no sessions or flood control of its own.
  const loading: LoadServiceBotsOptions = {
    settings: config,
    logger,
    scrubber,
    prepare: botSetup({
      settings: config,
      logger,
      webhooks,
      floodLimiter: queueMode ? undefined : createFloodLimiter(config),
      sessions: queueMode ? undefined : new BotSessions({ settings: config, logger, storage: sessionStore }),
      metrics,
    }),
  };
  const { registry, startPrints } = await loadServiceBots(loading);
  parts.registry = registry;

  // Closed last (components close in reverse): every write of the drain and the journal goes in first.
  const components: HostComponent[] = store === undefined ? [] : [storeComponent(store)];
  let journal: JournalComponent | undefined;
  if (!queueMode) {
    journal = new JournalComponent({ settings: config, logger, sink: deps.journalSink, onSecret, outbox: store === undefined ? undefined : new JournalOutbox(store) });
    components.push(journal);
  }
  const listeners = [deps.onSettled, journal?.listener].filter((listener): listener is SettledListener => listener !== undefined);
  // Undefined when nobody listens, so the processor builds no record per update for nothing.
  const onSettled: SettledListener | undefined =
    listeners.length === 0
      ? undefined
      : (record) => {
          for (const listener of listeners) listener(record);
        };
  const windowMs = config.DEDUP_WINDOW_SECONDS * 1000;
  const ledger = store === undefined ? new MemoryLedger({ windowMs, maxEntries: config.DEDUP_MAX_ENTRIES }) : new DurableLedger({ store, logger, windowMs, hotEntries: config.DEDUP_MAX_ENTRIES });
  const runner = new UpdateRunner({ findBot: (name) => registry.runnable(name), logger, settings: config, scrub: (text) => scrubber.scrub(text), observer: metrics });
  const observer = joinObservers(metrics, activity);
  const embedded = queueMode ? undefined : new EmbeddedProcessor({ settings: config, logger, onSettled, ledger, runner, observer });
  parts.embedded = embedded;
  parts.producer = producer;
  const processor: Processor & UpdateSubmitter | undefined = embedded ?? producer;
  if (processor === undefined) throw new Error("no processor");

  // Live reload: BOTS_DIR watched, SIGHUP, and in queue mode `bots reload` through Redis.
  const fleet = createFleet({
    settings: config,
    registry,
    startPrints,
    botInfoCache,
    logger,
    load: serviceLoadOptions(loading),
    // Queue mode's API runs no update: a removed bot is released at once (the workers drain theirs).
    pendingOf: embedded === undefined ? () => 0 : (name) => embedded.pendingOf(name),
    redis: producer === undefined ? undefined : { connection: producer.connection, role: "api" },
  });
  components.push(fleet.component);

  const admission = new Admission<LoadedBot | FailedBot>({ settings: config, findBot: (name) => registry.find(name), submitter: processor, observer });
  const app = buildApp({ logger, settings: config, isClosing: () => admission.closed, onRefused: metrics === undefined ? undefined : (code) => metrics.refused(code) });
  if (metrics !== undefined) await app.register(metricsRoute, { metrics });
  await app.register(internalUpdateRoute, { admission });
  await app.register(healthRoutes, { registry, botsDir: path.resolve(config.BOTS_DIR), isClosing: () => admission.closed, readiness: processor.readiness?.bind(processor), scrub: (text) => scrubber.scrub(text) });
  if (config.ADMIN_TOKEN !== undefined && activity !== undefined) {
    await mountAdmin(app, { token: config.ADMIN_TOKEN, botMode: config.BOT_MODE, queuePrefix: config.QUEUE_PREFIX, registry, activity, fleet: fleet.reloader, scrub: (text) => scrubber.scrub(text), embedded, producer });
  }
  if (config.BOT_MODE === "webhook") {
    const bots = webhooks.all(registry.bots());
    const guard = createSourceGuard({ enabled: config.WEBHOOK_IP_ALLOWLIST, allowedNetworks: config.WEBHOOK_ALLOWED_NETWORKS, trustedProxies: config.TRUSTED_PROXIES });
    const directory = new WebhookDirectory(bots);
    // A bot added, changed or removed while the service runs is routed (or not) from then on.
    registry.onChange(() => directory.replace(webhooks.all(registry.bots())));
    await app.register(webhookRoute, { directory, admission, guard });
    logger.info({ bots: bots.map((b) => ({ bot: b.name, path: `/telegram/${b.pathId}` })), allowList: config.WEBHOOK_IP_ALLOWLIST }, "webhook routes ready");
  }
  if (config.BOT_MODE === "polling") {
    const allowedUpdatesOf = (name: string): string[] => {
      const loaded = registry.get(name);
      return (loaded === undefined ? undefined : webhooks.of(loaded)?.allowedUpdates) ?? [];
    };
    components.push(new PollingComponent({ settings: config, registry, admission, logger, allowedUpdatesOf }));
  }

  const host = new BotHost({
    settings: config,
    logger,
    registry,
    processor,
    admission,
    http: { app, host: config.INTERNAL_BOT_API_IP, port: config.INTERNAL_BOT_API_PORT, hostSetting: "INTERNAL_BOT_API_IP", portSetting: "INTERNAL_BOT_API_PORT" },
    components,
    botInfoCache,
  });
  return {
    mode: queueMode ? "queue" : "embedded",
    app,
    registry,
    admission,
    embedded,
    fleet: fleet.reloader,
    host,
    async start() {
      const { address } = await host.start();
      return { address: address ?? "" };
    },
    stop: (deadlineMs) => host.stop(deadlineMs),
  };
}
