// Module hooks for bot folders (plain JS: they run in Node's loader thread before anything else).
// Bot folders may live outside the project (BOTS_DIR=/srv/bots), with or without a package.json and
// node_modules of their own. What a bot module imports loads as plain Node would load it from that
// folder, with two exceptions that make a bots folder anywhere on disk work like one in the project:
// - `import "grammy"` and `import "clustered-bots"` (and their subpaths), from a bot module or from
//   an ES package installed in the bots folder, always get the service's own copies: one grammY per
//   process, so `instanceof Context`, `GrammyError`, `HttpError` hold between the engine, the bots
//   and their plugins. CommonJS packages' `require("grammy")` gets the same copy through
//   engine-require-redirect.ts (Node 20 does not pass CommonJS requires through these hooks). Any
//   other bare import that does not resolve from the bot folder is retried from the project;
// - with no package.json saying "type": "module" above them, .ts/.js files would load as CommonJS:
//   bot modules (files under a bots folder, outside node_modules) always load as ES modules, as they
//   do inside the project. Installed packages are left alone: a CommonJS package loads as CommonJS,
//   through Node's CommonJS loader, so its named exports are found as they are for plain Node.
//
// Startup time: in Node 20 every hook runs in one loader thread, which is the bottleneck when
// thousands of bot modules load (3 handler files x 1000 bots). Three shortcuts for bot modules
// keep that thread's work small; each gives what the default chain would, and leaves anything
// unusual to it, so errors keep Node's and tsx's own messages (docs/performance.md, item 5):
// - the engine imports a bot's config and handler files by file URL: a `.ts`/`.mts` one that
//   exists is resolved here (stat, realpath, as Node does) instead of going through tsx's and
//   Node's resolvers and tsx's package.json lookup;
// - a bare import of a bot module (`import { Composer } from "grammy"` in every handler) is
//   resolved once per place where its answer can differ (once in all for grammy and
//   clustered-bots), not once per importing file (like Node's own package.json cache, this takes
//   installed packages not to change while running);
// - a bot module's source is read synchronously here and handed down the chain, instead of
//   Node's asynchronous read (four thread-pool round trips per file).
//
// Live reload (src/fleet/module-version.ts): a reload imports a folder's config and handler files
// under `?cbv=<version>`; what they import from their own folder gets the same query, so the
// folder's every module is imported afresh, and what they import from a shared folder
// (`BOTS_DIR/_name/`) gets `?cbs=<generation>` (none on generation 0), shared by every bot loaded
// on it. Resolution itself is done as from the plain URL, so the caches above still apply. Each
// bot folder seen importing from a shared folder is reported once on `data.sharedImportPort`.
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL, URL, URLSearchParams } from "node:url";

let fallbackParentURL;
/** The bots folders, as `file:` URLs ending in "/". */
let esmRoots = [];
/** The same folders as paths, without the trailing separator. */
let rootDirs = [];
/**
 * The bots folders and every node_modules folder above them, as `file:` URLs ending in "/": the
 * places whose imports of grammy and clustered-bots get the service's copies.
 */
let engineImportRoots = [];
let preserveSymlinks = false;
/** Where bot folders that import shared modules are reported (live reload). */
let sharedImportPort;
const reportedSharedImporters = new Set();

export async function initialize(data) {
  sharedImportPort = data.sharedImportPort;
  fallbackParentURL = data.fallbackParentURL;
  esmRoots = data.esmRoots ?? [];
  rootDirs = esmRoots.map((url) => fileURLToPath(url).replace(/[\\/]+$/, ""));
  engineImportRoots = data.engineImportRoots ?? esmRoots;
  preserveSymlinks = data.preserveSymlinks === true;
}

function isBare(specifier) {
  return !/^(\.|\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier);
}

/**
 * A .ts/.js (or .mts/.mjs) file under a bots folder, with no query or hash, and not part of an
 * installed package (whose package.json says how it loads).
 */
function isBotModule(url) {
  return /\.m?[jt]s$/.test(url) && esmRoots.some((root) => url.startsWith(root)) && !url.includes("/node_modules/");
}

/**
 * `file:` URL of an existing .ts/.mts file under a bots folder: its real URL, as Node's resolver
 * would give it. `.js`/`.mjs` are left to tsx, which maps them to a `.ts`/`.mts` sibling first.
 */
