/**
 * Remembers which handler file an error came from, so a failed update is logged with the file
 * to look at. The innermost handler that sees an error tags it; outer ones leave the tag alone.
 */
const fileByError = new WeakMap<object, string>();

export function tagHandlerFile(error: unknown, file: string): unknown {
  const target = typeof error === "object" && error !== null ? error : new Error(String(error));
  if (!fileByError.has(target)) fileByError.set(target, file);
  return target;
}

export function handlerFileOf(error: unknown): string | undefined {
  return typeof error === "object" && error !== null ? fileByError.get(error) : undefined;
}
