/**
 * A private Redis Cluster for tests: three masters (`redis-server --cluster-enabled yes`) on free
 * ports, each with its own folder under one temporary directory, joined by
 * `redis-cli --cluster create` and ready once every node's `cluster info` says ok. `stop()` ends
 * those three servers (and nothing else) and deletes the folder. Without redis-server or
 * redis-cli the tests that need it are skipped with the reason, except under CI=true, where that
 * fails them (as redisSkipReason does for the shared Redis).
 */
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { createServer } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { freePort } from "./free-port.ts";
import { redisAnswers } from "./redis.ts";
import { until } from "./until.ts";

const run = promisify(execFile);

/** Hang guards for a busy machine, not speed limits. */
const START_TIMEOUT_MS = 30_000;
const CREATE_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

export interface ClusterNode {
  port: number;
  url: string;
}

export interface LocalRedisCluster {
  /** The first node: what REDIS_URL names with REDIS_CLUSTER=true (the others are discovered). */
  url: string;
  /** Every master, each holding a third of the slots. */
  nodes: readonly ClusterNode[];
  /** Ends the servers this helper started and deletes their folders. */
  stop(): Promise<void>;
}

function missingTool(tool: string): boolean {
  const probe = spawnSync(tool, ["--version"], { stdio: "ignore" });
  return probe.error !== undefined || probe.status !== 0;
}

/** Why the Redis Cluster tests cannot run here, or undefined. Throws under CI=true. */
export async function redisClusterSkipReason(): Promise<string | undefined> {
  const missing = ["redis-server", "redis-cli"].filter(missingTool);
  if (missing.length === 0) return undefined;
  const reason = `${missing.join(" and ")} not found on PATH (install Redis to run the Redis Cluster tests)`;
  if (process.env.CI === "true") throw new Error(`Redis Cluster tests need redis-server and redis-cli under CI=true: ${reason}`);
  return reason;
}

/** The major version of redis-server: 7 and newer take --cluster-port for the cluster bus. */
function redisServerMajor(): number {
  const out = spawnSync("redis-server", ["--version"], { encoding: "utf8" }).stdout;
  return Number(/v=(\d+)\./.exec(out)?.[1] ?? "0");
}

/** Whether `port` on 127.0.0.1 can be listened on right now. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** Distinct free ports: `count` for the clients, and for the cluster bus unless it is port+10000. */
async function clusterPorts(count: number, ownBusPort: boolean): Promise<Array<{ port: number; bus: number | undefined }>> {
  const taken = new Set<number>();
  const next = async (fits: (port: number) => boolean | Promise<boolean>): Promise<number> => {
    for (;;) {
      const port = await freePort();
      if (!taken.has(port) && (await fits(port))) {
        taken.add(port);
        return port;
      }
    }
  };
  const ports: Array<{ port: number; bus: number | undefined }> = [];
  for (let i = 0; i < count; i++) {
    if (ownBusPort) {
      ports.push({ port: await next(() => true), bus: await next(() => true) });
    } else {
      // Redis 6 listens for the cluster bus on port + 10000: both must be free.
      const port = await next(async (p) => p + 10_000 <= 65_535 && !taken.has(p + 10_000) && (await portIsFree(p + 10_000)));
      taken.add(port + 10_000);
      ports.push({ port, bus: undefined });
    }
  }
  return ports;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

async function clusterInfo(url: string): Promise<string> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    return String(await redis.cluster("INFO"));
  } catch {
    return "";
  } finally {
    redis.disconnect();
  }
}

/** Starts three masters, joins them into one cluster and waits until every node serves every slot. */
export async function startRedisCluster(masters = 3): Promise<LocalRedisCluster> {
  const base = mkdtempSync(path.join(os.tmpdir(), "cb-redis-cluster-"));
  const children: ChildProcess[] = [];
  // Should the test process end without stop() (a crash), the servers it started end with it.
  const killOnExit = () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  const stop = async () => {
    await Promise.all(children.map(stopChild));
    process.removeListener("exit", killOnExit);
    rmSync(base, { recursive: true, force: true });
  };
  const ports = await clusterPorts(masters, redisServerMajor() >= 7);
  const nodes = ports.map(({ port }) => ({ port, url: `redis://127.0.0.1:${port}` }));
  const logOf = (port: number) => path.join(base, String(port), "redis.log");
  try {
    for (const { port, bus } of ports) {
      const dir = path.join(base, String(port));
      mkdirSync(dir);
      const args = ["--port", String(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"];
      if (bus !== undefined) args.push("--cluster-port", String(bus));
      args.push("--dir", dir, "--logfile", logOf(port), "--save", "", "--appendonly", "no");
      children.push(spawn("redis-server", args, { stdio: "ignore" }));
    }
    for (const node of nodes) await until(() => redisAnswers(node.url, 200), START_TIMEOUT_MS, 50);
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
    await run("redis-cli", ["--cluster", "create", ...addresses, "--cluster-replicas", "0", "--cluster-yes"], { timeout: CREATE_TIMEOUT_MS });
    for (const node of nodes) {
      await until(
        async () => {
          const info = await clusterInfo(node.url);
          return info.includes("cluster_state:ok") && info.includes("cluster_slots_ok:16384") && info.includes(`cluster_known_nodes:${masters}`);
        },
        START_TIMEOUT_MS,
        50,
      );
    }
  } catch (error) {
    const logs = nodes.map((node) => {
      try {
        return `${node.port}: ${readFileSync(logOf(node.port), "utf8").split("\n").slice(-5).join(" | ")}`;
      } catch {
        return `${node.port}: no log`;
      }
    });
    await stop();
    throw new Error(`Redis Cluster did not start: ${error instanceof Error ? error.message : String(error)}; logs: ${logs.join("; ")}`, { cause: error });
  }
  return { url: nodes[0]?.url ?? "", nodes, stop };
}

/** The keys matching `pattern` on each node (in `cluster.nodes` order). */
export async function keysByNode(cluster: Pick<LocalRedisCluster, "nodes">, pattern: string): Promise<string[][]> {
  const result: string[][] = [];
  for (const node of cluster.nodes) {
    const redis = new Redis(node.url, { maxRetriesPerRequest: 1 });
    redis.on("error", () => undefined);
    try {
      const keys: string[] = [];
      let cursor = "0";
      do {
        const [next, found] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
        cursor = next;
        keys.push(...found);
      } while (cursor !== "0");
      result.push(keys);
    } finally {
      redis.disconnect();
    }
  }
  return result;
}
