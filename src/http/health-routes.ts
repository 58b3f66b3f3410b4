/** `GET /healthz` (the process answers) and `GET /readyz` (bots loaded; counts and failures, no secrets), as a Fastify plugin. */
import type { FastifyPluginAsync } from "fastify";
import type { BotRegistry } from "../bots/bot-registry.ts";

export interface HealthRoutesOptions {
  registry: BotRegistry;
  /** True once shutdown began. */
  isClosing: () => boolean;
  /** Extra readiness facts (queue mode adds Redis). */
  extra?: () => Record<string, unknown>;
  /** A load error's message may quote a secret (config.ts throwing with its key, say). */
  scrub: (text: string) => string;
}

export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, options) => {
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    const closing = options.isClosing();
    return reply.code(closing ? 503 : 200).send({
      ready: !closing,
      shutting_down: closing,
      bots: options.registry.counts(),
      failed: options.registry.failures().map((f) => ({ folder: f.folder, name: f.name, code: f.code, file: f.file, reason: options.scrub(f.reason) })),
      ...options.extra?.(),
    });
  });
};
