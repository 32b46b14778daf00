// The import graph of src/ and webview/src: no loops (type-only imports count: they tie modules as tightly for
// a reader), and no inner layer importing an outer one (the order of DESIGN.md's layer list).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return files(p);
    return /\.tsx?$/.test(n) && !/\.test\.tsx?$/.test(n) && !n.endsWith('.d.ts') ? [p] : [];
  });
}

/** file → the repo files it imports (relative specifiers only; `.js` names the `.ts`/`.tsx` source). */
function importGraph(): Map<string, string[]> {
  const all = [...files(join(root, 'src')), ...files(join(root, 'webview/src'))];
  const known = new Set(all);
  const graph = new Map<string, string[]>();
  for (const f of all) {
    const text = readFileSync(f, 'utf8');
    const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]!);
    graph.set(f, specs.map((s) => {
      const base = resolve(dirname(f), s).replace(/\.js$/, '');
      return [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')].find((c) => known.has(c)) ?? '';
    }).filter(Boolean));
  }
  return graph;
}

/** Strongly connected components with more than one file (or a file importing itself): the import loops. */
function loops(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do { w = stack.pop()!; on.delete(w); scc.push(w); } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.map((s) => relative(root, s)).sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

// inner → outer; a layer may import its own and the ones before it. As DESIGN.md lists them, except that report
// (which renders a run and imports only core, profile and analyze) sits below the pipeline that writes reports.
// protocol, worker, mcp, cli and extension are the faces over all of these and are not ranked among themselves.
const LAYERS = ['core', 'profile', 'source', 'analyze', 'optimize', 'sandbox', 'memory', 'agent', 'report', 'pipeline', 'cluster'];

describe('the import graph', () => {
  const graph = importGraph();

  it('has no import loop', () => {
    expect(loops(graph)).toEqual([]);
  });

  it('finds a loop when there is one (the check itself)', () => {
    expect(loops(new Map([['/a', ['/b']], ['/b', ['/c']], ['/c', ['/a']], ['/d', ['/a']]]))).toEqual([['/a', '/b', '/c'].map((p) => relative(root, p)).sort()]);
  });

  it('never imports an outer layer from an inner one', () => {
    const layerOf = (f: string) => {
      const m = /^src\/([^/]+)\//.exec(relative(root, f));
      return m ? LAYERS.indexOf(m[1]!) : -1;
    };
    const bad: string[] = [];
    for (const [f, deps] of graph) {
      const from = layerOf(f);
      if (from < 0) continue;
      for (const d of deps) if (layerOf(d) > from) bad.push(`${relative(root, f)} → ${relative(root, d)}`);
    }
    expect(bad).toEqual([]);
  });
});
