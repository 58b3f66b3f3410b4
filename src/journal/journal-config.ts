/**
 * Environment variables of the journal feature, merged into the service config schema
 * (src/config/service-config.ts). Declare each with its unit in the name and its default documented.
 */
import type { z } from "zod";

export const journalConfigShape = {} satisfies Record<string, z.ZodType>;
