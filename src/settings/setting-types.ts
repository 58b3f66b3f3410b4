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

/** A whole number read from the environment (a string) or given as a number; NaN when it is not one. */
function wholeNumber(value: string | number): number {
  if (typeof value === "number") return value;
  const text = value.trim();
  return /^[-+]?\d+$/.test(text) ? Number(text) : Number.NaN;
}

/** A whole number in [min, max]; `problem` says what it is not ("is not a port number ..."), without the value. */
function bounded(min: number, max: number, problem: string) {
  return z.union([z.number(), z.string()]).transform((value, context) => {
    const number = wholeNumber(value);
    if (!Number.isSafeInteger(number) || number < min || number > max) {
      context.addIssue({ code: "custom", message: problem });
      return z.NEVER;
    }
    return number;
  });
}

/** An integer in [min, max], given as a number or a numeric string. */
export const integer = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  bounded(min, max, `is not a whole number ${max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`}`);

/** A TCP port to listen on: 1-65535, or 0 for any free port. */
export const port = () => bounded(0, 65535, "is not a port number (1-65535, or 0 for any free port)");

/** "1/true/yes/on" or "0/false/no/off/(empty)". */
export const booleanFlag = z
  .enum(["1", "0", "true", "false", "yes", "no", "on", "off", ""])
  .transform((v) => v === "1" || v === "true" || v === "yes" || v === "on");

/** A comma-separated list of IPv4/IPv6 addresses or CIDR networks ("" for none). */
export const networkList = z
  .string()
  .transform((text) => text.split(",").map((part) => part.trim()).filter((part) => part !== ""))
  .refine((parts) => parts.every((part) => /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(part)), "expected a comma-separated list of IP addresses or CIDR networks");

const BYTE_UNITS = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as const;

/** A size in bytes given as a whole number and a unit, `k`, `m` or `g` (KiB, MiB, GiB): `500k`, `50m`, `1g`. */
export const byteSize = (minBytes: number, maxBytes: number) =>
  z.union([z.number(), z.string()]).transform((value, context) => {
    const match = /^(\d+)([kmg])$/i.exec(String(value).trim());
    const bytes = match === null ? Number.NaN : Number(match[1]) * BYTE_UNITS[(match[2] ?? "").toLowerCase() as keyof typeof BYTE_UNITS];
    if (!Number.isSafeInteger(bytes) || bytes < minBytes || bytes > maxBytes) {
      context.addIssue({ code: "custom", message: `is not a size from ${minBytes / 1024}k to ${maxBytes / 1024 ** 3}g (a whole number and k, m or g: 500k, 50m, 1g)` });
      return z.NEVER;
    }
    return bytes;
  });
