/**
 * `POST /telegram/<bot path>`, Telegram's webhook calls, as a Fastify plugin. Before the body is
 * even read, the caller must pass the allow-list (when on) and present the bot's secret in
 * X-Telegram-Bot-Api-Secret-Token (compared in constant time); otherwise 403 / 401 and nothing is
 * processed. The update then goes to admission, the same step `/internal/update` takes (in the
 * service), or the separate gateway's (which forwards it). Telegram redelivers on any non-2xx.
 */
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { Admission } from "../admission/admission.ts";
import { RequestError } from "../errors/request-error.ts";
import { validateUpdate } from "../http/validate-update-request.ts";
import type { SourceGuard } from "./source-guard.ts";
import { WEBHOOK_ROUTE_PREFIX } from "./webhook-bot.ts";
import type { WebhookDirectory, WebhookRouteBot } from "./webhook-directory.ts";

export const SECRET_HEADER = "x-telegram-bot-api-secret-token";

export interface WebhookRouteOptions {
  directory: WebhookDirectory;
  admission: Pick<Admission, "admit">;
  guard: SourceGuard;
}

const ACCEPTED = JSON.stringify({ accepted: true });

export const webhookRoute: FastifyPluginAsync<WebhookRouteOptions> = async (app, options) => {
  const { directory, admission, guard } = options;
  const routeBot = (request: FastifyRequest): WebhookRouteBot => {
    const { botPath } = request.params as { botPath: string };
    const bot = directory.find(botPath);
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
          throw new RequestError("WRONG_WEBHOOK_SECRET", "X-Telegram-Bot-Api-Secret-Token is missing or wrong", { bot: bot.name });
        }
      },
    },
    async (request, reply) => {
      const bot = routeBot(request);
      const update = validateUpdate(request.body);
      const result = await admission.admit(bot.name, update);
      request.log.debug({ bot: bot.name, update_id: update.update_id, result, via: "webhook" }, "update routed");
      return reply.code(200).type("application/json").send(ACCEPTED);
    },
  );
};
