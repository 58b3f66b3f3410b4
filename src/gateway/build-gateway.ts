/**
 * The separate gateway process, built apart from started: it reads each bot folder's identity
 * only (name, key, secret and settings; no handler is imported and no token is used), serves the
 * webhook route and, through the same admission step as the service, forwards every update to
 * the service (see forwarding-submitter.ts).
 */
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { Admission, type AdmissibleBot } from "../admission/admission.ts";
import type { AdmissionSettings } from "../admission/admission-settings.ts";
import type { BotsSettings } from "../bots/bots-settings.ts";
import { discoverBots } from "../bots/discover-bots.ts";
import { buildApp } from "../http/build-app.ts";
import { listenConfigError } from "../http/listen-error.ts";
import type { HttpSettings } from "../http/http-settings.ts";
import type { SecretScrubber } from "../logging/secret-scrubber.ts";
import { ForwardingSubmitter } from "./forwarding-submitter.ts";
import type { GatewaySettings } from "./gateway-settings.ts";
import { createSourceGuard } from "./source-guard.ts";
import { readWebhookFolder, type WebhookBot } from "./webhook-bot.ts";
import { WebhookDirectory } from "./webhook-directory.ts";
import { webhookRoute } from "./webhook-route.ts";

/** What the gateway process is configured with; GATEWAY_FORWARD_URL is required (the schema checks it for this process). */
export type GatewayProcessSettings = GatewaySettings & AdmissionSettings & Pick<HttpSettings, "BODY_LIMIT_BYTES"> & Pick<BotsSettings, "BOTS_DIR"> & { GATEWAY_FORWARD_URL: string };

export interface GatewayDeps {
  config: GatewayProcessSettings;
  logger: Logger;
  scrubber: SecretScrubber;
}

export interface Gateway {
  app: FastifyInstance;
  bots: readonly WebhookBot[];
  /** Listens on GATEWAY_IP:GATEWAY_PORT. */
  start(): Promise<{ address: string }>;
  /** Refuses new webhook calls (503), lets forwards in flight finish, closes the server. */
  stop(): Promise<void>;
}

export async function buildGateway(deps: GatewayDeps): Promise<Gateway> {
  const { config, logger, scrubber } = deps;
  const bots: WebhookBot[] = [];
  const keys = new Map<string, string>();
  for (const folder of await discoverBots(config.BOTS_DIR)) {
    try {
      const { identity, webhook: webhookBot } = await readWebhookFolder(folder, (secret) => scrubber.add(secret), {
        pathStyle: config.WEBHOOK_PATH_STYLE,
        maxConnections: config.WEBHOOK_MAX_CONNECTIONS,
      });
      if (keys.has(identity.name)) {
        logger.error({ folder: folder.folderName, bot: identity.name, code: "DUPLICATE_BOT_NAME" }, "bot not served: its BOT_NAME is taken by an earlier folder");
        continue;
      }
      bots.push(webhookBot);
      keys.set(identity.name, identity.internalKey);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      logger.error({ folder: folder.folderName, code, reason: error instanceof Error ? error.message : String(error) }, "bot not served");
    }
  }

  const submitter = new ForwardingSubmitter({
    serviceUrl: config.GATEWAY_FORWARD_URL,
    keys,
    timeoutMs: config.GATEWAY_FORWARD_TIMEOUT_MS,
    retryAfterSeconds: config.RETRY_AFTER_SECONDS,
    logger,
  });
  const served = new Map<string, AdmissibleBot>(bots.map((bot) => [bot.name, { name: bot.name, unavailableReason: () => undefined }]));
  const admission = new Admission({ settings: config, findBot: (name) => served.get(name), submitter });
  const app = buildApp({ logger, settings: config, isClosing: () => admission.closed });
  app.get("/healthz", async () => ({ status: "ok" }));
  await app.register(webhookRoute, {
    directory: new WebhookDirectory(bots),
    admission,
    guard: createSourceGuard({ enabled: config.WEBHOOK_IP_ALLOWLIST, allowedNetworks: config.WEBHOOK_ALLOWED_NETWORKS, trustedProxies: config.TRUSTED_PROXIES }),
  });
  logger.info({ bots: bots.map((b) => ({ bot: b.name, path: `/telegram/${b.pathId}` })), service: config.GATEWAY_FORWARD_URL }, "gateway routes ready");

  return {
    app,
    bots,
    async start() {
      try {
        return { address: await app.listen({ host: config.GATEWAY_IP, port: config.GATEWAY_PORT }) };
      } catch (error) {
        throw listenConfigError(error, { host: config.GATEWAY_IP, port: config.GATEWAY_PORT, hostSetting: "GATEWAY_IP", portSetting: "GATEWAY_PORT" }) ?? error;
      }
    },
    async stop() {
      admission.close();
      // Fastify waits for requests in flight, so every forward under way gets its answer.
      await app.close();
    },
  };
}
