// Deterministic codemods, one per catalogue pattern family. Each works on the finding's line (found again
// by its text), makes the smallest change that removes the cost, and says why; or refuses with a reason.
import type { Finding } from '../core/findings.js';
import type { SyntaxTree } from '../source/parser.js';
import { LOADER, loadOnce } from './loadonce.js';
import { cacheCall } from './cachecall.js';
import { convertOnce } from './convertonce.js';
import { stackOnce } from './stackonce.js';
import { ensureImport, ensureModuleBlock, findCall, freeNames, indentOf, matchParen, moduleAlias } from './pyedit.js';

export interface CodemodInput {
  /** repo-relative file */
  file: string;
  lines: string[];
  /** 0-based index of the finding's line in `lines` */
  index: number;
  finding: Finding;
  /** the file's syntax tree (tree-sitter), for codemods that edit by structure */
  tree?: SyntaxTree | undefined;
}

export type CodemodOutput = { lines: string[]; rationale: string } | { refused: string };

export interface Codemod {
  id: string;
  /** catalogue pattern ids (prefixes) this codemod fixes */
  patterns: string[];
  /** true when the line is something this codemod knows how to change */
  matches(line: string): boolean;
  apply(input: CodemodInput): CodemodOutput;
}

const CONST_FACTORIES = /\btorch\.(arange|ones|zeros|tril|triu|eye|full|linspace|ones_like_never)\s*\(/;

/** A tensor built from constant arguments inside forward/per-step code: build it once per distinct key. */
const hoistConstant: Codemod = {
  id: 'hoist-constant',
  patterns: ['C5.'],
  matches: (l) => CONST_FACTORIES.test(l),
  apply({ lines, index, file }) {
    const line = lines[index]!;
    const span = findCall(line, /\btorch\.(arange|ones|zeros|tril|triu|eye|full|linspace)\s*\(/);
    if (!span) return { refused: 'no constant tensor factory call on the line' };
    let [s, e] = span;
    // widen to an enclosing torch.tril/triu(...) wrapping the factory, e.g. torch.tril(torch.ones(t, t))
    const outer = /torch\.(tril|triu)\s*\(\s*$/.exec(line.slice(0, s));
    if (outer) {
      const os = outer.index;
      const close = matchParen(line, line.indexOf('(', os));
      if (close > 0) [s, e] = [os, close + 1];
    }
    // extend over trailing method chains such as .view(1, 1, t, t) or .unsqueeze(0)
    for (;;) {
      const m = /^\s*\.\s*(view|reshape|unsqueeze|expand|to|long|float|bool|int)\s*\(/.exec(line.slice(e));
      if (!m) break;
      const close = matchParen(line, e + m[0].length - 1);
      if (close < 0) break;
      e = close + 1;
    }
    const expr = line.slice(s, e);
    if (/\b(requires_grad\s*=\s*True|out\s*=)/.test(expr)) return { refused: 'the tensor is written to or needs grad: caching it is unsafe' };
    const names = freeNames(expr, ['torch', 'np', 'numpy', 'math']);
    // a plainly named module-level function, cached on the values the expression depends on
    const factory = /^torch\.(\w+)/.exec(expr)?.[1] ?? 'tensor';
    const taken = new Set(lines.flatMap((l) => l.match(/\b[A-Za-z_]\w*\b/g) ?? []));
    let fn = `cached_${factory}`;
    for (let k = 2; taken.has(fn); k++) fn = `cached_${factory}_${k}`;
    const params: string[] = [];
    for (const n of names) {
      let p = n.split('.').pop()!;
      for (let k = 2; params.includes(p) || p === fn; k++) p = `${n.split('.').pop()!}_${k}`;
      params.push(p);
    }
    const body = renameValues(expr, names, params);
    const ft = ensureImport(lines, 'functools');
    const shift = ft.lines.length - lines.length;
    const next = ft.lines.slice();
    next[index + shift] = `${line.slice(0, s)}${fn}(${names.join(', ')})${line.slice(e)}`;
    const block = [`@${ft.name}.lru_cache(maxsize=8)`, `def ${fn}(${params.join(', ')}):`, `    return ${body}`];
    return {
      lines: ensureModuleBlock(next, `def ${fn}(`, block),
      rationale: `\`${expr}\` depends only on ${names.length ? names.map((n) => `\`${n}\``).join(', ') : 'constants'}; it is rebuilt on every call. Build it once per distinct value and reuse it (same values, no new allocation or kernel per step).`,
    };
  },
};

/** `expr` with each free value (a name or dotted chain from freeNames) replaced by its parameter name. */
function renameValues(expr: string, names: readonly string[], params: readonly string[]): string {
  return expr.replace(/(["'])(?:\\.|(?!\1).)*\1|(?<![\w.])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*/g, (m) => {
    const i = names.indexOf(m);
    return i >= 0 ? params[i]! : m;
  });
}

const MEMMAP_BLOCK = (np: string, functools: string) => [
  `@${functools}.lru_cache(maxsize=None)`,
  'def cached_memmap(*args, **kwargs):',
  `    return ${np}.memmap(*args, **kwargs)`,
];

/** np.memmap(...) re-opened per batch: open once (read-only maps only). */
const cacheMemmap: Codemod = {
  id: 'cache-memmap',
  patterns: ['C7.'],
  matches: (l) => /\b(np|numpy)\.memmap\s*\(/.test(l),
  apply({ lines, index }) {
    const line = lines[index]!;
    const span = findCall(line, /\b(np|numpy)\.memmap\s*\(/);
    if (!span) return { refused: 'no np.memmap call on the line' };
    const call = line.slice(span[0], span[1]);
    if (/mode\s*=\s*['"](w\+|r\+|readwrite|write|c|copyonwrite)['"]/.test(call)) return { refused: 'the memory map is writable: reopening it is part of the semantics' };
    if (!/mode\s*=\s*['"](r|readonly)['"]/.test(call) && /,\s*['"](w\+|r\+|c)['"]/.test(call)) return { refused: 'the memory map is writable' };
    const np = call.startsWith('numpy') ? 'numpy' : (moduleAlias(lines, 'numpy') ?? 'np');
    if (lines.some((l) => /^def cached_memmap\(/.test(l)) && !lines.some((l) => /lru_cache/.test(l))) return { refused: 'the file already defines another cached_memmap' };
    let next = lines.slice();
    next[index] = line.slice(0, span[0]) + 'cached_memmap' + call.slice(call.indexOf('(')) + line.slice(span[1]);
    const ft = ensureImport(next, 'functools');
    next = ft.lines;
    return {
      lines: ensureModuleBlock(next, 'def cached_memmap(', MEMMAP_BLOCK(np, ft.name)),
      rationale: 'The read-only memory map is opened again on every call (a file open + mmap per batch). Open it once per path and reuse it; the data read is the same.',
    };
  },
};

/**
 * torch.stack([f(data[i:i+n]) for i in ix]) assembles a batch sample by sample in Python: index all rows
 * at once with a 2-D fancy index, then apply f once. f must be row-wise (astype, from_numpy, dtype casts).
 */
const vectorizeBatch: Codemod = {
  id: 'vectorize-batch',
  patterns: ['C7.'],
  matches: (l) => /torch\.stack\s*\(\s*\[.*\bfor\s+\w+\s+in\b/.test(l),
  apply({ lines, index }) {
    const line = lines[index]!;
    const span = findCall(line, /torch\.stack\s*\(/);
    if (!span) return { refused: 'no torch.stack call on the line' };
    const call = line.slice(span[0], span[1]);
    const m = /^torch\.stack\s*\(\s*\[\s*(.*)\s+for\s+(\w+)\s+in\s+(.+?)\s*\]\s*\)$/.exec(call);
    if (!m) return { refused: 'the stacked list is not a single comprehension' };
    const [, body, v, iter] = m as unknown as [string, string, string, string];
    // every use of the loop variable must be a slice data[v+K : v+K+N]
    const sliceRe = new RegExp(`\\[\\s*${v}\\s*(?:\\+\\s*(\\d+)\\s*)?:\\s*${v}\\s*(?:\\+\\s*(\\d+)\\s*)?\\+\\s*([\\w.]+)\\s*\\]`, 'g');
    let ok = true;
    const rewritten = body.replace(sliceRe, (_all, k1?: string, k2?: string, n?: string) => {
      if ((k1 ?? '0') !== (k2 ?? '0')) ok = false;
      const off = k1 ?? '0';
      return `[__ROWS__(${iter}, ${off}, ${n})]`;
    });
    if (!ok) return { refused: 'the slice bounds do not have the same offset' };
    if (new RegExp(`\\b${v}\\b`).test(rewritten)) return { refused: `the loop variable ${v} is used outside a row slice` };
    const outside = rewritten.replace(/\[__ROWS__\([^\]]*\)\]/g, '');
    if (!/^[\s\w.()=,]*$/.test(outside) || /\b(sum|mean|max|min|len|reshape|view|flip|T)\b/.test(outside)) {
      return { refused: 'the per-sample expression is not a row-wise conversion' };
    }
    // the rows of every sample at once, inline with the file's own numpy name: a 2-D fancy index
    const imp = ensureImport(lines, 'numpy', 'np');
    const np = imp.name;
    const inline = rewritten.replace(/__ROWS__\(([^,]+), (\w+), ([\w.]+)\)/g, (_a, it: string, off: string, len: string) =>
      `${np}.asarray(${it})[:, None] + ${off === '0' ? `${np}.arange(${len})` : `${np}.arange(${off}, ${off} + ${len})`}`);
    const next = imp.lines.slice();
    const at = index + (imp.lines.length - lines.length);
    next[at] = line.slice(0, span[0]) + inline + line.slice(span[1]);
    return {
      lines: next,
      rationale: `The batch is assembled sample by sample in Python (${iter} → one slice, one conversion and one tensor per sample, then a stack). Index all rows at once and convert once: the same values in one vectorized call.`,
    };
  },
};

/**
 * A batch filled element by element:
 *   for b, start in enumerate(starts):
 *       for t in range(N):
 *           x[b, t] = int(data[start + t (+ k)])
 * becomes one vectorized copy per target tensor. Only that exact shape is rewritten.
 */
const vectorizeElementLoop: Codemod = {
  id: 'vectorize-element-loop',
  patterns: ['C7.', 'C2.'],
  matches: (l) => /^\s*for\s+\w+\s*,\s*\w+\s+in\s+enumerate\(|^\s*for\s+\w+\s+in\s+range\(|^\s*\w+\[\s*\w+\s*,\s*\w+\s*\]\s*=/.test(l),
  apply({ lines, index }) {
    let head = -1;
    for (let i = index; i >= Math.max(0, index - 4); i--) {
      if (/^\s*for\s+\w+\s*,\s*\w+\s+in\s+enumerate\(.*\):\s*$/.test(lines[i]!)) { head = i; break; }
    }
    if (head < 0) return { refused: 'no `for b, start in enumerate(...)` loop around the line' };
    const outer = /^(\s*)for\s+(\w+)\s*,\s*(\w+)\s+in\s+enumerate\((.*)\):\s*$/.exec(lines[head]!)!;
    const [, ind, bVar, sVar, startsExpr] = outer as unknown as [string, string, string, string, string];
    const inner = /^(\s*)for\s+(\w+)\s+in\s+range\((.+)\):\s*$/.exec(lines[head + 1] ?? '');
    if (!inner || inner[1]!.length <= ind.length) return { refused: 'the loop body is not a single `for t in range(N)` loop' };
    const [, ind2, tVar, n] = inner as unknown as [string, string, string, string];
    const body: string[] = [];
    let i = head + 2;
    while (i < lines.length && (lines[i]!.trim() === '' || indentOf(lines[i]!).length > ind2.length)) {
      if (lines[i]!.trim()) body.push(lines[i]!);
      i++;
    }
    if (!body.length) return { refused: 'empty loop' };
    const stmt = new RegExp(`^\\s*(\\w+)\\[\\s*${bVar}\\s*,\\s*${tVar}\\s*\\]\\s*=\\s*(int|float)?\\(?\\s*(\\w+)\\[\\s*(?:${sVar}\\s*\\+\\s*${tVar}|${tVar}\\s*\\+\\s*${sVar})\\s*(?:\\+\\s*(\\d+)\\s*)?\\]\\s*\\)?\\s*(#.*)?$`);
    const out: string[] = [];
    const targets: Array<{ target: string; float: boolean; src: string; off: string }> = [];
    for (const l of body) {
      const m = stmt.exec(l);
      if (!m) return { refused: `the loop body does more than copy elements: \`${l.trim()}\`` };
      const [, target, cast, src, off] = m as unknown as [string, string, string | undefined, string, string | undefined];
      targets.push({ target, float: cast === 'float', src, off: off ?? '0' });
    }
    if (/\(/.test(startsExpr)) return { refused: 'the iterated expression is a call: evaluating it again could differ' };
    // at the site, with the file's own numpy and torch names: one fancy index of every sample's window
    const torchName = moduleAlias(lines, 'torch');
    if (!torchName) return { refused: 'the file does not import torch under a name this edit can use' };
    const imp = ensureImport(lines, 'numpy', 'np');
    const np = imp.name;
    for (const t of targets) {
      const cols = t.off === '0' ? `${np}.arange(${n})` : `${np}.arange(${t.off}, ${t.off} + ${n})`;
      out.push(`${ind}${t.target}[:len(${startsExpr}), :${n}] = ${torchName}.from_numpy(${np}.asarray(${t.src}[${np}.asarray(${startsExpr})[:, None] + ${cols}], dtype=${np}.${t.float ? 'float64' : 'int64'}))`);
    }
    const shift = imp.lines.length - lines.length;
    const next = [...imp.lines.slice(0, head + shift), ...out, ...imp.lines.slice(i + shift)];
    return {
      lines: next,
      rationale: `The batch is filled one element at a time in a Python double loop (${body.length} assignment(s) × len(${startsExpr}) × ${n} iterations per batch). One vectorized gather per tensor copies the same values.`,
    };
  },
};

/** torch.cuda.synchronize() in the loop, not used for timing: drop it (the stream already orders the work). */
const removeSync: Codemod = {
  id: 'remove-sync',
  patterns: ['C3.'],
  matches: (l) => /^\s*torch\.cuda\.synchronize\s*\(\s*\)\s*(#.*)?$/.test(l),
  apply({ lines, index }) {
    const near = lines.slice(Math.max(0, index - 3), index + 4).join('\n');
    if (/\b(time\.(time|perf_counter|monotonic)|Event\(|elapsed_time)\b/.test(near)) return { refused: 'the synchronize call brackets a timing measurement: it is needed' };
    const next = lines.slice();
    const ind = indentOf(lines[index]!);
    // keep the block non-empty
    const prev = index > 0 ? lines[index - 1]! : '';
    const nextLine = index + 1 < lines.length ? lines[index + 1]! : '';
    const alone = /:\s*(#.*)?$/.test(prev) && indentOf(nextLine).length < ind.length;
    if (alone) next[index] = `${ind}pass`;
    else next.splice(index, 1);
    return { lines: next, rationale: 'An explicit device-wide synchronize in the loop stalls the CPU until the GPU drains and leaves the GPU idle while the next step is launched; CUDA stream order already guarantees correctness.' };
  },
};

/** host→device copies in the loop: make them asynchronous (non_blocking) when the target is a device. */
const nonBlockingCopy: Codemod = {
  id: 'non-blocking-copy',
  patterns: ['C4.'],
  matches: (l) => /\.(to\s*\(\s*[^)]*\)|cuda\s*\(\s*\))/.test(l) && !/non_blocking/.test(l),
  apply({ lines, index }) {
    const line = lines[index]!;
    const span = findCall(line, /\.to\s*\(/) ?? findCall(line, /\.cuda\s*\(/);
    if (!span) return { refused: 'no .to()/.cuda() call on the line' };
    const call = line.slice(span[0], span[1]);
    if (/['"]cpu['"]|\bcpu\b/.test(call)) return { refused: 'a copy to the host must stay synchronous (its value is read right after)' };
    const inner = call.slice(call.indexOf('(') + 1, -1).trim();
    const replaced = call.startsWith('.cuda') ? `.cuda(${inner ? `${inner}, ` : ''}non_blocking=True)` : `.to(${inner}, non_blocking=True)`;
    const next = lines.slice();
    next[index] = line.slice(0, span[0]) + replaced + line.slice(span[1]);
    return { lines: next, rationale: 'The host→device copy blocks the CPU until it finishes; with non_blocking=True it is queued on the stream (asynchronous from pinned memory), so the CPU keeps launching work.' };
  },
};

/** DataLoader without worker processes: load batches in background workers. */
const dataloaderWorkers: Codemod = {
  id: 'dataloader-workers',
  patterns: ['C1.'],
  matches: (l) => /\bDataLoader\s*\(/.test(l),
  apply({ lines, index }) {
    const line = lines[index]!;
    const span = findCall(line, /\bDataLoader\s*\(/);
    if (!span) return { refused: 'the DataLoader call spans several lines' };
    const call = line.slice(span[0], span[1]);
    let args = call.slice(call.indexOf('(') + 1, -1);
    if (/num_workers\s*=\s*(?!0\b)\w+/.test(args)) return { refused: 'the DataLoader already uses worker processes' };
    args = args.replace(/,?\s*num_workers\s*=\s*0\b/, '');
    const extra = ['num_workers=2', 'persistent_workers=True'];
    if (!/pin_memory\s*=/.test(args)) extra.push('pin_memory=torch.cuda.is_available()');
    const next = lines.slice();
    next[index] = line.slice(0, span[0]) + call.slice(0, call.indexOf('(') + 1) + `${args.trim()}${args.trim() ? ', ' : ''}${extra.join(', ')})` + line.slice(span[1]);
    return { lines: next, rationale: 'Batches are loaded in the training process between steps, so the GPU waits for the data. Worker processes prepare the next batches while the current step runs.' };
  },
};

/** DDP(find_unused_parameters=True) traverses the autograd graph every step. */
const ddpUnused: Codemod = {
  id: 'ddp-find-unused',
  patterns: ['C6.'],
  matches: (l) => /find_unused_parameters\s*=\s*True/.test(l),
  apply({ lines, index }) {
    const next = lines.slice();
    next[index] = lines[index]!.replace(/find_unused_parameters\s*=\s*True/, 'find_unused_parameters=False');
    return { lines: next, rationale: 'find_unused_parameters=True walks the autograd graph after every forward and delays the gradient all-reduce; every parameter gets a gradient here, so it is not needed (the smoke test checks it).' };
  },
};

/** A C7 codemod that edits the syntax tree at the finding's line (its `edit` gets the file's text and tree). */
function treeCodemod(id: string, matches: (line: string) => boolean, edit: (text: string, tree: SyntaxTree, index: number) => CodemodOutput): Codemod {
  return {
    id,
    patterns: ['C7.'],
    matches,
    apply({ lines, index, tree }) {
      if (!tree) return { refused: 'no syntax tree for the file' };
      return edit(lines.join('\n'), tree, index);
    },
  };
}

/** A file opened and parsed per call in a method: loaded once in __init__ (loadonce.ts). */
const loadOnceMod = treeCodemod('load-once', (l) => LOADER.test(l) || /^\s*with\s+open\s*\(/.test(l), loadOnce);

/**
 * One tensor per sample, then a stack (collate, batch builders), as a comprehension in the stack or a loop appending
 * to a list stacked after it (found from the stack, the append or the constructor's line): one numpy stack and one
 * conversion (stackonce.ts).
 */
const stackOnceMod = treeCodemod('stack-once', (l) => /\.(stack|append|tensor|as_tensor|from_numpy)\s*\(/.test(l), stackOnce);

/** Array data converted to Python numbers one element at a time: one vectorized conversion (convertonce.ts). */
const convertOnceMod = treeCodemod(
  'convert-once',
  (l) => /\b(int|float)\s*\(|\.item\s*\(|\.tolist\s*\(|\bmap\s*\(\s*(int|float)\b|^\s*for\s/.test(l),
  convertOnce,
);

/** A pure helper of the file called per sample on every step (tokenizing in collate): cached (cachecall.ts). */
const cacheCallMod = treeCodemod('cache-pure-call', (l) => /\bfor\b.*\bin\b/.test(l) && /\w\s*\(/.test(l), cacheCall);

export const CODEMODS: Codemod[] = [loadOnceMod, hoistConstant, cacheMemmap, vectorizeBatch, stackOnceMod, convertOnceMod, cacheCallMod, vectorizeElementLoop, removeSync, nonBlockingCopy, dataloaderWorkers, ddpUnused];

/** The codemods for a finding, in order of preference: its pattern family and the line must both fit. */
export function codemodsFor(finding: Finding, line: string): Codemod[] {
  return CODEMODS.filter((c) => c.patterns.some((p) => finding.pattern.startsWith(p)) && c.matches(line));
}
