/**
 * A steady stream of updates to one bot for tests that change the fleet under load: `rate`
 * updates per second over `chats` chats, each chat's updates sent one after another (as Telegram
 * and a gateway do), each text "<chat>-<n>". Every answer is kept, so a test can say that nothing
 * was refused (no 5xx, no refused connection) and, from the stand-in's messages, that every update
 * was answered in order per chat.
 */
import type { BotApiStandIn } from "./bot-api-stand-in/bot-api-stand-in.ts";
import { textUpdate } from "./service-harness.ts";

export interface SteadyLoadOptions {
  /** Base URL of the API process the gateway posts to (one picked per update, in turn). */
  urls: () => readonly string[];
  botName: string;
  internalKey: string;
  rate: number;
  chats: number;
  /** First update_id (and chat id), so two loads never share one. */
  base: number;
}

export interface SteadyLoad {
  /** Stops sending; resolves once every request sent has its answer. */
  stop(): Promise<void>;
  sent: number;
  /** Statuses other than 200, and network errors, in order. */
  problems: string[];
  /** Texts each chat was sent, in order. */
  expected: Map<number, string[]>;
}

export function startSteadyLoad(options: SteadyLoadOptions): SteadyLoad {
  const load: SteadyLoad = { stop: async () => undefined, sent: 0, problems: [], expected: new Map() };
  const chats = Array.from({ length: options.chats }, (_, i) => options.base + i);
  const chains = new Map<number, Promise<void>>(chats.map((chat) => [chat, Promise.resolve()]));
  let stopped = false;
  let tick = 0;
  const post = async (chat: number, updateId: number, text: string): Promise<void> => {
    const urls = options.urls();
    const url = urls[updateId % urls.length] ?? "";
    try {
      const response = await fetch(`${url}/internal/update`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-internal-key": options.internalKey },
        body: JSON.stringify({ bot_name: options.botName, update: textUpdate(updateId, chat, text) }),
      });
      await response.arrayBuffer();
      if (response.status !== 200) load.problems.push(`${text}: HTTP ${response.status}`);
    } catch (error) {
      load.problems.push(`${text}: ${(error as Error).message}`);
    }
  };
  const timer = setInterval(() => {
    if (stopped) return;
    const chat = chats[tick % chats.length] ?? options.base;
    const n = Math.floor(tick / chats.length);
    const updateId = options.base * 1000 + tick;
    tick++;
    const text = `${chat}-${n}`;
    const list = load.expected.get(chat) ?? [];
    list.push(text);
    load.expected.set(chat, list);
    load.sent++;
    // One request at a time per chat: the next waits for the answer to the one before.
    chains.set(chat, (chains.get(chat) ?? Promise.resolve()).then(() => post(chat, updateId, text)));
  }, 1000 / options.rate);
  load.stop = async () => {
    stopped = true;
    clearInterval(timer);
    await Promise.all(chains.values());
  };
  return load;
}

/** Chats whose replies (texts ending in each sent text, once each) are not the sent ones in order; empty when all are. */
export function outOfOrderChats(standIn: BotApiStandIn, load: SteadyLoad, reply: (text: string) => string): string[] {
  const wrong: string[] = [];
  for (const [chat, texts] of load.expected) {
    const got = standIn.sentMessages({ chatId: chat }).map((m) => m.text);
    const want = texts.map(reply);
    if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`chat ${chat}: got ${got.length} replies, expected ${want.length}; first difference at ${got.findIndex((t, i) => t !== want[i])}`);
  }
  return wrong;
}
