/**
 * Ingest baseline: the least a server can do for `POST /internal/update` (read the body, parse
 * JSON, look up the bot, compare the key in constant time, answer `{"accepted":true}`), with
 * nothing behind it. The service's intake is measured against this.
 *
 *   node bench/baselines/bare-ingest-server.ts <manifest.json>   prints {"listening": url}
 */
import { timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { readManifest } from "../lib/bot-farm.ts";

const keys = new Map<string, Buffer>();
for (const bot of readManifest(process.argv[2] ?? "")) keys.set(bot.name, Buffer.from(bot.key));
const ACCEPTED = JSON.stringify({ accepted: true });

function answer(res: import("node:http").ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    let body: { bot_name?: unknown; update?: { update_id?: unknown } };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as typeof body;
    } catch {
      answer(res, 400, '{"error":"MALFORMED_JSON"}');
      return;
    }
    const expected = typeof body.bot_name === "string" ? keys.get(body.bot_name) : undefined;
    if (expected === undefined) return answer(res, 404, '{"error":"UNKNOWN_BOT"}');
    const presented = Buffer.from(String(req.headers["x-internal-key"] ?? ""));
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return answer(res, 403, '{"error":"WRONG_INTERNAL_KEY"}');
    answer(res, 200, ACCEPTED);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  process.stdout.write(`${JSON.stringify({ listening: `http://127.0.0.1:${address.port}` })}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
