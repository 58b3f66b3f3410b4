/** Settings of per-chat sessions (`ctx.session`): their Redis key prefix and time to live. */
import { z } from "zod";
import { integer, type SettingsOf } from "../settings/setting-types.ts";

export const sessionSettings = {
  /**
   * First part of every session key in Redis: `<prefix>:session:{<bot>}:<chat id>`.
   * @defaultValue QUEUE_PREFIX (so one setting separates deployments sharing a Redis)
   */
  SESSION_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]+$/, "letters, digits and _ . : - only")
    .optional(),
  /** A session not written for this long is forgotten (0: kept forever). @defaultValue 0 */
  SESSION_TTL_SECONDS: integer(0).default(0),
};

export type SessionSettings = SettingsOf<typeof sessionSettings>;
