/**
 * Fastify's schema compilers, loaded on first use. Fastify requires ajv and fast-json-stringify
 * (about 100 files) whenever it builds an instance and makes an ajv instance at `ready`: about
 * 70 ms of CPU per service start (860 against 930 ms to "service started", docs/performance.md).
 * Yet none of the service's own routes declares a schema: their bodies are checked by our own code
 * (validate-update-request.ts). Only a route with a validation or response schema makes Fastify
 * ask for a compiler, and then these builders load Fastify's own defaults (the copies Fastify
 * itself would require) and hand the call on, so such a route validates exactly as before.
 *
 * One difference, which no route here meets: Fastify takes these builders for custom ones, and
 * passes a `headers` schema to them as written instead of lower-casing its keys first.
 */
import { createRequire } from "node:module";
import type { FastifyServerOptions } from "fastify";

type Compilers = NonNullable<NonNullable<FastifyServerOptions["schemaController"]>["compilersFactory"]>;
type ValidatorFactory = NonNullable<Compilers["buildValidator"]>;
type SerializerFactory = NonNullable<Compilers["buildSerializer"]>;

/** `require` as Fastify's own files resolve it, so the compilers are the ones its version ships with. */
const fromFastify = createRequire(createRequire(import.meta.url).resolve("fastify"));

/** A builder that loads `module` (a function returning Fastify's builder) on its first call, then hands every call on. */
function onFirstCall<F extends ValidatorFactory | SerializerFactory>(module: string): F {
  let builder: ((...args: unknown[]) => unknown) | undefined;
  const lazy = (...args: unknown[]): unknown => (builder ??= (fromFastify(module) as () => (...args: unknown[]) => unknown)())(...args);
  return lazy as unknown as F;
}

export function lazySchemaCompilers(): Required<Compilers> {
  return {
    buildValidator: onFirstCall<ValidatorFactory>("@fastify/ajv-compiler"),
    buildSerializer: onFirstCall<SerializerFactory>("@fastify/fast-json-stringify-compiler"),
  };
}
