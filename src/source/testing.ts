// Test support: throw-away repos in os.tmpdir() built from a { path: content } map.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { indexRepo, type RepoIndex } from './repo-index.js';

export function makeRepo(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'sysight-src-'));
  for (const [rel, content] of Object.entries(files)) {
    const abs = join(root, rel);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
  return root;
}

export function removeRepo(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

/** Runs `use` on a throw-away repo made of `files` and removes the repo afterwards, whatever happens. */
export async function withRepo<T>(files: Record<string, string>, use: (root: string) => Promise<T>): Promise<T> {
  const root = makeRepo(files);
  try {
    return await use(root);
  } finally {
    removeRepo(root);
  }
}

/**
 * A throw-away repo made of `files`, indexed once for the tests of the enclosing describe block, which only read it
 * (`.index` inside a test); the index is disposed and the repo removed after them.
 */
export function indexedRepo(files: Record<string, string>): { readonly root: string; readonly index: RepoIndex } {
  const root = makeRepo(files);
  let index: RepoIndex | undefined;
  beforeAll(async () => {
    index = await indexRepo(root);
  });
  afterAll(() => {
    index?.dispose();
    removeRepo(root);
  });
  return {
    root,
    get index(): RepoIndex {
      if (!index) throw new Error('indexedRepo: read .index inside a test');
      return index;
    },
  };
}

/** Strips a common leading indentation so Python snippets can be written indented in tests. */
export function py(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const lines = raw.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.match(/^ */)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}
