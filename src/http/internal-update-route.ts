/**
 * `POST /internal/update`, the gateway's way in, as a Fastify plugin: validates the body, checks
 * `X-Internal-Key` in constant time against the named bot's key, and hands the update to
 * admission, answering `{"accepted": true}` before any handler runs.
 */
import type { FastifyPluginAsync } from "fastify";
import type { Admission } from "../admission/admission.ts";
import type { FailedBot } from "../bots/failed-bot.ts";
import type { LoadedBot } from "../bots/loaded-bot.ts";
import { RequestError } from "../errors/request-error.ts";
import { validateUpdateRequest } from "./validate-update-request.ts";

export interface InternalUpdateRouteOptions {
  admission: Admission<LoadedBot | FailedBot>;
}

const ACCEPTED = JSON.stringify({ accepted: true });

export const internalUpdateRoute: FastifyPluginAsync<InternalUpdateRouteOptions> = async (app, { admission }) => {
  app.post("/internal/update", async (request, reply) => {
    const { botName, update } = validateUpdateRequest(request.body);
    const result = await admission.admit(botName, update, (bot) => {
      const key = request.headers["x-internal-key"];
      if (typeof key !== "string" || key === "") throw new RequestError("MISSING_INTERNAL_KEY", "X-Internal-Key header is required", { bot: bot.name });
      if (!bot.matchesKey(key)) throw new RequestError("WRONG_INTERNAL_KEY", "X-Internal-Key does not match this bot", { bot: bot.name });
    });
    request.log.debug({ bot: botName, update_id: update.update_id, result }, "update routed");
    return reply.code(200).type("application/json").send(ACCEPTED);
  });
};
