/**
 * The file of a bot folder an import error points at: a syntax error in `services/db.ts` fails
 * the import of the handler that imports it, and the one to fix is `services/db.ts`. The first
 * path inside the folder that the error's message or stack names (tsx's transform errors quote
 * `<file>:<line>:<col>`, a throw at import has the file in its stack), relative to the folder.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function blamedFile(error: unknown, folderDir: string): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const dir = path.resolve(folderDir);
  const text = `${error.message}\n${error.stack ?? ""}`;
  const prefixes = [dir + path.sep, pathToFileURL(dir).href + "/"].map(escape).join("|");
  for (const match of text.matchAll(new RegExp(`(?:${prefixes})([^\\s:?#)'"]+)`, "g"))) {
    const relative = decodeURIComponent(match[1] ?? "").split(path.sep).join("/");
    // A package the folder installed is not the file to fix.
    if (relative !== "" && !relative.split("/").includes("node_modules")) return relative;
  }
  return undefined;
}
