/**
 * `POST /telegram/<bot path>`: Telegram's webhook calls. Before the body is even read, the caller
 * must pass the allow-list (when on) and present the bot's secret in
 * X-Telegram-Bot-Api-Secret-Token (compared in constant time); otherwise 403 / 401 and nothing
 * is processed. The update then goes to the same intake as `/internal/update` (in the service)
 * or is forwarded to the service (separate gateway). Telegram redelivers on any non-2xx answer.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { RequestError } from "../errors/request-error.ts";
import type { UpdateIntake } from "../http/update-intake.ts";
import { validateUpdate } from "../http/validate-update-request.ts";
import type { SourceGuard } from "./source-guard.ts";
import { secretMatcher, WEBHOOK_ROUTE_PREFIX, type WebhookBot } from "./webhook-bot.ts";

export const SECRET_HEADER = "x-telegram-bot-api-secret-token";

export interface WebhookRouteOptions {
  bots: readonly WebhookBot[];
  intake: UpdateIntake;
  guard: SourceGuard;
  retryAfterSeconds: number;
  /** A reason when the bot cannot take updates now (the service: its token was rejected). */
  unavailable?: (botName: string) => string | undefined;
}

interface RouteBot {
  name: string;
  matches: (presented: string) => boolean;
}

const ACCEPTED = JSON.stringify({ accepted: true });

export function registerWebhookRoute(app: FastifyInstance, options: WebhookRouteOptions): void {
  const { intake, guard, retryAfterSeconds } = options;
  const byPath = new Map<string, RouteBot>();
  for (const bot of options.bots) byPath.set(bot.pathId, { name: bot.name, matches: secretMatcher(bot.secret) });

  const routeBot = (request: FastifyRequest): RouteBot => {
    const { botPath } = request.params as { botPath: string };
    const bot = byPath.get(botPath);
    if (bot === undefined) throw new RequestError("UNKNOWN_BOT", "no bot at this webhook path");
    return bot;
  };

  app.post(
    `${WEBHOOK_ROUTE_PREFIX}:botPath`,
    {
      // onRequest runs before the body is read: a caller without the secret gets nothing parsed.
      onRequest: async (request) => {
        if (!guard.allows(request.socket.remoteAddress, request.headers["x-forwarded-for"])) {
          throw new RequestError("FORBIDDEN_SOURCE", "webhook calls are accepted from Telegram's networks only");
        }
        const bot = routeBot(request);
        const presented = request.headers[SECRET_HEADER];
        if (typeof presented !== "string" || presented === "" || !bot.matches(presented)) {
          throw new RequestError("WRONG_WEBHOOK_SECRET", "X-Telegram-Bot-Api-Secret-Token is missing or wrong");
        }
      },
    },
    async (request, reply) => {
      const bot = routeBot(request);
      const update = validateUpdate(request.body);
      if (intake.closed) throw new RequestError("SHUTTING_DOWN", "the service is shutting down", { retryAfterSeconds });
      const reason = options.unavailable?.(bot.name);
      if (reason !== undefined) throw new RequestError("BOT_UNAVAILABLE", `bot ${JSON.stringify(bot.name)} is not running: ${reason}`, { retryAfterSeconds });
      const result = await intake.accept(bot.name, update);
      request.log.debug({ bot: bot.name, update_id: update.update_id, result, via: "webhook" }, "update routed");
      return reply.code(200).type("application/json").send(ACCEPTED);
    },
  );
}
