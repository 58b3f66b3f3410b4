/**
 * `npm run bots -- <command>`: the operator's command line. Each command lives in its own module;
 * this file only parses arguments and dispatches.
 */
import { parseArgs } from "node:util";
import { readServiceEnv } from "../settings/read-env.ts";
import { parseServiceConfig, type ServiceConfig } from "../config/service-config.ts";
import { ConfigError } from "../errors/config-error.ts";
import { formatBotListing, listBots } from "./list-bots.ts";
import { registerBotModuleResolver } from "../bots/register-bot-module-resolver.ts";
import { JOBS_USAGE, runJobsCommand } from "../queue/cli/jobs-command.ts";
import { WEBHOOK_USAGE, runWebhookCommand } from "../gateway/webhook-cli.ts";
import { RELOAD_USAGE, runReloadCommand } from "../fleet/reload-command.ts";
import { STATUS_USAGE, runStatusCommand } from "./fleet-status.ts";

const USAGE = `Usage: npm run bots -- <command> [options]

Commands:
  list [--json]          discovered bots, handler files in mount order, fallback or echo, load errors,
                         and each folder's live state when the service of this BOTS_DIR runs
${STATUS_USAGE}
${RELOAD_USAGE}
${JOBS_USAGE}
${WEBHOOK_USAGE}
`;

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Runs one command; returns the exit code. */
export async function runCli(argv: readonly string[], env: Record<string, string | undefined>, io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  let config: ServiceConfig;
  try {
    config = parseServiceConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(error.message);
      return 1;
    }
    throw error;
  }
  try {
    return await runCommand(command, rest, config, io);
  } catch (error) {
    // A setting to fix (BOTS_DIR missing, say) is one line, not a stack.
    if (error instanceof ConfigError) {
      io.err(error.message);
      return 1;
    }
    throw error;
  }
}

async function runCommand(command: string | undefined, rest: string[], config: ServiceConfig, io: CliIo): Promise<number> {
  switch (command) {
    case "list": {
      const { values } = parseArgs({ args: rest, options: { json: { type: "boolean", default: false } } });
      const listing = await listBots(config);
      io.out(values.json === true ? JSON.stringify(listing, null, 2) : formatBotListing(listing, config.BOTS_DIR));
      // Non-zero when a folder did not load, so `bots list` can gate a deploy.
      return listing.failed.length === 0 ? 0 : 1;
    }
    case "status":
      return runStatusCommand(rest, config, io);
    case "jobs":
      return runJobsCommand(rest, config, io);
    case "reload":
      return runReloadCommand(rest, config, io);
    case "webhook":
      return runWebhookCommand(rest, config, io);
    case undefined:
    case "help":
    case "--help":
      io.out(USAGE);
      return command === undefined ? 1 : 0;
    default:
      io.err(`Unknown command "${command}".\n\n${USAGE}`);
      return 1;
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ""}`) {
  const env = readServiceEnv();
  registerBotModuleResolver(env.BOTS_DIR ?? "./bots");
  const code = await runCli(process.argv.slice(2), env, {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  });
  process.exitCode = code;
}
