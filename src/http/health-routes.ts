/** `GET /healthz` (the process answers) and `GET /readyz` (bots loaded; counts and failures, no secrets). */
import type { FastifyInstance } from "fastify";
import type { BotRegistry } from "../bots/bot-registry.ts";
import type { UpdateIntake } from "./update-intake.ts";

export interface HealthRoutesOptions {
  registry: BotRegistry;
  intake: UpdateIntake;
  /** Extra readiness facts (queue mode adds Redis). */
  extra?: () => Record<string, unknown>;
  /** A load error's message may quote a secret (config.ts throwing with its key, say). */
  scrub?: (text: string) => string;
}

export function registerHealthRoutes(app: FastifyInstance, options: HealthRoutesOptions): void {
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    const ready = !options.intake.closed;
    const counts = options.registry.counts();
    return reply.code(ready ? 200 : 503).send({
      ready,
      shutting_down: options.intake.closed,
      bots: counts,
      failed: options.registry.failures().map((f) => ({ folder: f.folder, name: f.name, code: f.code, file: f.file, reason: options.scrub === undefined ? f.reason : options.scrub(f.reason) })),
      ...options.extra?.(),
    });
  });
}
