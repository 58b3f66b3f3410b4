/**
 * Recognising, among the transformers a bot's handlers install on `ctx.api`, the plugins that do
 * what the engine already does for every bot: retry API calls (api-retry.ts) or hold them back to
 * Telegram's limits (flood control). grammY transformers are anonymous functions with no name or
 * tag to go by, so they are recognised by what their code must mention: `retry_after` for a
 * transformer that waits out 429s, Bottleneck's `schedule(` for a throttler; the published
 * plugins by their own distinctive lines.
 */

export interface OverlappingPlugin {
  /** What it is: the package when recognised, else the kind of transformer. */
  plugin: string;
  /** What of the engine's it does again. */
  overlaps: "api-retries" | "flood-control";
}

interface Signature extends OverlappingPlugin {
  marker: RegExp;
}

/** In order: the first that matches names the plugin. */
const SIGNATURES: readonly Signature[] = [
  { plugin: "@grammyjs/auto-retry", overlaps: "api-retries", marker: /Hit rate limit, will retry/ },
  { plugin: "@grammyjs/transformer-throttler", overlaps: "flood-control", marker: /throttler\.schedule\(/ },
  { plugin: "a transformer that retries on retry_after", overlaps: "api-retries", marker: /\bretry_after\b/ },
  { plugin: "a throttling transformer", overlaps: "flood-control", marker: /\.schedule\(/ },
];

/** The plugin `transformer` is, when it overlaps with the engine; undefined for any other (menu, conversations, parse-mode). */
export function overlappingPlugin(transformer: unknown): OverlappingPlugin | undefined {
  if (typeof transformer !== "function") return undefined;
  const source = Function.prototype.toString.call(transformer);
  for (const { plugin, overlaps, marker } of SIGNATURES) {
    if (marker.test(source)) return { plugin, overlaps };
  }
  return undefined;
}
