/**
 * Runs a Bot API stand-in as its own process, for the demo, benchmarks and tests that start the
 * service as a separate process and need a Telegram to point it at:
 *
 *   node --import tsx src/testing/bot-api-stand-in/main.ts [--port N] [--host H] [--latency-ms N]
 *
 * Prints exactly one JSON line, `{"apiRoot":"http://127.0.0.1:N"}`, once listening, so a parent can
 * read the ephemeral port from stdout; it is driven afterwards through the `/__stand-in/` control
 * API. Exits 0 on SIGTERM/SIGINT after closing every connection. Nothing else is printed: requests
 * carry bot tokens in their URLs, and those are secrets even in tests.
 */

import { parseArgs } from "node:util";
import { startBotApiStandIn, type BotApiStandInOptions } from "./bot-api-stand-in.ts";

/** close() destroys every socket, so it should be quick; this only guards against a surprise. */
const SHUTDOWN_TIMEOUT_MS = 5000;

function parseNumber(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    process.stderr.write(`bot-api-stand-in: --${name} must be a non-negative integer, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "latency-ms": { type: "string" },
    },
    strict: true,
  });
  const options: BotApiStandInOptions = {};
  const port = parseNumber("port", values.port);
  const latencyMs = parseNumber("latency-ms", values["latency-ms"]);
  if (port !== undefined) options.port = port;
  if (latencyMs !== undefined) options.latencyMs = latencyMs;
  if (values.host !== undefined) options.host = values.host;

  const standIn = await startBotApiStandIn(options);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      process.stderr.write("bot-api-stand-in: close() did not finish in time\n");
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    standIn.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`bot-api-stand-in: close failed: ${error instanceof Error ? error.message : "unknown"}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);

  process.stdout.write(`${JSON.stringify({ apiRoot: standIn.apiRoot })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bot-api-stand-in: ${error instanceof Error ? error.message : "failed to start"}\n`);
  process.exit(1);
});
