/**
 * How to start a process of the service from code (tests, the bench): node flags that register
 * the engine loader (engine-loader.mjs), as `npm start` does.
 */
const ENGINE_LOADER_URL = new URL("./engine-loader.mjs", import.meta.url).href;

/** `--import <engine-loader.mjs>`: put before the entry script. */
export function engineNodeArgs(): string[] {
  return ["--import", ENGINE_LOADER_URL];
}
