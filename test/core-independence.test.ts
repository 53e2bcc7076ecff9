import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const forbidden =
  /^(grammy|@grammyjs\/|@slack\/|hono|@hono\/|drizzle-orm|postgres|ioredis|sharp|node:|@electric-sql\/)/;
const builtins = new Set([
  'fs',
  'path',
  'crypto',
  'http',
  'https',
  'net',
  'os',
  'child_process',
  'worker_threads',
  'url',
  'stream',
  'buffer',
]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** Every module specifier in a file: static imports and re-exports, dynamic import() and require(). */
function importsOf(source: string): string[] {
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;
  return [...source.matchAll(pattern)].map((match) => match[1] ?? '');
}

describe('core/ knows no transport', () => {
  it('finds imports however they are written', () => {
    expect(
      importsOf(`import { Bot } from "grammy";\nexport * from 'ioredis'\nawait import('node:fs')`),
    ).toEqual(['grammy', 'ioredis', 'node:fs']);
  });

  it('imports no channel, database, cache, image library or Node built-in', () => {
    const offenders = sourceFiles(join(root, 'core')).flatMap((file) =>
      importsOf(readFileSync(file, 'utf8'))
        .filter((spec) => forbidden.test(spec) || builtins.has(spec))
        .map((spec) => `${relative(root, file)} imports ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it('imports nothing from the adapters around it (db/, web/, bots/): arrows point inwards', () => {
    const offenders = sourceFiles(join(root, 'core')).flatMap((file) =>
      importsOf(readFileSync(file, 'utf8'))
        .filter((spec) => spec.startsWith('.'))
        .map((spec) => relative(root, join(file, '..', spec)))
        .filter((target) => /^(db|web|bots)(\/|$)/.test(target))
        .map((target) => `${relative(root, file)} imports ${target}`),
    );
    expect(offenders).toEqual([]);
  });
});
