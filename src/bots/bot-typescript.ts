/**
 * tsx for bot folders. A process started on the engine loader (src/boot/engine-loader.mjs) loads
 * the engine's own TypeScript without tsx, so that the engine's packages load through Node's own
 * CommonJS loader; tsx is registered here, once, before the first bot module is imported, and from
 * then on bot modules load exactly as under `node --import tsx` (tsx's ES and CommonJS halves).
 * In a process started with `--import tsx`, or in vitest, this does nothing: tsx is there already.
 */
import { register as registerCommonJs } from "tsx/cjs/api";
import { register as registerEsm } from "tsx/esm/api";

const DEFERRED = Symbol.for("clustered-bots.tsx-deferred");

let registered = false;

export function registerTypeScriptForBots(): void {
  if (registered || (globalThis as Record<symbol, unknown>)[DEFERRED] !== true) return;
  registered = true;
  registerCommonJs();
  registerEsm();
}
