/** `GET /metrics`, the Prometheus page, as a Fastify plugin (registered only when METRICS is on). */
import type { FastifyPluginAsync } from "fastify";
import type { ServiceMetrics } from "./service-metrics.ts";

export const metricsRoute: FastifyPluginAsync<{ metrics: ServiceMetrics }> = async (app, { metrics }) => {
  app.get("/metrics", async (_request, reply) => {
    const { contentType, body } = await metrics.page();
    return reply.type(contentType).send(body);
  });
};
