/**
 * Runs a queue-mode worker (`npm run worker`, i.e. src/worker-main.ts) as a real child
 * process, for tests that kill it (SIGKILL mid-update), drain it (SIGTERM) and read its logs.
 */
import { spawnService, type ServiceProcess } from "./service-process.ts";

export interface SpawnWorkerOptions {
  env: Record<string, string>;
  /** `--queues` value; unset: every queue. */
  queues?: string;
  timeoutMs?: number;
}

export function spawnWorker(options: SpawnWorkerOptions): Promise<ServiceProcess> {
  return spawnService({
    env: options.env,
    entry: "src/worker-main.ts",
    args: options.queues === undefined ? [] : ["--queues", options.queues],
    startedMessage: "worker started",
    timeoutMs: options.timeoutMs,
  });
}
