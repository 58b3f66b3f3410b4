/**
 * Readiness that tells the truth in queue mode, over real processes and a private Redis: a worker
 * started with WORKER_HTTP_PORT answers /healthz and /readyz (Redis reachable, bots loaded,
 * partitions watched) and /metrics; the API's /readyz counts it and its /metrics shows what
 * waits in Redis. With Redis killed both say not ready (503)
 * while /healthz still answers; once Redis is back, both are ready again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simpleBot } from "../testing/bot-fixtures.ts";
import { postUpdate, startQueueDeployment, type QueueDeployment } from "../testing/queue-deployment.ts";
import { textUpdate } from "../testing/service-harness.ts";
import { redisSkipReason, startOwnRedis, type OwnRedis } from "../testing/redis.ts";
import type { ServiceProcess } from "../testing/service-process.ts";
import { until } from "../testing/until.ts";

const skipReason = await redisSkipReason();

interface Ready {
  status: number;
  body: { ready: boolean; bots: { loaded: number }; queue?: { redis: string; workers?: number }; worker?: { redis: string; partitions?: number[]; of?: number } };
}

async function readyz(process: ServiceProcess): Promise<Ready> {
  const response = await fetch(`${process.url}/readyz`);
  return { status: response.status, body: (await response.json()) as Ready["body"] };
}

describe.skipIf(skipReason !== undefined)(`readiness in queue mode${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`, () => {
  let redis: OwnRedis;
  let d: QueueDeployment;
  beforeAll(async () => {
    redis = await startOwnRedis();
    d = await startQueueDeployment({ redisUrl: redis.url, bots: { a: simpleBot("Probed") }, apis: 1, workers: 1, env: { WORKER_HTTP_PORT: "0" } });
  });
  afterAll(async () => {
    await d?.close();
    await redis?.stop();
  });

  it("reports the worker ready with its partitions, the API ready with one live worker, and both not ready without Redis", async () => {
    const [api] = d.apis as [ServiceProcess];
    const [worker] = d.workers as [ServiceProcess];
    expect(worker.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${worker.url}/healthz`)).status).toBe(200);
    const workerReady = await until(async () => {
      const answer = await readyz(worker);
      return answer.status === 200 ? answer : undefined;
    });
    expect(workerReady.body).toMatchObject({ ready: true, bots: { loaded: 1 }, worker: { redis: "reachable", of: 8 } });
    expect(workerReady.body.worker?.partitions).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(await until(async () => ((await readyz(api)).body.queue?.workers === 1 ? true : undefined))).toBe(true);

    // Metrics on both sides: the API counts what it took and what waits in Redis, the worker what it handled.
    expect((await postUpdate(api, "Probed", textUpdate(1, 5, "hi"))).status).toBe(200);
    await d.standIn.waitFor((s) => s.sentMessages().length === 1);
    const apiPage = await (await fetch(`${api.url}/metrics`)).text();
    expect(apiPage).toMatch(/^clustered_bots_updates_accepted_total\{bot="Probed"\} 1$/m);
    expect(apiPage).toMatch(/^clustered_bots_queue_workers 1$/m);
    expect(apiPage).toMatch(/^clustered_bots_queue_jobs\{queue="telegram_updates",state="waiting"\} \d+$/m);
    const workerPage = await until(async () => {
      const text = await (await fetch(`${worker.url}/metrics`)).text();
      return /^clustered_bots_updates_processed_total\{bot="Probed",status="success"\} 1$/m.test(text) ? text : undefined;
    });
    expect(workerPage).toMatch(/^clustered_bots_in_flight_updates 0$/m);

    await redis.kill();
    const apiDown = await until(async () => {
      const answer = await readyz(api);
      return answer.status === 503 ? answer : undefined;
    });
    expect(apiDown.body).toMatchObject({ ready: false, queue: { redis: "unreachable" } });
    const workerDown = await until(async () => {
      const answer = await readyz(worker);
      return answer.status === 503 ? answer : undefined;
    });
    expect(workerDown.body).toMatchObject({ ready: false, worker: { redis: "unreachable" } });
    expect((await fetch(`${worker.url}/healthz`)).status).toBe(200);

    await redis.restart();
    await until(async () => ((await readyz(api)).status === 200 && (await readyz(worker)).status === 200 ? true : undefined), 30_000);
  });
});
