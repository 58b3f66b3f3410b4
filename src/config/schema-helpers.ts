/** zod building blocks shared by the config shapes of every feature. */
import { z } from "zod";

/** An integer in [min, max], given as a number or a numeric string. */
export const integer = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);

/** "1/true/yes/on" or "0/false/no/off/(empty)". */
export const booleanFlag = z
  .enum(["1", "0", "true", "false", "yes", "no", "on", "off", ""])
  .transform((v) => v === "1" || v === "true" || v === "yes" || v === "on");
