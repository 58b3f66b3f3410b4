/**
 * One place that turns any error into the API's JSON error shape
 * `{"error": {"code", "message"}}` with a stable code. Whatever a client sent gets a 4xx;
 * a 500 means a bug of ours and is logged at error level.
 */
import type { FastifyError, FastifyInstance, FastifyReply } from "fastify";
import { RequestError } from "../errors/request-error.ts";
import { type HttpErrorCode } from "../errors/error-codes.ts";
import { ThrottledLog } from "../logging/throttled-log.ts";

const FASTIFY_CODES: Record<string, { code: HttpErrorCode; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: "PAYLOAD_TOO_LARGE", message: "request body is larger than the limit" },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: "UNSUPPORTED_MEDIA_TYPE", message: "send the body as application/json" },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: "MALFORMED_JSON", message: "the body is empty" },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: "MALFORMED_JSON", message: "the body is not valid JSON" },
};

export function sendError(reply: FastifyReply, status: number, code: string, message: string, retryAfterSeconds?: number): FastifyReply {
  if (retryAfterSeconds !== undefined) void reply.header("retry-after", String(retryAfterSeconds));
  return reply.code(status).send({ error: { code, message } });
}

/** 503s (backlog full, shutting down, ...) are warned about at most this often per code, with their count. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

export function installErrorHandling(app: FastifyInstance): void {
  // Under overload a line per refused request would add to the load it reports: one per interval.
  const refusals = new Map<HttpErrorCode, { log: ThrottledLog; last: string }>();
  const refused = (error: RequestError): void => {
    let entry = refusals.get(error.code);
    if (entry === undefined) {
      const { code, statusCode: status } = error;
      const created = { last: error.message, log: new ThrottledLog((count) => app.log.warn({ code, status, refused: count, last: created.last }, "requests refused"), REFUSAL_LOG_INTERVAL_MS) };
      refusals.set(code, created);
      entry = created;
    }
    entry.last = error.message;
    entry.log.hit();
  };
  app.addHook("onClose", (_instance, done) => {
    for (const { log } of refusals.values()) log.flush();
    done();
  });
  app.setErrorHandler((error: FastifyError | RequestError, request, reply) => {
    if (error instanceof RequestError) {
      if (error.statusCode >= 500) refused(error);
      else request.log.info({ code: error.code, status: error.statusCode }, error.message);
      return sendError(reply, error.statusCode, error.code, error.message, error.retryAfterSeconds);
    }
    const known = FASTIFY_CODES[error.code];
    if (known !== undefined) {
      return sendError(reply, error.statusCode ?? 400, known.code, known.message);
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, error.statusCode, "BAD_REQUEST", error.message);
    }
    request.log.error({ err: error }, "unhandled error in request");
    return sendError(reply, 500, "INTERNAL_ERROR", "internal error");
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, "NOT_FOUND", `no route ${request.method} ${request.url.split("?")[0] ?? ""}`));
}
