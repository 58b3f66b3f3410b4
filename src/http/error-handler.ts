/**
 * One place that turns any error into the API's JSON error shape
 * `{"error": {"code", "message"}}` with a stable code. Whatever a client sent gets a 4xx;
 * a 500 means a bug of ours and is logged at error level.
 */
import type { FastifyError, FastifyInstance, FastifyReply } from "fastify";
import { RequestError } from "../errors/request-error.ts";
import { type HttpErrorCode } from "../errors/error-codes.ts";
import { ThrottledLog } from "../logging/throttled-log.ts";

/** Fastify's own refusals, with the answer we give each (the body limit is the app's BODY_LIMIT_BYTES). */
function fastifyCodes(bodyLimitBytes: number): Record<string, { code: HttpErrorCode; message: string }> {
  return {
    FST_ERR_CTP_BODY_TOO_LARGE: { code: "PAYLOAD_TOO_LARGE", message: `the request body is larger than the limit of ${bodyLimitBytes} bytes (BODY_LIMIT_BYTES)` },
    FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: "UNSUPPORTED_MEDIA_TYPE", message: "send the body as application/json" },
    FST_ERR_CTP_EMPTY_JSON_BODY: { code: "MALFORMED_JSON", message: "the body is empty" },
    FST_ERR_CTP_INVALID_JSON_BODY: { code: "MALFORMED_JSON", message: "the body is not valid JSON" },
  };
}

/** Refusals logged throttled (a count per interval): the 503s, and bodies a sender keeps getting wrong. */
const THROTTLED_STATUSES = new Set([413, 415, 503]);

export function sendError(reply: FastifyReply, status: number, code: string, message: string, retryAfterSeconds?: number): FastifyReply {
  if (retryAfterSeconds !== undefined) void reply.header("retry-after", String(retryAfterSeconds));
  return reply.code(status).send({ error: { code, message } });
}

/** 503s (backlog full, shutting down, ...) are warned about at most this often per code, with their count. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

/** Where updates come in: refusals there are counted for metrics. */
function isIntakeRoute(url: string): boolean {
  return url.startsWith("/internal/update") || url.startsWith("/telegram/");
}

export function installErrorHandling(app: FastifyInstance, options: { bodyLimitBytes: number; onRefused?: (code: string) => void }): void {
  const FASTIFY_CODES = fastifyCodes(options.bodyLimitBytes);
  // Under overload a line per refused request would add to the load it reports: one per interval.
  const refusals = new Map<HttpErrorCode, { log: ThrottledLog; last: string }>();
  const refused = (code: HttpErrorCode, status: number, message: string): void => {
    let entry = refusals.get(code);
    if (entry === undefined) {
      const created = { last: message, log: new ThrottledLog((count) => app.log.warn({ code, status, refused: count, last: created.last }, "requests refused"), REFUSAL_LOG_INTERVAL_MS) };
      refusals.set(code, created);
      entry = created;
    }
    entry.last = message;
    entry.log.hit();
  };
  app.addHook("onClose", (_instance, done) => {
    for (const { log } of refusals.values()) log.flush();
    done();
  });
  app.setErrorHandler((error: FastifyError | RequestError, request, reply) => {
    if (error instanceof RequestError) {
      const { code, statusCode: status } = error;
      if (options.onRefused !== undefined && isIntakeRoute(request.url)) options.onRefused(code);
      if (THROTTLED_STATUSES.has(status)) refused(code, status, error.message);
      // Who was refused and from where (never the key they presented): a misconfigured gateway, or a probe.
      else if (status === 401 || status === 403) request.log.warn({ code, status, bot: error.bot, client: request.ip }, error.message);
      else request.log.info({ code, status, bot: error.bot }, error.message);
      return sendError(reply, status, code, error.message, error.retryAfterSeconds);
    }
    const known = FASTIFY_CODES[error.code];
    if (known !== undefined) {
      const status = error.statusCode ?? 400;
      if (options.onRefused !== undefined && isIntakeRoute(request.url)) options.onRefused(known.code);
      if (THROTTLED_STATUSES.has(status)) refused(known.code, status, known.message);
      return sendError(reply, status, known.code, known.message);
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      if (options.onRefused !== undefined && isIntakeRoute(request.url)) options.onRefused("BAD_REQUEST");
      return sendError(reply, error.statusCode, "BAD_REQUEST", error.message);
    }
    request.log.error({ err: error }, "unhandled error in request");
    return sendError(reply, 500, "INTERNAL_ERROR", "internal error");
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, "NOT_FOUND", `no route ${request.method} ${request.url.split("?")[0] ?? ""}`));
}
