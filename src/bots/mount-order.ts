/**
 * The order handler files mount in: plain code-point order, with fallback files (`z_*` or any
 * name containing "fallback", in any case) after all the others, also in code-point order.
 */

/** Code-point order (UTF-8 byte order is code-point order; JS `<` compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

export function isFallbackFile(fileName: string): boolean {
  return fileName.startsWith("z_") || fileName.toLowerCase().includes("fallback");
}

/** Regular files first, then fallbacks; each group in code-point order. */
export function sortForMounting(fileNames: readonly string[]): string[] {
  const regular = fileNames.filter((f) => !isFallbackFile(f)).sort(compareCodePoints);
  const fallbacks = fileNames.filter(isFallbackFile).sort(compareCodePoints);
  return [...regular, ...fallbacks];
}
