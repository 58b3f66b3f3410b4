/**
 * The separate gateway process, built apart from started: it reads each bot folder's identity
 * only (name, key, secret and settings; no handler is imported and no token is used), serves the
 * webhook route and forwards every update to the service (see forwarding-intake.ts).
 */
import Fastify, { LogController, type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { discoverBots } from "../bots/discover-bots.ts";
import type { ServiceConfig } from "../config/service-config.ts";
import { ConfigError } from "../errors/config-error.ts";
import { installErrorHandling } from "../http/error-handler.ts";
import { installJsonParser } from "../http/json-body-parser.ts";
import type { SecretScrubber } from "../logging/secret-scrubber.ts";
import { ForwardingIntake } from "./forwarding-intake.ts";
import { createSourceGuard } from "./source-guard.ts";
import { readWebhookFolder, type WebhookBot } from "./webhook-bot.ts";
import { registerWebhookRoute } from "./webhook-route.ts";

export interface GatewayDeps {
  config: ServiceConfig;
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
  if (config.GATEWAY_FORWARD_URL === undefined) throw new ConfigError("GATEWAY_FORWARD_URL is required: the base URL of the service the gateway forwards updates to");
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

  const intake = new ForwardingIntake({
    serviceUrl: config.GATEWAY_FORWARD_URL,
    keys,
    timeoutMs: config.GATEWAY_FORWARD_TIMEOUT_MS,
    retryAfterSeconds: config.RETRY_AFTER_SECONDS,
    logger,
  });
  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.BODY_LIMIT_BYTES,
    forceCloseConnections: "idle",
    return503OnClosing: true,
  }) as unknown as FastifyInstance;
  installErrorHandling(app);
  installJsonParser(app);
  let closing = false;
  // A forward still in flight at shutdown answers on a keep-alive socket that would otherwise hold close() open.
  app.addHook("onSend", async (_request, reply) => {
    if (closing) void reply.header("connection", "close");
  });
  app.get("/healthz", async () => ({ status: "ok" }));
  registerWebhookRoute(app, {
    bots,
    intake,
    guard: createSourceGuard({ enabled: config.WEBHOOK_IP_ALLOWLIST, allowedNetworks: config.WEBHOOK_ALLOWED_NETWORKS, trustedProxies: config.TRUSTED_PROXIES }),
    retryAfterSeconds: config.RETRY_AFTER_SECONDS,
  });
  logger.info({ bots: bots.map((b) => ({ bot: b.name, path: `/telegram/${b.pathId}` })), service: config.GATEWAY_FORWARD_URL }, "gateway routes ready");

  return {
    app,
    bots,
    async start() {
      const address = await app.listen({ host: config.GATEWAY_IP, port: config.GATEWAY_PORT });
      return { address };
    },
    async stop() {
      closing = true;
      intake.close();
      // Fastify waits for requests in flight, so every forward under way gets its answer.
      await app.close();
    },
  };
}
