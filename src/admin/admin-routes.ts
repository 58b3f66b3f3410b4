/**
 * `/admin` as a Fastify plugin, registered only when ADMIN_TOKEN is set: the page (`GET /admin`,
 * HTTP Basic), its JSON API (`GET /admin/api/fleet`, `POST /admin/api/bots/:folder/reload`,
 * `POST /admin/api/failed/:id/retry` in queue mode; Bearer or Basic) and, in queue mode,
 * bull-board under `/admin/queues` (Basic). One onRequest hook of this plugin's own context guards
 * all of them; routes outside it never see it.
 */
import { randomBytes } from "node:crypto";
import type { FastifyPluginAsync, FastifyPluginCallback, FastifyRequest } from "fastify";
import { RequestError } from "../errors/request-error.ts";
import { AdminAuth } from "./admin-auth.ts";
import { renderAdminPage } from "./admin-page.ts";
import type { AdminFleet } from "./fleet-report.ts";

/** What a retry did, as `jobs retry` reports it. */
export interface AdminRetryResult {
  retried: string[];
  notFound: string[];
  redelivered: string[];
}

export interface AdminRoutesOptions {
  token: string;
  report: () => Promise<AdminFleet>;
  /** Folders of BOTS_DIR the registry knows (only those can be reloaded from here). */
  folders: () => readonly string[];
  /** Loads one folder again; says what happened (embedded: done; queue mode: requested of every process). */
  reload: (folder: string) => Promise<Record<string, unknown>>;
  /** Queue mode: runs one failed job again. */
  retry?: (id: string) => Promise<AdminRetryResult>;
  /** Queue mode: bull-board's plugin, mounted under /admin/queues. */
  queueBoard?: FastifyPluginCallback;
}

/** A POST from the page's script carries JSON: a cross-site form (which a browser would send with the cached Basic credentials) cannot. */
function requireJson(request: FastifyRequest): void {
  const type = request.headers["content-type"] ?? "";
  if (!type.toLowerCase().startsWith("application/json")) throw new RequestError("UNSUPPORTED_MEDIA_TYPE", "send the admin API's POSTs with content-type application/json (a body of {} will do)");
}

/** Everything a browser needs to run the page, nothing more: its own inline script (by nonce), styles, same-origin fetches. */
function pagePolicy(nonce: string): string {
  return `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'`;
}

export const adminRoutes: FastifyPluginAsync<AdminRoutesOptions> = async (app, options) => {
  const auth = new AdminAuth(options.token);
  app.addHook("onRequest", async (request, reply) => {
    // Bearer is for scripts (the JSON API); a browser's page and bull-board use Basic.
    auth.check(request, reply, request.url.startsWith("/admin/api/"));
    void reply.header("cache-control", "no-store");
  });

  app.get("/admin", async (_request, reply) => {
    const nonce = randomBytes(16).toString("base64");
    const html = renderAdminPage(await options.report(), nonce);
    return reply.type("text/html; charset=utf-8").header("content-security-policy", pagePolicy(nonce)).header("x-content-type-options", "nosniff").send(html);
  });

  app.get("/admin/api/fleet", async () => options.report());

  app.post<{ Params: { folder: string } }>("/admin/api/bots/:folder/reload", async (request) => {
    requireJson(request);
    const { folder } = request.params;
    if (!options.folders().includes(folder)) throw new RequestError("NOT_FOUND", `no bot folder ${JSON.stringify(folder)} in BOTS_DIR`);
    request.log.info({ folder }, "admin page: reload of a bot folder requested");
    return { folder, ...(await options.reload(folder)) };
  });

  const retry = options.retry;
  if (retry !== undefined) {
    app.post<{ Params: { id: string } }>("/admin/api/failed/:id/retry", async (request) => {
      requireJson(request);
      const { id } = request.params;
      const result = await retry(id);
      if (result.notFound.length > 0) throw new RequestError("NOT_FOUND", `no failed job ${JSON.stringify(id)} (retried already, or removed)`);
      request.log.info({ job: id, redelivered: result.redelivered.length > 0 }, "admin page: failed update retried");
      return { id, ...result };
    });
  }

  if (options.queueBoard !== undefined) await app.register(options.queueBoard, { prefix: "/admin/queues" });
};
