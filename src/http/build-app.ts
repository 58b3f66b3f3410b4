/**
 * Builds the HTTP API (Fastify) without listening: tests call `inject()` or `listen()` on it,
 * `main` starts it. Routes: `/internal/update`, `/healthz`, `/readyz` (+ what callers register).
 */
import Fastify, { LogController, type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { BotRegistry } from "../bots/bot-registry.ts";
import { installErrorHandling } from "./error-handler.ts";
import { registerHealthRoutes } from "./health-routes.ts";
import { registerInternalUpdateRoute } from "./internal-update-route.ts";
import { installJsonParser } from "./json-body-parser.ts";
import type { UpdateIntake } from "./update-intake.ts";

export interface BuildAppOptions {
  logger: Logger;
  registry: BotRegistry;
  intake: UpdateIntake;
  bodyLimitBytes: number;
  retryAfterSeconds: number;
  readinessExtra?: () => Record<string, unknown>;
  /** Removes secrets from text shown to clients (load-error reasons on /readyz). */
  scrub?: (text: string) => string;
}

export function buildApp(options: BuildAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger,
    // Per-request lines would cost more than the request itself at thousands per second.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request (Fastify's default binds a reqId to each): request lines are off,
    // and the few per-request lines carry bot and update_id, which say more than a reqId.
    childLoggerFactory: (logger) => logger,
    bodyLimit: options.bodyLimitBytes,
    // Sockets are closed at shutdown only after in-flight requests finished.
    forceCloseConnections: "idle",
    return503OnClosing: true,
  }) as unknown as FastifyInstance;
  installErrorHandling(app);
  // Once shutdown began, every answer closes its connection: a keep-alive socket that was busy
  // when close() started would otherwise hold the server open until its keep-alive timeout.
  // (Callback style: an async hook would cost a promise on every answer.)
  app.addHook("onSend", (_request, reply, payload, done) => {
    if (options.intake.closed) void reply.header("connection", "close");
    done(null, payload);
  });
  installJsonParser(app);
  registerInternalUpdateRoute(app, options);
  registerHealthRoutes(app, { registry: options.registry, intake: options.intake, extra: options.readinessExtra, scrub: options.scrub });
  return app;
}
