/**
 * The running service's fleet, as its /readyz tells it, for `bots list`: read only when the
 * service answers at its configured address within a second and serves this BOTS_DIR (a service
 * of another folder on the same port is not mistaken for it).
 */
import path from "node:path";
import type { FleetState } from "../bots/folder-entry.ts";

export interface LiveFolder {
  folder: string;
  name: string | undefined;
  state: FleetState;
  changed_at: string;
  version: number | undefined;
  failure?: { code: string; file: string | undefined; reason: string };
}

export interface LiveFleet {
  url: string;
  fleet: LiveFolder[];
}

export async function readLiveFleet(host: string, port: number, botsDir: string): Promise<LiveFleet | undefined> {
  if (port === 0) return undefined;
  const address = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "[::1]" : host.includes(":") ? `[${host}]` : host;
  const url = `http://${address}:${port}`;
  try {
    const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
    const body = (await response.json()) as { bots_dir?: unknown; fleet?: unknown };
    if (body.bots_dir !== path.resolve(botsDir) || !Array.isArray(body.fleet)) return undefined;
    return { url, fleet: body.fleet as LiveFolder[] };
  } catch {
    return undefined;
  }
}
