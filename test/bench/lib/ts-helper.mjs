// Loads a self-contained test helper (test/helpers/*.ts, Node built-ins only) into a benchmark:
// transpiled on the fly into the git-ignored test/bench/out/, as lib/nsca.mjs does for nsca.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { REPO_ROOT } from './nsca.mjs';

const loaded = new Map();

/** `name` is the helper's file name without `.ts`, e.g. "nsca-ng-server". */
export async function loadTestHelper(name) {
  if (loaded.has(name)) return loaded.get(name);
  const source = await readFile(join(REPO_ROOT, 'test/helpers', `${name}.ts`), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const out = join(REPO_ROOT, 'test/bench/out');
  await mkdir(out, { recursive: true });
  const file = join(out, `${name}.mjs`);
  await writeFile(file, outputText);
  const module = await import(pathToFileURL(file).href);
  loaded.set(name, module);
  return module;
}
