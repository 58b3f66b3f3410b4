import { spawnSync } from "node:child_process";
import { startRedisCluster } from "./src/testing/redis-cluster.ts";
const cluster = await startRedisCluster();
console.log("cluster", cluster.url);
const r = spawnSync("npm", ["run", "bench", "--", ...process.argv.slice(2)], { stdio: "inherit", env: { ...process.env, BENCH_REDIS_URL: cluster.url, BENCH_REDIS_CLUSTER: "true" } });
await cluster.stop();
process.exit(r.status ?? 1);
