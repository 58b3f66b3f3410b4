/**
 * What to tell an operator when the HTTP API cannot listen: which address and port, why in
 * words, and which settings choose them; instead of a bare `listen EADDRINUSE` with a stack.
 */
import { ConfigError } from "../errors/config-error.ts";

export interface ListenTarget {
  host: string;
  port: number;
  /** The settings that choose host and port (INTERNAL_BOT_API_IP / INTERNAL_BOT_API_PORT, say). */
  hostSetting: string;
  portSetting: string;
}

const REASONS: Record<string, string> = {
  EADDRINUSE: "another process already listens there",
  EADDRNOTAVAIL: "no network interface of this machine has that address",
  EACCES: "this user may not listen on that port (ports below 1024 need privileges)",
  ENOTFOUND: "the host name does not resolve",
};

/** A ConfigError for a listen error whose cause is the setting; undefined for any other error. */
export function listenConfigError(error: unknown, target: ListenTarget): ConfigError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  const reason = typeof code === "string" ? REASONS[code] : undefined;
  if (reason === undefined) return undefined;
  return new ConfigError(
    `cannot listen on ${target.host}:${target.port} (${String(code)}): ${reason}; set ${target.hostSetting} / ${target.portSetting} to a free address and port (port 0 picks any free one)`,
  );
}
