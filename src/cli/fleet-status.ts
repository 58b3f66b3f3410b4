/**
 * `npm run bots -- status [--json] [--url URL]`: the live fleet of a running service, read from its
 * admin API (`GET /admin/api/fleet`, ADMIN_TOKEN as the Bearer token), as a table: the service's
 * mode, uptime, backlog and workers, then each bot folder with its state, version, activity of the
 * last minutes and its failure or last error (scrubbed by the service).
 */
import { parseArgs } from "node:util";
import { ACTIVITY_MINUTES } from "../admin/bot-activity.ts";
import type { AdminBot, AdminFleet } from "../admin/fleet-report.ts";

export const STATUS_USAGE = `  status [--json] [--url URL]
                         the live fleet of the running service, from its admin API (needs ADMIN_TOKEN;
                         URL defaults to http://INTERNAL_BOT_API_IP:INTERNAL_BOT_API_PORT)`;

export interface StatusIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const TIMEOUT_MS = 5_000;

export function defaultServiceUrl(host: string, port: number): string {
  const address = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "[::1]" : host.includes(":") ? `[${host}]` : host;
  return `http://${address}:${port}`;
}

function table(rows: readonly string[][]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join("\n");
}

function shorten(text: string, max = 60): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

function problemOf(bot: AdminBot): string {
  if (bot.failure !== undefined) return shorten(`${bot.failure.code} ${bot.failure.file ?? ""}: ${bot.failure.reason}`);
  return bot.last_error === undefined ? "" : shorten(`last error: ${bot.last_error.message}`);
}

export function formatFleetStatus(fleet: AdminFleet, url: string): string {
  const s = fleet.service;
  const numberOf = (value: number | null | undefined): string => (value === null || value === undefined ? "n/a" : String(value));
  const head = [
    `Service ${url}: ${s.mode} mode (${s.bot_mode}), version ${s.version}, up ${s.uptime_seconds} s`,
    `backlog ${numberOf(s.backlog)}, in flight ${numberOf(s.in_flight)}${s.workers === undefined ? "" : `, workers ${numberOf(s.workers)}`}`,
  ];
  const minutes = fleet.bots[0]?.activity.window_minutes ?? ACTIVITY_MINUTES;
  const rows = [
    ["FOLDER", "NAME", "STATE", "VERSION", "CHANGED AT", `ACCEPTED ${minutes}M`, `HANDLED ${minutes}M`, `FAILED ${minutes}M`, "PROBLEM"],
    ...fleet.bots.map((b) => [b.folder, b.name ?? "", b.state, numberOf(b.version), b.changed_at, String(b.activity.accepted), numberOf(b.activity.handled), numberOf(b.activity.failed), problemOf(b)]),
  ];
  const failed = fleet.failed_updates === undefined ? [] : [`Failed updates in Redis: ${fleet.failed_updates.length}${fleet.failed_updates.length === 0 ? "" : " (npm run bots -- jobs failed)"}`];
  return [...head, "", table(rows), ...failed].join("\n");
}

/** Runs `status`; returns the exit code. */
export async function runStatusCommand(args: readonly string[], config: { ADMIN_TOKEN?: string; INTERNAL_BOT_API_IP: string; INTERNAL_BOT_API_PORT: number }, io: StatusIo): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { json: { type: "boolean", default: false }, url: { type: "string" } } });
  const url = (values.url ?? defaultServiceUrl(config.INTERNAL_BOT_API_IP, config.INTERNAL_BOT_API_PORT)).replace(/\/+$/, "");
  const token = config.ADMIN_TOKEN;
  if (token === undefined) {
    io.err("status reads the service's admin API: set ADMIN_TOKEN (the service's own) in the environment or .env");
    return 1;
  }
  let response: Response;
  try {
    response = await fetch(`${url}/admin/api/fleet`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    io.err(`No service answers at ${url} (${error instanceof Error ? error.message : String(error)}); is it running? Give its address with --url`);
    return 1;
  }
  if (response.status === 401) {
    io.err(`The service at ${url} refused ADMIN_TOKEN: it is not the token the service was started with`);
    return 1;
  }
  if (response.status === 404) {
    io.err(`The service at ${url} has no admin page: start it with ADMIN_TOKEN set`);
    return 1;
  }
  if (!response.ok) {
    io.err(`The service at ${url} answered ${response.status} to GET /admin/api/fleet`);
    return 1;
  }
  const fleet = (await response.json()) as AdminFleet;
  io.out(values.json === true ? JSON.stringify(fleet, null, 2) : formatFleetStatus(fleet, url));
  return 0;
}
