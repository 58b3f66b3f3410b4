/**
 * Every secret the bot folders of BOTS_DIR hold (token, internal key, BOT_WEBHOOK_SECRET), for a
 * scrubber of a process that loads no bot itself (the jobs command reads failures other processes
 * wrote, which may quote them). A folder that does not load still gives what its .env holds.
 */
import { discoverBots } from "./discover-bots.ts";
import { readBotIdentity } from "./load-bot.ts";

export async function collectBotSecrets(botsDir: string, add: (secret: string) => void): Promise<void> {
  for (const folder of await discoverBots(botsDir)) {
    try {
      const identity = await readBotIdentity(folder, add);
      add(identity.token);
      add(identity.internalKey);
      const webhookSecret = identity.settings.BOT_WEBHOOK_SECRET;
      if (typeof webhookSecret === "string") add(webhookSecret);
    } catch {
      // readBotIdentity handed over the .env's token and key before anything could fail.
    }
  }
}
