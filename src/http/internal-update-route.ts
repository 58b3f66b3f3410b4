/**
 * `POST /internal/update`: the gateway's way in. Validates the body, routes by `bot_name`,
 * checks `X-Internal-Key` in constant time against that bot's key, hands the update to the
 * intake and answers `{"accepted": true}` before any handler runs.
 */
import type { FastifyInstance } from "fastify";
import type { BotRegistry } from "../bots/bot-registry.ts";
import { RequestError } from "../errors/request-error.ts";
import type { UpdateIntake } from "./update-intake.ts";
import { validateUpdateRequest } from "./validate-update-request.ts";

export interface InternalUpdateRouteOptions {
  registry: BotRegistry;
  intake: UpdateIntake;
  retryAfterSeconds: number;
}

const ACCEPTED = JSON.stringify({ accepted: true });

export function registerInternalUpdateRoute(app: FastifyInstance, options: InternalUpdateRouteOptions): void {
  const { registry, intake, retryAfterSeconds } = options;
  app.post("/internal/update", async (request, reply) => {
    if (intake.closed) throw new RequestError("SHUTTING_DOWN", "the service is shutting down", { retryAfterSeconds });
    const { botName, update } = validateUpdateRequest(request.body);
    const bot = registry.get(botName);
    if (bot === undefined) throw new RequestError("UNKNOWN_BOT", `no bot named ${JSON.stringify(botName)}`);
    const key = request.headers["x-internal-key"];
    if (typeof key !== "string" || key === "") throw new RequestError("MISSING_INTERNAL_KEY", "X-Internal-Key header is required");
    if (!bot.matchesKey(key)) throw new RequestError("WRONG_INTERNAL_KEY", "X-Internal-Key does not match this bot");
    if (bot.status === "failed") {
      throw new RequestError("BOT_UNAVAILABLE", `bot ${JSON.stringify(botName)} is not running: ${bot.failure?.reason ?? "failed"}`, { retryAfterSeconds });
    }
    const result = await intake.accept(botName, update);
    request.log.debug({ bot: botName, update_id: update.update_id, result }, "update routed");
    return reply.code(200).type("application/json").send(ACCEPTED);
  });
}
