/**
 * Environment variables of the session feature, merged into the service config schema
 * (src/config/service-config.ts). Declare each with its unit in the name and its default documented.
 */
import { z } from "zod";
import { integer } from "../config/schema-helpers.ts";

export const sessionConfigShape = {
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
} satisfies Record<string, z.ZodType>;
