/**
 * The CommonJS half of the bot module hooks: a package installed in a bots folder (or in a
 * node_modules folder above it) that calls `require("grammy")` gets the service's grammY, as
 * `import "grammy"` does through bot-module-resolver.mjs; most grammY plugins are published as
 * CommonJS (menu, conversations, auto-retry). One grammY per process is what keeps `instanceof`
 * true between the engine, the bots and their plugins (`HttpError` in auto-retry, `Context` in
 * conversations).
 *
 * Node 20 resolves a CommonJS module's `require` in the main thread, past the loader hooks of
 * `module.register` (`module.registerHooks` only came with Node 22.15), so this wraps
 * `Module._resolveFilename`, as tsx does for its own CommonJS support. Every other request goes
 * through unchanged.
 */
import Module, { createRequire } from "node:module";
import path from "node:path";

interface CommonJsParent {
  filename?: string | null;
}

type ResolveFilename = (this: unknown, request: string, parent: CommonJsParent | undefined, isMain: boolean, options?: unknown) => string;

/** The one internal of Node's CommonJS loader used here. */
interface CommonJsLoader {
  _resolveFilename: ResolveFilename;
}

function isGrammyRequest(request: string): boolean {
  return request === "grammy" || request.startsWith("grammy/");
}

/**
 * Once built, `require("grammy")` (or a subpath) by a file under one of its roots resolves as it
 * would from `projectFile`. One per process (register-bot-module-resolver.ts keeps it).
 */
export class EngineRequireRedirect {
  private readonly rootDirs: string[] = [];
  private readonly requireFromProject: NodeJS.Require;

  constructor(projectFile: string) {
    this.requireFromProject = createRequire(projectFile);
    const loader = Module as unknown as CommonJsLoader;
    const original = loader._resolveFilename;
    const fromProject = this.requireFromProject;
    const redirected = (request: string, parent: CommonJsParent | undefined): boolean => isGrammyRequest(request) && this.isUnderRoot(parent?.filename);
    loader._resolveFilename = function (this: unknown, request, parent, isMain, options) {
      // The project's own require of grammY comes back through here, from outside every root.
      if (redirected(request, parent)) return fromProject.resolve(request);
      return original.call(this, request, parent, isMain, options);
    };
  }

  /** A folder (absolute, real path) whose files' `require("grammy")` gets the service's grammY. */
  addRoot(dir: string): void {
    if (!this.rootDirs.includes(dir)) this.rootDirs.push(dir);
  }

  private isUnderRoot(file: string | null | undefined): boolean {
    if (typeof file !== "string") return false;
    return this.rootDirs.some((root) => file.startsWith(root + path.sep));
  }
}