function resolveBotFileUrl(specifier) {
  if (preserveSymlinks || !specifier.startsWith("file:") || !/\.m?ts$/.test(specifier) || /%2f|%5c/i.test(specifier) || !isBotModule(specifier)) {
    return undefined;
  }
  try {
    const file = fileURLToPath(specifier);
    if (statSync(file, { throwIfNoEntry: false })?.isFile() !== true) return undefined;
    const url = pathToFileURL(realpathSync.native(file)).href;
    // A symlink to a file outside the bots folders gets the default treatment there.
    return isBotModule(url) ? url : undefined;
  } catch {
    return undefined;
  }
}

function packageNameOf(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** The packages every bot gets from the service itself, whatever its folder installed. */
const ENGINE_PACKAGES = new Set(["grammy", "clustered-bots"]);

/**
 * Cache key of an import of an engine package by a bot module or by an ES package installed for
 * the bots (engineImportRoots), or undefined for any other import. It is resolved from the
 * project, so the importing file does not change the answer.
 */
function engineImportKey(specifier, context) {
  if (!isBare(specifier) || /[?#]/.test(specifier) || !ENGINE_PACKAGES.has(packageNameOf(specifier))) return undefined;
  const parentURL = context.parentURL;
  if (parentURL === undefined || fallbackParentURL === undefined || !engineImportRoots.some((root) => parentURL.startsWith(root))) return undefined;
  return ["engine", specifier, (context.conditions ?? []).join(","), JSON.stringify(context.importAttributes ?? {})].join("\0");
}

/**
 * The folder whose view of package `name` a bot module in `dir` shares: walking up from `dir` to
 * the bots folder, the first one with a package.json or a node_modules/<name> of its own, else the
 * bots folder. Between a file and that folder, Node's resolver (package scope, node_modules
 * lookup) and tsx's find nothing that could change the answer.
 */
function resolutionAnchor(dir, rootDir, name) {
  for (let current = dir; current.startsWith(rootDir + path.sep) && current !== path.dirname(current); current = path.dirname(current)) {
    if (existsSync(path.join(current, "package.json")) || existsSync(path.join(current, "node_modules", name))) return current;
  }
  return rootDir;
}

/**
 * Cache key of a bare import by a bot module, or undefined when the answer may depend on more
 * than the anchor folder: `#imports`, queries, a parent with a query (tsx namespaces) or inside
 * node_modules. The parent's kind (TypeScript or not) is in the key: tsx resolves tsconfig path
 * aliases differently for TypeScript importers.
 */
function bareImportKey(specifier, context) {
  const parentURL = context.parentURL;
  if (!isBare(specifier) || specifier.startsWith("#") || /[?#]/.test(specifier)) return undefined;
  if (parentURL === undefined || !parentURL.startsWith("file:") || /[?#]/.test(parentURL)) return undefined;
  const rootIndex = esmRoots.findIndex((root) => parentURL.startsWith(root));
  const rootDir = rootDirs[rootIndex];
  if (rootDir === undefined) return undefined;
  const parentFile = fileURLToPath(parentURL);
  if (parentFile.split(path.sep).includes("node_modules")) return undefined;
  const anchor = resolutionAnchor(path.dirname(parentFile), rootDir, packageNameOf(specifier));
  const typescriptParent = /\.[cm]?tsx?$/.test(parentFile);
  return [specifier, anchor, typescriptParent, (context.conditions ?? []).join(","), JSON.stringify(context.importAttributes ?? {})].join("\0");
}

/** Resolved bare imports of bot modules, by bareImportKey. */
const bareImports = new Map();

/** The reload version a bot module's URL carries (`cbv`, `cbs`), or undefined for a plain URL. */
function versionOf(url) {
  const query = url.indexOf("?");
  if (query < 0 || !url.startsWith("file:")) return undefined;
  const params = new URLSearchParams(url.slice(query + 1).split("#")[0]);
  const cbv = params.get("cbv");
  const cbs = params.get("cbs");
  if (cbv === null && cbs === null) return undefined;
  return { cbv, cbs, plain: url.slice(0, query) };
}

/** The folder (first segment) under a bots folder that holds `url`, or undefined. */
function topFolderOf(url) {
  const rootIndex = esmRoots.findIndex((root) => url.startsWith(root));
  if (rootIndex < 0 || url.includes("/node_modules/")) return undefined;
  const rest = url.slice(esmRoots[rootIndex].length);
  const slash = rest.indexOf("/");
  return slash <= 0 ? undefined : { rootIndex, top: decodeURIComponent(rest.slice(0, slash)) };
}

/**
 * What a bot module imports inside the bots folders, under the importer's reload version: the same
 * query for the importer's own folder, the shared generation for a shared folder. Reports a bot
 * folder that imports from a shared folder.
 */
function versioned(resolved, parentURL, version) {
  const url = resolved.url;
  if (!url.startsWith("file:") || /[?#]/.test(url)) return resolved;
  const target = topFolderOf(url);
  if (target === undefined) return resolved;
  const parent = parentURL === undefined ? undefined : topFolderOf(parentURL);
  if (target.top.startsWith("_")) {
    if (parent !== undefined && !parent.top.startsWith("_") && sharedImportPort !== undefined && !reportedSharedImporters.has(parent.top)) {
      reportedSharedImporters.add(parent.top);
      sharedImportPort.postMessage({ sharedImporter: parent.top });
    }
    return version?.cbs ? { ...resolved, url: `${url}?cbs=${version.cbs}` } : resolved;
  }
  if (version?.cbv && parent !== undefined && parent.rootIndex === target.rootIndex && parent.top === target.top) {
    return { ...resolved, url: `${url}?cbv=${version.cbv}${version.cbs ? `&cbs=${version.cbs}` : ""}` };
  }
  return resolved;
}

export async function resolve(specifier, context, nextResolve) {
  const parentURL = context.parentURL;
  const version = parentURL === undefined ? undefined : versionOf(parentURL);
  // Resolved as from the importer's plain URL: the same file, and the caches still hit.
  const plainContext = version === undefined ? context : { ...context, parentURL: version.plain };
  const resolved = await resolvePlain(specifier, plainContext, nextResolve);
  return versioned(resolved, plainContext.parentURL, version);
}

/**
 * A relative `.ts`/`.mts` import between bot modules (`../services/db.ts`), resolved here like
 * the engine's own imports of bot files: outside a project with "type": "module", tsx would
 * otherwise load it through its CommonJS interop, under a URL of its own.
 */
function resolveRelativeBotFile(specifier, parentURL) {
  if (!/^\.\.?\//.test(specifier) || parentURL === undefined || !isBotModule(parentURL)) return undefined;
  return resolveBotFileUrl(new URL(specifier, parentURL).href);
}

async function resolvePlain(specifier, context, nextResolve) {
  const botFileUrl = resolveBotFileUrl(specifier) ?? resolveRelativeBotFile(specifier, context.parentURL);
  if (botFileUrl !== undefined) return { url: botFileUrl, format: "module", shortCircuit: true };
  const engineKey = engineImportKey(specifier, context);
  if (engineKey !== undefined) {
    const known = bareImports.get(engineKey);
    if (known !== undefined) return { ...known, shortCircuit: true };
    const resolved = await nextResolve(specifier, { ...context, parentURL: fallbackParentURL });
    bareImports.set(engineKey, { ...resolved });
    return resolved;
  }
  const key = bareImportKey(specifier, context);
  const known = key === undefined ? undefined : bareImports.get(key);
  if (known !== undefined) return { ...known, shortCircuit: true };
  const resolved = await resolveWithFallback(specifier, context, nextResolve);
  // tsx gives a CommonJS TypeScript target a URL that depends on the importing file's source.
  if (key !== undefined && !/\.(ts|tsx|jsx)([?#]|$)/.test(resolved.url)) bareImports.set(key, { ...resolved });
  return resolved;
}

async function resolveWithFallback(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const code = error && typeof error === "object" ? error.code : undefined;
    if (code !== "ERR_MODULE_NOT_FOUND" || !isBare(specifier) || fallbackParentURL === undefined || context.parentURL === fallbackParentURL) {
      throw error;
    }
    return nextResolve(specifier, { ...context, parentURL: fallbackParentURL });
  }
}

function readSource(url) {
  try {
    return readFileSync(fileURLToPath(url));
  } catch {
    // Node's own read reports the problem.
    return undefined;
  }
}

export async function load(url, context, nextLoad) {
  // A reload's query does not change what the file is.
  if (!isBotModule(versionOf(url)?.plain ?? url)) return nextLoad(url, context);
  const source = context.source ?? readSource(url);
  return nextLoad(url, source === undefined ? { ...context, format: "module" } : { ...context, format: "module", source });
}
