/**
 * Per-bot concurrency that uses the capacity that is free: with no cap of its own (the default), one
 * bot whose handlers wait on a slow service runs as many updates at once as the process has free
 * slots; with a cap it stays under it; and a second bot arriving while the first holds most slots
 * gets a slot as soon as one frees up (the bots take turns). Measured by handlers that wait until
 * a given number of them run at once (or give up), never by elapsed time, and by a gate the test
 * opens (the service runs in this process), never by how fast its requests go.
 */
import { afterEach, describe, expect, it } from "vitest";
import { composerSource, simpleBot } from "../testing/bot-fixtures.ts";
import { startTestService, textUpdate, type TestService } from "../testing/service-harness.ts";

const running: TestService[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.close()));
});

/** While set, every update of the slow bot waits for it before it counts itself. */
const GATE = "__slotSharingGate";
const gates = globalThis as { [GATE]?: Promise<void> };

/**
 * "<target>:<label>[:<give up ms>]": waits until `target` updates of this bot run at once (or it
 * gives up, after 20 s by default), then replies "<label> max=<most seen at once>".
 */
const gathering = composerSource(`let now = 0;
let most = 0;
const waiting = [];
c.on("message:text", async (ctx) => {
  await globalThis.${GATE};
  const [target, label, giveUp] = ctx.message.text.split(":");
  now++;
  most = Math.max(most, now);
  if (now >= Number(target)) for (const wake of waiting.splice(0)) wake();
  else await new Promise((r) => { waiting.push(r); setTimeout(r, Number(giveUp ?? 20000)); });
  now--;
  await ctx.reply(label + " max=" + most);
});`);

async function start(env: Record<string, string | number>): Promise<TestService> {
  const t = await startTestService({ bots: { s: simpleBot("Slow", { "a.ts": gathering }), q: simpleBot("Quick") }, env: { FLOOD_CONTROL: "true", ...env } });
  running.push(t);
  return t;
}

describe("slots shared between bots", () => {
  it("lets one bot run 120 slow updates at once when the process is otherwise idle, with flood control on", async () => {
    const t = await start({});
    for (let chat = 1; chat <= 120; chat++) expect((await t.postUpdate("Slow", textUpdate(chat, chat, `120:c${chat}`))).status).toBe(200);
    await t.idle();
    const replies = t.standIn.sentMessages().map((m) => m.text);
    expect(replies).toHaveLength(120);
    expect(replies.every((text) => text.endsWith(" max=120"))).toBe(true);
  });

  it("keeps a bot under BOT_CONCURRENCY when one is set", async () => {
    const t = await start({ BOT_CONCURRENCY: 8 });
    for (let chat = 1; chat <= 8; chat++) await t.postUpdate("Slow", textUpdate(chat, chat, `8:c${chat}`));
    // Waits for a ninth that never comes, and gives up.
    await t.postUpdate("Slow", textUpdate(9, 9, "9:over:300"));
    await t.idle();
    expect(t.standIn.sentMessages().map((m) => m.text).sort()).toEqual([...Array.from({ length: 8 }, (_, i) => `c${i + 1} max=8`), "over max=8"].sort());
  });

  it("gives another bot the next slot that frees up while one bot holds the rest", async () => {
    const t = await start({ PROCESSING_CONCURRENCY: 4 });
    // Slow fills every slot and has more waiting, held at the gate until Quick's update is in; then
    // its updates gather four at once and end together.
    let open = () => {};
    gates[GATE] = new Promise<void>((resolve) => (open = resolve));
    try {
      for (let chat = 1; chat <= 8; chat++) await t.postUpdate("Slow", textUpdate(chat, chat, `4:s${chat}`));
      await t.postUpdate("Quick", textUpdate(1, 100, "my turn"));
    } finally {
      open();
      delete gates[GATE];
    }
    await t.idle();
    const order = t.standIn.sentMessages().map((m) => m.text);
    // Quick ran in the first slots freed, ahead of Slow's second four.
    expect(order.indexOf("Echo from Quick: my turn")).toBeLessThan(order.findIndex((text) => /^s[5-8] /.test(text)));
  });
});
