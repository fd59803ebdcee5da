// Loads a test helper (test/helpers/*.ts, Node built-ins and sibling helpers only) into a
// benchmark: transpiled on the fly into the git-ignored test/bench/out/, with the sibling helpers
// it imports (`./child-process.js`) transpiled beside it.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const OUT = join(REPO_ROOT, 'test/bench/out');
const SIBLING_IMPORT = /from '\.\/([a-z0-9-]+)\.js'/g;

const written = new Map();

/** Transpiles `name` and its sibling imports into out/; resolves to the module file's path. */
async function transpile(name) {
  if (written.has(name)) return written.get(name);
  const file = join(OUT, `${name}.mjs`);
  written.set(name, file);
  const source = await readFile(join(REPO_ROOT, 'test/helpers', `${name}.ts`), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  for (const [, sibling] of outputText.matchAll(SIBLING_IMPORT)) await transpile(sibling);
  await mkdir(OUT, { recursive: true });
  await writeFile(file, outputText.replace(SIBLING_IMPORT, "from './$1.mjs'"));
  return file;
}

/** `name` is the helper's file name without `.ts`, e.g. "nsca-ng-server". */
export async function loadTestHelper(name) {
  return import(pathToFileURL(await transpile(name)).href);
}
