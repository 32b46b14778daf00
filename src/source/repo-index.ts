// Parses every Python file of a repo once: syntax trees, symbol tables, resolver and call graph.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { throwIfAborted } from '../core/errors.js';
import { CallGraph } from './callgraph.js';
import { errorLines, parsePython, type SyntaxTree } from './parser.js';
import { repoRoot } from './paths.js';
import { Resolver } from './resolve.js';
import { extractSymbols, type ModuleSymbols } from './symbols.js';
import { listFiles } from './walk.js';

export interface ParsedModule {
  file: string;
  source: string;
  tree: SyntaxTree;
  symbols: ModuleSymbols;
}

export interface RepoIndex {
  /** absolute real path of the repo */
  root: string;
  modules: ParsedModule[];
  byFile: Map<string, ParsedModule>;
  resolver: Resolver;
  graph: CallGraph;
  /** files skipped or parsed with errors, one line each */
  notes: string[];
  /** frees the syntax trees (wasm memory) */
  dispose(): void;
}

export interface IndexOptions {
  signal?: AbortSignal | undefined;
  /** files above this size are skipped (default 2 MB): generated code, vendored data */
  maxFileBytes?: number | undefined;
}

export async function indexRepo(repo: string, opts: IndexOptions = {}): Promise<RepoIndex> {
  const root = repoRoot(repo);
  const max = opts.maxFileBytes ?? 2 * 1024 * 1024;
  const modules: ParsedModule[] = [];
  const notes: string[] = [];
  for (const file of listFiles(root, { ext: '.py', signal: opts.signal })) {
    throwIfAborted(opts.signal);
    const abs = join(root, file);
    let source: string;
    try {
      if (statSync(abs).size > max) {
        notes.push(`${file}: skipped (larger than ${Math.round(max / 1024)} KiB)`);
        continue;
      }
      source = readFileSync(abs, 'utf8');
    } catch {
      notes.push(`${file}: skipped (unreadable)`);
      continue;
    }
    let tree: SyntaxTree;
    try {
      tree = await parsePython(source);
    } catch (e) {
      notes.push(`${file}: not parsed (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); skipped`);
      continue;
    }
    const errs = errorLines(tree);
    if (errs.length) {
      const lines = errs.slice(0, 5).map((e) => (e.line === e.endLine ? `${e.line}` : `${e.line}-${e.endLine}`)).join(', ');
      notes.push(`${file}: syntax errors at line ${lines}${errs.length > 5 ? ', …' : ''}; the rest of the file is indexed`);
    }
    modules.push({ file, source, tree, symbols: extractSymbols(file, tree.rootNode, errs) });
  }
  const resolver = new Resolver(modules.map((m) => m.symbols));
  const graph = new CallGraph(resolver);
  return {
    root, modules, byFile: new Map(modules.map((m) => [m.file, m])), resolver, graph, notes,
    dispose: () => {
      for (const m of modules) m.tree.delete();
    },
  };
}
