/**
 * What every long-running entry point (service, worker, gateway) does around its work: read the
 * config or exit 1 naming the bad variable, log a crash before exiting, keep a bot's stray promise
 * from taking the process down, and drain once on SIGTERM/SIGINT, however often the signal comes
 * (to the process and to its whole group, or forwarded by npm), then close the log and exit 0;
 * with LOG_ROTATE off, reopen the log file on SIGHUP.
 */
import type { Logger } from "pino";
import { readServiceEnvWithSources } from "../settings/read-env.ts";
import { parseServiceConfig, type ServiceConfig } from "../config/service-config.ts";
import { ConfigError } from "../errors/config-error.ts";

export function failStart(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

export function loadConfigOrExit(): ServiceConfig {
  try {
    const { env, sources } = readServiceEnvWithSources();
    return parseServiceConfig(env, sources);
  } catch (error) {
    if (error instanceof ConfigError) failStart(error.message);
    throw error;
  }
}

export function installCrashHandlers(logger: Logger, flush: () => void): void {
  process.on("uncaughtException", (error) => {
    logger.fatal({ err: error }, "uncaught exception, exiting");
    flush();
    process.exit(1);
  });
  process.on("unhandledRejection", (reason) => {
    // A bot's stray promise must not take every other bot down with it.
    logger.error({ err: reason }, "unhandled promise rejection");
  });
}

/**
 * On the first SIGTERM/SIGINT runs `stop`, then closes the log (every line written out, the file
 * closed) and exits 0 (1 if `stop` failed).
 */
export function exitOnSignals(options: { logger: Logger; closeLog: () => Promise<void>; stop: () => Promise<void> }): void {
  const { logger } = options;
  let stopping = false;
  const exit = (code: number) => {
    const leave = () => process.exit(code);
    options.closeLog().then(leave, leave);
  };
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      // The same signal often arrives twice (to the group and forwarded by npm): keep draining.
      logger.info({ signal }, "shutdown already in progress");
      return;
    }
    stopping = true;
    logger.info({ signal }, "signal received, shutting down");
    options.stop().then(
      () => exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        exit(1);
      },
    );
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

/**
 * With LOG_ROTATE off an outside tool rotates the log: logrotate moves `bots.log` and sends
 * SIGHUP (its `postrotate`), and the process goes on in a new `bots.log`. With rotation on
 * (`reopen` undefined) SIGHUP keeps its default.
 */
export function reopenLogOnHangup(logger: Logger, reopen: (() => void) | undefined): void {
  if (reopen === undefined) return;
  process.on("SIGHUP", () => {
    reopen();
    logger.info({ signal: "SIGHUP" }, "log file reopened");
  });
}
