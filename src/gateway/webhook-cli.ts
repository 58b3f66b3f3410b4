/**
 * `npm run bots -- webhook set|info|delete`: manages every bot's webhook at Telegram (or one bot's,
 * with --bot). Bots are read from their folders (identity only: no handler runs). Each bot gets
 * its own line, success or failure; one bot's failure does not stop the others, and the exit
 * code is 1 when any failed. Every line passes a scrubber that knows the bots' secrets.
 */
import { parseArgs } from "node:util";
import { Api, GrammyError, HttpError } from "grammy";
import pLimit from "p-limit";
import { discoverBots } from "../bots/discover-bots.ts";
import type { BotIdentity } from "../bots/load-bot.ts";
import type { BotsSettings } from "../bots/bots-settings.ts";
import type { TelegramSettings } from "../telegram/telegram-settings.ts";
import type { GatewaySettings } from "./gateway-settings.ts";
import { SecretScrubber } from "../logging/secret-scrubber.ts";
import { readWebhookFolder, webhookUrlOf, type WebhookBot } from "./webhook-bot.ts";
import { grammyClientFetch } from "../telegram/bot-api-fetch.ts";

export interface WebhookCliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const WEBHOOK_USAGE = `  webhook set --url https://host [--bot NAME] [--drop-pending]
                         setWebhook for every bot (or one) at <url>/telegram/<bot path>, with its secret,
                         max_connections and allowed_updates
  webhook info [--bot NAME]
                         getWebhookInfo of each bot: url, pending_update_count, last error
  webhook delete [--bot NAME] [--drop-pending]
                         deleteWebhook for every bot (or one)`;

/** Bot API calls under way at once. */
const CONCURRENCY = 8;

interface Target {
  identity: BotIdentity;
  webhook: WebhookBot;
}

function describe(error: unknown): string {
  if (error instanceof GrammyError) return `Telegram answered ${error.error_code}: ${error.description}`;
  if (error instanceof HttpError) return `network error: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

function describeAllowed(allowed: readonly string[]): string {
  return allowed.length === 0 ? "Telegram's default (all but chat_member, message_reaction, message_reaction_count)" : allowed.join(",");
}

/** What `webhook` reads: where the bots are, how their paths look, and how to reach the Bot API. */
export type WebhookCliSettings = Pick<BotsSettings, "BOTS_DIR"> & Pick<GatewaySettings, "WEBHOOK_PATH_STYLE" | "WEBHOOK_MAX_CONNECTIONS"> & Pick<TelegramSettings, "TELEGRAM_API_ROOT" | "API_TIMEOUT_SECONDS">;

export async function runWebhookCommand(argv: readonly string[], config: WebhookCliSettings, io: WebhookCliIo): Promise<number> {
  const [action, ...rest] = argv;
  let values: { url?: string; bot?: string; "drop-pending"?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...rest],
      options: { url: { type: "string" }, bot: { type: "string" }, "drop-pending": { type: "boolean", default: false } },
    }));
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n\nUsage:\n${WEBHOOK_USAGE}`);
    return 1;
  }
  if (action !== "set" && action !== "info" && action !== "delete") {
    io.err(`Unknown webhook action ${JSON.stringify(action ?? "")}.\n\nUsage:\n${WEBHOOK_USAGE}`);
    return 1;
  }
  let baseUrl: string | undefined;
  if (action === "set") {
    const url = values.url;
    if (url === undefined || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
      io.err("webhook set needs --url with the public base URL, e.g. --url https://bots.example.com (each bot's path is appended)");
      return 1;
    }
    if (new URL(url).protocol !== "https:") io.err("note: Telegram accepts only https webhook URLs; an http URL works with a local Bot API server or a stand-in");
    baseUrl = url;
  }

  const scrubber = new SecretScrubber();
  const say = (text: string) => io.out(scrubber.scrub(text));
  const complain = (text: string) => io.err(scrubber.scrub(text));
  let failed = 0;

  const targets: Target[] = [];
  for (const folder of await discoverBots(config.BOTS_DIR)) {
    try {
      const { identity, webhook } = await readWebhookFolder(folder, (secret) => scrubber.add(secret), {
        pathStyle: config.WEBHOOK_PATH_STYLE,
        maxConnections: config.WEBHOOK_MAX_CONNECTIONS,
      });
      if (values.bot !== undefined && identity.name !== values.bot) continue;
      if (targets.some((t) => t.identity.name === identity.name)) {
        complain(`${identity.name} (folder ${folder.folderName}): FAILED: BOT_NAME is already used by an earlier folder`);
        failed++;
        continue;
      }
      targets.push({ identity, webhook });
    } catch (error) {
      if (values.bot !== undefined) continue;
      complain(`folder ${folder.folderName}: FAILED: ${describe(error)}`);
      failed++;
    }
  }
  if (values.bot !== undefined && targets.length === 0) {
    io.err(`No loadable bot named ${JSON.stringify(values.bot)} in ${config.BOTS_DIR} (see npm run bots -- list)`);
    return 1;
  }

  const limit = pLimit(CONCURRENCY);
  const results = await Promise.all(
    targets.map(({ identity, webhook }) =>
      limit(async (): Promise<{ ok: boolean; lines: string[] }> => {
        const api = new Api(identity.token, { apiRoot: config.TELEGRAM_API_ROOT, timeoutSeconds: config.API_TIMEOUT_SECONDS, fetch: grammyClientFetch });
        try {
          if (action === "set") {
            const url = webhookUrlOf(baseUrl ?? "", webhook);
            await api.setWebhook(url, {
              secret_token: webhook.secret,
              max_connections: webhook.maxConnections,
              allowed_updates: webhook.allowedUpdates as never,
              drop_pending_updates: values["drop-pending"] === true,
            });
            return { ok: true, lines: [`${identity.name}: webhook set to ${url} (max_connections ${webhook.maxConnections}, allowed_updates ${describeAllowed(webhook.allowedUpdates)})`] };
          }
          if (action === "delete") {
            await api.deleteWebhook({ drop_pending_updates: values["drop-pending"] === true });
            return { ok: true, lines: [`${identity.name}: webhook deleted (pending updates ${values["drop-pending"] === true ? "dropped" : "kept"})`] };
          }
          const info = await api.getWebhookInfo();
          const lastError =
            info.last_error_date === undefined ? "none" : `${new Date(info.last_error_date * 1000).toISOString()} ${info.last_error_message ?? ""}`.trim();
          return {
            ok: true,
            lines: [
              `${identity.name}:`,
              `  url: ${info.url === "" ? "(none: no webhook set)" : info.url}`,
              `  pending_update_count: ${info.pending_update_count}`,
              `  last error: ${lastError}`,
              ...(info.max_connections === undefined ? [] : [`  max_connections: ${info.max_connections}`]),
              ...(info.allowed_updates === undefined ? [] : [`  allowed_updates: ${info.allowed_updates.join(",")}`]),
            ],
          };
        } catch (error) {
          return { ok: false, lines: [`${identity.name}: FAILED: ${describe(error)}`] };
        }
      }),
    ),
  );
  for (const result of results) {
    if (result.ok) for (const line of result.lines) say(line);
    else {
      failed++;
      for (const line of result.lines) complain(line);
    }
  }
  return failed > 0 ? 1 : 0;
}
