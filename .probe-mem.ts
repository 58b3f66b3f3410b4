import { createBotFarm } from "./bench/lib/bot-farm.ts";
import { startService, startStandIn, waitBotsReady } from "./bench/lib/systems.ts";
import { residentBytes } from "./bench/lib/processes.ts";
const n = Number(process.argv[2] ?? 2000);
const farm = createBotFarm(n);
const standIn = await startStandIn();
const t = performance.now();
const s = await startService(farm, standIn.client.apiRoot, { timeoutMs: 600_000, nodeFlags: process.argv.slice(3), env: process.env.WATCH === undefined ? {} : { BOTS_WATCH: process.env.WATCH } });
await waitBotsReady(s.url, n, 600_000);
const readyS = (performance.now() - t) / 1000;
await new Promise((r) => setTimeout(r, 2000));
const m = await (await fetch(`${s.url}/metrics`)).text();
const pick = (name: string) => Number(new RegExp(`^${name} (\\S+)`, "m").exec(m)?.[1]);
console.log(JSON.stringify({ bots: n, readyS, rssMB: residentBytes(s.child.pid as number) / 1e6, heapUsedMB: pick("nodejs_heap_size_used_bytes") / 1e6, heapTotalMB: pick("nodejs_heap_size_total_bytes") / 1e6, externalMB: pick("nodejs_external_memory_bytes") / 1e6 }));
if (process.env.SNAP) { process.kill(s.child.pid as number, "SIGUSR2"); await new Promise((r) => setTimeout(r, 15000)); }
await s.child.stop(); await standIn.child.stop(); farm.cleanup();
