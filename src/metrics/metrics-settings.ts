/** Settings of the Prometheus metrics (`GET /metrics`). */
import type { SettingsOf } from "../settings/setting-types.ts";
import { booleanFlag } from "../settings/setting-types.ts";

export const metricsSettings = {
  /** Serve `GET /metrics` (the service port; a worker's WORKER_HTTP_PORT) and count what it shows. @defaultValue on */
  METRICS: booleanFlag.default(true),
  /**
   * Histograms per bot (a `bot` label on the handling and waiting times). Off by default: with
   * thousands of bots they would multiply the page by the histogram's buckets. @defaultValue off
   */
  METRICS_PER_BOT_HISTOGRAMS: booleanFlag.default(false),
};

export type MetricsSettings = SettingsOf<typeof metricsSettings>;
