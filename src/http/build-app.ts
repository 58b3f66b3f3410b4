/**
 * Builds the HTTP API's Fastify instance without listening and without routes: error handling
 * (one JSON error shape with stable codes), the JSON body parser, and the shutdown behaviour of
 * answers. Each feature then registers its routes as a Fastify plugin (`app.register`), only when
 * it is on; tests call `inject()` or `listen()` on the result, `main` starts it.
 */
import Fastify, { LogController, type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { installErrorHandling } from "./error-handler.ts";
import type { HttpSettings } from "./http-settings.ts";
import { installJsonParser } from "./json-body-parser.ts";
import { lazySchemaCompilers } from "./lazy-schema-compilers.ts";

export interface BuildAppOptions {
  logger: Logger;
  settings: Pick<HttpSettings, "BODY_LIMIT_BYTES">;
  /** True once shutdown began: every answer then closes its connection. */
  isClosing: () => boolean;
  /** Told the code of every refused request on the intake routes (metrics). */
  onRefused?: (code: string) => void;
}

export function buildApp(options: BuildAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger,
    // Per-request lines would cost more than the request itself at thousands per second.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request (Fastify's default binds a reqId to each): request lines are off,
    // and the few per-request lines carry bot and update_id, which say more than a reqId.
    childLoggerFactory: (logger) => logger,
    bodyLimit: options.settings.BODY_LIMIT_BYTES,
    // Sockets are closed at shutdown only after in-flight requests finished.
    forceCloseConnections: "idle",
    return503OnClosing: true,
    // ajv and fast-json-stringify load only for a route with a schema (none of ours has one).
    schemaController: { compilersFactory: lazySchemaCompilers() },
  }) as unknown as FastifyInstance;
  installErrorHandling(app, { bodyLimitBytes: options.settings.BODY_LIMIT_BYTES, onRefused: options.onRefused });
  // Once shutdown began, every answer closes its connection: a keep-alive socket that was busy
  // when close() started would otherwise hold the server open until its keep-alive timeout.
  // (Callback style: an async hook would cost a promise on every answer.)
  app.addHook("onSend", (_request, reply, payload, done) => {
    if (options.isClosing()) void reply.header("connection", "close");
    done(null, payload);
  });
  installJsonParser(app);
  return app;
}
