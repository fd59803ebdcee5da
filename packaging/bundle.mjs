#!/usr/bin/env node
/**
 * The second half of `npm run build`: bundles tsc's ES modules in dist/ into the CommonJS files
 * that run (BENCHMARKS.md, "Fourth pass"):
 *
 *   dist/wrapwatch.cjs            the CLI (package.json "bin"): usage, --version, the dispatch
 *   dist/commands/<name>.cjs      one file per sub-command, loaded only when it is the one run
 *   dist/config/load-process.cjs  the config loader the daemon starts as a child, with
 *                                 smol-toml and zod inside it
 *
 * Why: a Node process that starts from an ES module loads Node's ES module loader (2.9 MiB of
 * resident memory, paid for the process's life) and resolves each of the daemon's ~90 modules
 * through it; a CommonJS bundle needs neither. Measured: the idle daemon 52.3 -> 48.2 MiB,
 * `parse`'s peak 57.3-59.3 -> 52.2-54.9 MiB, the config loader's answer 166 -> 120 ms.
 *
 * zod and smol-toml stay outside the command bundles (`check-config`, `status` and `check`
 * require them from node_modules when they run): inside, their source would be held by every
 * command, the daemon too. `import.meta.url` keeps meaning where the original module is in dist/, so the
 * files it locates (package.json, the config loader) resolve as they do from tsc's output.
 *
 * pino is bundled whole; its transports (worker threads that load pino's files by path) would not
 * find those files beside a bundle. wrapwatch writes with `pino.destination` and uses none.
 *
 *   node packaging/bundle.mjs [DIST_DIR]
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'dist'));

/** The sub-commands main.js loads with `import('./NAME.js')`: each becomes its own bundle. */
function commandsOf(mainJs) {
  const names = [...readFileSync(mainJs, 'utf8').matchAll(/\bimport\('\.\/([a-z-]+)\.js'\)/g)].map((m) => m[1]);
  if (names.length === 0) throw new Error(`${mainJs}: no import('./<command>.js') found; did main.ts change shape?`);
  return names;
}

/**
 * Rewrites `import.meta.url` in dist's modules to the URL the module has in dist/, computed from
 * the bundle's own directory at run time (so the tree can be moved, as the packages do).
 */
function importMetaUrl(outDir) {
  return {
    name: 'import-meta-url',
    setup(b) {
      b.onLoad({ filter: /\.js$/ }, async (args) => {
        if (!args.path.startsWith(dist + sep)) return undefined;
        const text = await readFile(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        const path = JSON.stringify(relative(outDir, args.path));
        const url = `require("node:url").pathToFileURL(require("node:path").join(__dirname, ${path})).href`;
        return { contents: text.replaceAll('import.meta.url', url), loader: 'js' };
      });
    },
  };
}

/** In main.js, `import('./NAME.js')` of a command becomes `require('./commands/NAME.cjs')`. */
function commandsStayApart(commands) {
  return {
    name: 'commands-stay-apart',
    setup(b) {
      b.onResolve({ filter: /^\.\/[a-z-]+\.js$/ }, (args) => {
        const name = args.path.slice(2, -3);
        if (args.kind !== 'dynamic-import' || !commands.includes(name)) return undefined;
        return { path: `./commands/${name}.cjs`, external: true };
      });
    },
  };
}

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // `import()` left as it is would start the ES module loader this is here to avoid.
  supported: { 'dynamic-import': false },
  outExtension: { '.js': '.cjs' },
  logLevel: 'silent',
};

async function bundle(options) {
  const result = await build({ ...common, ...options });
  const problems = [...result.errors, ...result.warnings];
  if (problems.length > 0)
    throw new Error(`esbuild: ${problems.map((p) => `${p.location?.file ?? ''} ${p.text}`).join('; ')}`);
}

const commands = commandsOf(join(dist, 'cli/main.js'));
await bundle({
  entryPoints: { wrapwatch: join(dist, 'cli/main.js') },
  outdir: dist,
  external: ['zod', 'smol-toml'],
  plugins: [importMetaUrl(dist), commandsStayApart(commands)],
});
await bundle({
  entryPoints: Object.fromEntries(commands.map((name) => [name, join(dist, 'cli', `${name}.js`)])),
  outdir: join(dist, 'commands'),
  external: ['zod', 'smol-toml'],
  plugins: [importMetaUrl(join(dist, 'commands'))],
});
await bundle({
  entryPoints: { 'load-process': join(dist, 'config/load-process.js') },
  outdir: join(dist, 'config'),
  plugins: [importMetaUrl(join(dist, 'config'))],
});
