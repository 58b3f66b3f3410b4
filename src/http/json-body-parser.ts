/**
 * JSON bodies parsed with plain JSON.parse: the intake only reads fields and never merges a body
 * into another object, so prototype-poisoning checks would cost time for nothing here.
 */
import type { FastifyInstance } from "fastify";
import { RequestError } from "../errors/request-error.ts";

export function installJsonParser(app: FastifyInstance): void {
  // JSON only: any other content type (text/plain included, which Fastify accepts by default) is a 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string) as unknown);
    } catch (error) {
      done(new RequestError("MALFORMED_JSON", "the body is not valid JSON", { cause: error }), undefined);
    }
  });
}
