// Module hooks for bot folders (plain JS: they run in Node's loader thread before anything else).
// Bot folders may live outside the project (BOTS_DIR=/srv/bots), where two things would break:
// - `import "grammy"` or `import "clustered-bots"` finds no node_modules: such bare imports are
//   retried from the project itself, so every bot gets the engine's own grammY;
// - with no package.json saying "type": "module" above them, .ts/.js files would load as CommonJS:
//   files under a bots folder are always loaded as ES modules, as they are inside the project.
let fallbackParentURL;
let esmRoots = [];

export async function initialize(data) {
  fallbackParentURL = data.fallbackParentURL;
  esmRoots = data.esmRoots ?? [];
}

function isBare(specifier) {
  return !/^(\.|\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier);
}

export async function resolve(specifier, context, nextResolve) {
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

export async function load(url, context, nextLoad) {
  if (/\.(ts|js)$/.test(url) && esmRoots.some((root) => url.startsWith(root))) {
    return nextLoad(url, { ...context, format: "module" });
  }
  return nextLoad(url, context);
}
