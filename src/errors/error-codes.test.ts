/**
 * The catalogue against its documentation and its use: every code is documented in docs/errors.md
 * with the right status, every documented code exists, and every code is raised somewhere in the
 * service's own code (not only declared).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../testing/bot-fixtures.ts";
import { allErrorCodes, BOT_LOAD_ERROR_CODES, HTTP_ERROR_CODES, JOURNAL_DELIVERY_ERROR_CODES, SINGLE_ERROR_CODES } from "./error-codes.ts";

interface DocumentedCode {
  code: string;
  status: number | undefined;
}

/** Codes in the tables of docs/errors.md: a cell holding only `CODE`, with the row's status when its first cell is a number. */
function documentedCodes(): DocumentedCode[] {
  const text = readFileSync(path.join(PROJECT_ROOT, "docs/errors.md"), "utf8");
  const found: DocumentedCode[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("|")) continue;
    const cells = line.split("|").slice(1, -1).map((cell) => cell.trim());
    const code = cells.map((cell) => /^`([A-Z][A-Z0-9_]+)`$/.exec(cell)?.[1]).find((c) => c !== undefined);
    if (code === undefined) continue;
    const status = /^\d{3}$/.test(cells[0] ?? "") ? Number(cells[0]) : undefined;
    found.push({ code, status });
  }
  return found;
}

/** The service's own source: every .ts/.mjs under src/ but tests, test support and the catalogue itself. */
function productionSource(): string {
  const parts: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) {
        if (name !== "testing") walk(file);
      } else if (/\.(ts|mjs)$/.test(name) && !name.endsWith(".test.ts") && file !== path.join(PROJECT_ROOT, "src/errors/error-codes.ts")) {
        parts.push(readFileSync(file, "utf8"));
      }
    }
  };
  walk(path.join(PROJECT_ROOT, "src"));
  return parts.join("\n");
}

describe("the error catalogue", () => {
  const documented = documentedCodes();
  const catalogue = allErrorCodes();

  it("has no code twice", () => {
    expect(new Set(catalogue).size).toBe(catalogue.length);
    expect(new Set(documented.map((d) => d.code)).size).toBe(documented.length);
  });

  it("documents every code in docs/errors.md, and documents nothing else", () => {
    expect(documented.map((d) => d.code).sort()).toEqual([...catalogue].sort());
  });

  it("documents each HTTP code with the status the service answers", () => {
    for (const [code, status] of Object.entries(HTTP_ERROR_CODES)) {
      expect(documented.find((d) => d.code === code)?.status, code).toBe(status);
    }
  });

  it("raises (or, for the codes bot authors raise, acts on) every code somewhere in the service, none is only declared", () => {
    const source = productionSource();
    const literalCodes = [...Object.keys(HTTP_ERROR_CODES), ...BOT_LOAD_ERROR_CODES, ...JOURNAL_DELIVERY_ERROR_CODES];
    const unused = literalCodes.filter((code) => !source.includes(`"${code}"`));
    // UnrecoverableUpdateError and RetryUpdateAfterError are thrown by bot authors: the engine acts on them.
    const unusedClasses = Object.keys(SINGLE_ERROR_CODES).filter((name) => !source.includes(`new ${name}(`) && !source.includes(`instanceof ${name}`));
    expect({ unused, unusedClasses }).toEqual({ unused: [], unusedClasses: [] });
  });
});
