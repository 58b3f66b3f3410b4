import { spawnSync } from "node:child_process";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { engineNodeArgs } from "../boot/engine-node-args.ts";
import { PROJECT_ROOT } from "../testing/bot-fixtures.ts";
import { buildApp } from "./build-app.ts";

const settings = { BODY_LIMIT_BYTES: 1_000_000 };

describe("Fastify's schema compilers, loaded on first use", () => {
  it("still validate a route's body and serialize its response schema", async () => {
    const app = buildApp({ logger: pino({ level: "silent" }), settings, isClosing: () => false });
    app.post(
      "/typed",
      {
        schema: {
          body: { type: "object", required: ["n"], properties: { n: { type: "integer" } } },
          response: { 200: { type: "object", properties: { n: { type: "integer" } } } },
        },
      },
      async (request) => ({ ...(request.body as { n: number }), secret: "dropped by the response schema" }),
    );
    const bad = await app.inject({ method: "POST", url: "/typed", payload: { n: "seven" } });
    expect(bad.statusCode).toBe(400);
    const good = await app.inject({ method: "POST", url: "/typed", payload: { n: 7 } });
    expect(good.statusCode).toBe(200);
    expect(good.json()).toEqual({ n: 7 });
    await app.close();
  });

  it("are not loaded by an app whose routes declare no schema", () => {
    // A process of its own: this test's worker may have loaded them for another test file.
    const script = `
      import { createRequire } from "node:module";
      import pino from "pino";
      import { buildApp } from "./src/http/build-app.ts";
      const compilers = () => Object.keys(createRequire(import.meta.url).cache).filter((file) => /node_modules\\/(ajv|@fastify\\/ajv-compiler|@fastify\\/fast-json-stringify-compiler)\\//.test(file)).length;
      const build = () => buildApp({ logger: pino({ level: "silent" }), settings: { BODY_LIMIT_BYTES: 1000 }, isClosing: () => false });
      const plain = build();
      plain.post("/plain", async () => ({ accepted: true }));
      const status = (await plain.inject({ method: "POST", url: "/plain", payload: {} })).statusCode;
      const before = compilers();
      // The control: a route with a schema loads them, so the count above can see them.
      const typed = build();
      typed.post("/typed", { schema: { body: { type: "object" } } }, async () => ({}));
      await typed.ready();
      console.log(JSON.stringify({ status, before, after: compilers() > 0 }));
      await plain.close();
      await typed.close();`;
    const result = spawnSync(process.execPath, [...engineNodeArgs(), "--input-type=module", "-e", script], { cwd: PROJECT_ROOT, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } });
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout.trim())).toEqual({ status: 200, before: 0, after: true });
  });
});
