/**
 * bull-board (`@bull-board/fastify`) for queue mode: every partition of `telegram_updates` and
 * `drf_save`, as a Fastify plugin for `/admin/queues` (admin-routes.ts mounts it behind the admin
 * auth). Chosen over a queue browser of our own: it lists, inspects, retries and cleans jobs of
 * BullMQ queues and is maintained beside BullMQ.
 */
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { FastifyAdapter } from "@bull-board/fastify";
import type { FastifyPluginCallback } from "fastify";
import type { QueueSet } from "../queue/update-queues.ts";

export const QUEUE_BOARD_PATH = "/admin/queues";

export function queueBoard(queues: QueueSet): FastifyPluginCallback {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({ queues: queues.all().map((queue) => new BullMQAdapter(queue)), serverAdapter, options: { uiConfig: { boardTitle: "clustered-bots" } } });
  return serverAdapter.registerPlugin();
}
