/**
 * End-to-end baseline: what users write by hand today. One Fastify server, one grammY
 * `webhookCallback` per bot (route `/webhook/<BOT_NAME>`, the bot's key as the secret token),
 * the farm's own handler files, the same Bot API stand-in. It answers after the handlers ran.
 *
 *   node --import tsx bench/baselines/grammy-fastify-server.ts <manifest.json> <apiRoot>
 *   prints {"listening": url}
 */
import Fastify from "fastify";
import { webhookCallback } from "grammy";
import { readManifest } from "../lib/bot-farm.ts";
import { buildGrammyBots } from "./farm-bots.ts";

async function main(): Promise<void> {
  const manifest = readManifest(process.argv[2] ?? "");
  const bots = await buildGrammyBots(manifest, process.argv[3] ?? "");
  const app = Fastify({ logger: false });
  for (const farmBot of manifest) {
    const bot = bots.get(farmBot.name);
    if (bot === undefined) continue;
    app.post(`/webhook/${farmBot.name}`, webhookCallback(bot, "fastify", { secretToken: farmBot.key, timeoutMilliseconds: 60_000 }));
  }
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  process.stdout.write(`${JSON.stringify({ listening: address })}\n`);
  process.on("SIGTERM", () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`grammy-fastify-server: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
