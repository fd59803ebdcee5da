import { readFileSync } from 'node:fs';

let cached: string | undefined;

/**
 * wrapwatch's version, from the package.json one level above dist/. Read at run time rather
 * than compiled in, because both layouts keep that file there: an npm install
 * (node_modules/wrapwatch/package.json) and the .deb/.rpm (/usr/lib/wrapwatch/package.json).
 */
export function wrapwatchVersion(): string {
  if (cached === undefined) {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    cached = typeof manifest.version === 'string' ? manifest.version : 'unknown';
  }
  return cached;
}
