/**
 * The composition root of the settings: each feature declares its own slice beside its code
 * (`*-settings.ts`); this file merges them into one schema with the rules that span slices,
 * validates the environment once at start and deep-freezes the result. Only entry points import
 * from here; a feature receives the settings it uses, typed by its own slice.
 */
import { z } from "zod";
import { adminSettings } from "../admin/admin-settings.ts";
import { admissionSettings } from "../admission/admission-settings.ts";
import { botsSettings } from "../bots/bots-settings.ts";
import { embeddedSettings } from "../embedded/embedded-settings.ts";
import { fleetSettings } from "../fleet/fleet-settings.ts";
import { floodControlSettings } from "../flood-control/flood-control-settings.ts";
import { gatewaySettings } from "../gateway/gateway-settings.ts";
import { hostSettings } from "../host/host-settings.ts";
import { httpSettings } from "../http/http-settings.ts";
import { localStoreSettings } from "../local-store/local-store-settings.ts";
import { metricsSettings } from "../metrics/metrics-settings.ts";
import { journalSettings } from "../journal/journal-settings.ts";
import { loggingSettings } from "../logging/logging-settings.ts";
import { checkPollingSettings, pollingSettings } from "../polling/polling-settings.ts";
import { processingSettings } from "../processing/processing-settings.ts";
import { checkQueueSettings, queueSettings } from "../queue/queue-settings.ts";
import { sessionSettings } from "../session/session-settings.ts";
import { parseSettings, type SettingsInput, type SettingsSources } from "../settings/parse-settings.ts";
import { telegramSettings } from "../telegram/telegram-settings.ts";

const shape = {
  ...httpSettings,
  ...botsSettings,
  ...fleetSettings,
  ...loggingSettings,
  ...telegramSettings,
  ...admissionSettings,
  ...processingSettings,
  ...embeddedSettings,
  ...localStoreSettings,
  ...metricsSettings,
  ...adminSettings,
  ...hostSettings,
  ...queueSettings,
  ...journalSettings,
  ...sessionSettings,
  ...gatewaySettings,
  ...pollingSettings,
  ...floodControlSettings,
};

const objectSchema = z.object(shape);

export type ServiceConfig = Readonly<z.infer<typeof objectSchema>>;
export type ServiceConfigInput = Partial<Record<keyof z.input<typeof objectSchema>, string | number | undefined>>;

const schema = objectSchema.superRefine((config, context) => {
  checkQueueSettings(config, context);
  if (config.BOT_MODE === "polling") checkPollingSettings(config, context);
});

/** The variables the service reads; anything else in the environment is ignored. */
export const SERVICE_CONFIG_KEYS = Object.keys(shape) as ReadonlyArray<keyof ServiceConfig>;

/** Validates `env` into a deeply frozen config; throws ConfigError naming every bad variable. */
export function parseServiceConfig(env: SettingsInput, sources?: SettingsSources): ServiceConfig {
  return parseSettings(schema, SERVICE_CONFIG_KEYS, env, sources);
}

export type GatewayConfig = ServiceConfig & { readonly GATEWAY_FORWARD_URL: string };

/** The separate gateway process (`npm run gateway`): the service's config, with the service it forwards to required. */
const gatewaySchema = schema.superRefine((config, context) => {
  if (config.GATEWAY_FORWARD_URL === undefined) {
    context.addIssue({ code: "custom", path: ["GATEWAY_FORWARD_URL"], message: "GATEWAY_FORWARD_URL is required: the base URL of the service the gateway forwards updates to" });
  }
});

export function parseGatewayConfig(env: SettingsInput, sources?: SettingsSources): GatewayConfig {
  return parseSettings(gatewaySchema, SERVICE_CONFIG_KEYS, env, sources) as GatewayConfig;
}
