/**
 * zod building blocks of the settings every feature declares beside its code (`*-settings.ts`),
 * and the types that tie a feature's settings object to its schema slice.
 */
import { z } from "zod";

/** A feature's slice of the settings schema: variable name to zod type. */
export type SettingsShape = Record<string, z.ZodType>;

/** The validated, typed settings of a slice (what a feature's functions receive). */
export type SettingsOf<S extends SettingsShape> = Readonly<z.infer<z.ZodObject<S>>>;

/** A rule between variables (possibly of several slices), checked once with the whole schema. */
export type SettingsRule<T> = (settings: T, context: z.RefinementCtx) => void;

/** An integer in [min, max], given as a number or a numeric string. */
export const integer = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);

/** "1/true/yes/on" or "0/false/no/off/(empty)". */
export const booleanFlag = z
  .enum(["1", "0", "true", "false", "yes", "no", "on", "off", ""])
  .transform((v) => v === "1" || v === "true" || v === "yes" || v === "on");

/** A comma-separated list of IPv4/IPv6 addresses or CIDR networks ("" for none). */
export const networkList = z
  .string()
  .transform((text) => text.split(",").map((part) => part.trim()).filter((part) => part !== ""))
  .refine((parts) => parts.every((part) => /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(part)), "expected a comma-separated list of IP addresses or CIDR networks");
