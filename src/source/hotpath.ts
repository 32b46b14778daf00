// Training / inference loops and the hot path: the functions that run once per iteration.
//
// A loop (for/while) is a training loop when its body — directly or through the functions it calls —
// steps an optimizer (`optimizer.step()`, `scaler.step(opt)`, `X.step()` with X built by torch.optim) or
// calls `.backward()`; an inference loop when it calls the model (a call resolved to an nn.Module's
// forward, or a callee named like a model); a data loop when it only iterates a DataLoader. Loops inside
// `forward` methods belong to the model, not to the workload. Of nested candidates the outer loop is
// dropped when its own body (outside the inner loop) does not step/backward (train) or call the model
// (inference): `for epoch: for batch in loader: …` keeps the inner loop only. A loop whose signals come
// only from another function's candidate loop (`for epoch: train(...)`) is not a candidate itself.
//
// Hot functions: everything reachable through the call graph from calls in the chosen loops' bodies
// (train loops; else inference loops; else data loops; only loops the entry script runs, when it runs
// any) — with no loop at all, the root models' forward and Lightning-style step hooks (training_step,
// validation_step…) — plus the `forward` of every nn.Module class
// built inside a hot module's methods (submodules: `for block in self.h: block(x)` is not resolvable
// otherwise), plus `__getitem__`/`__getitems__`/`__iter__` of the Dataset and the collate_fn of each
// DataLoader in the repo (all Dataset subclasses when a DataLoader's dataset cannot be typed).
import type { CallGraph } from './callgraph.js';
import { underIterationCondition } from './conditions.js';
import type { SyntaxNode } from './parser.js';
import type { RepoIndex } from './repo-index.js';
import { MODEL_NAME_RE, type Resolver } from './resolve.js';
import type { CallSym, LoopSym, ModuleSymbols } from './symbols.js';

export type LoopKind = 'train' | 'inference' | 'data';
export type Signal = 'step' | 'backward' | 'forward' | 'dataloader';

export interface HotLoop {
  file: string;
  function: string;
  line: number;
  endLine: number;
  bodyLine: number;
  kind: LoopKind;
  iter: string;
  /** what made it a loop of this kind, e.g. "optimizer.step() at 31", "loss.backward() via train_step" */
  signals: string[];
  /** on the hot path: of the chosen kind (train, else inference, else data) and run by the entry */
  hot: boolean;
}

export interface HotPath {
  loops: HotLoop[];
  /** function id → why it is hot */
  functions: Map<string, string>;
  /**
   * hot functions reached from the loops only through call sites under an iteration-dependent condition
   * (`if it % eval_interval == 0: estimate_loss()`, see conditions.ts): they run on some iterations only
   */
  conditional: Set<string>;
  dataLoaders: DataLoaderSite[];
  notes: string[];
}

export interface DataLoaderSite {
  file: string;
  function: string;
  line: number;
  /** the variable it is assigned to, when any */
  target: string | null;
  /** function ids of the dataset's item access / collate function */
  datasetFns: string[];
  collateFns: string[];
}

const STEP_RE = /(^|\.)(optimizer|optimiser|optim|opt|scaler|[a-z_]*optimizer[a-z_0-9]*|opt_[a-z_0-9]+)\.step$/i;
const OPTIM_CTOR = /(^|\.)(optim\.[A-Za-z]+|Adam|AdamW|SGD|RMSprop|Adagrad|Adafactor|Lamb|LAMB|Lion|FusedAdam|ZeroRedundancyOptimizer|LBFGS)$/;
const BACKWARD_RE = /(\.backward|^accelerator\.backward|\.manual_backward)$/;
const DATALOADER_RE = /(^|\.)DataLoader$/;

export function callsIn(m: ModuleSymbols, fn: string, from: number, to: number): CallSym[] {
  return m.calls.filter((c) => c.function === fn && c.line >= from && c.line <= to);
}

/** Direct signals of one call. */
function callSignals(m: ModuleSymbols, c: CallSym, graph: CallGraph): Signal[] {
  const out: Signal[] = [];
  if (STEP_RE.test(c.callee)) out.push('step');
  else if (/\.step$/.test(c.callee)) {
    const recv = c.callee.slice(0, -'.step'.length);
    const asg = m.assignments.find((a) => a.target === recv && a.valueCallee && OPTIM_CTOR.test(a.valueCallee));
    if (asg) out.push('step');
  }
  if (BACKWARD_RE.test(c.callee)) out.push('backward');
  const targets = graph.targetsAt(m.file, c.line, c.column);
  if (targets.some((e) => e.to.endsWith('.forward')) || MODEL_NAME_RE.test(c.callee.split('.').pop() ?? '')) out.push('forward');
  return out;
}

function stripIterWrappers(expr: string): string {
  let e = expr.trim();
  for (;;) {
    const m = /^(?:enumerate|tqdm(?:\.tqdm)?|iter|zip|islice|itertools\.islice)\((.*)\)$/s.exec(e);
    if (!m) return e;
    e = m[1]!.split(',')[0]!.trim();
  }
}

function iteratesDataLoader(m: ModuleSymbols, loop: LoopSym): boolean {
  if (loop.kind !== 'for') return false;
  const it = stripIterWrappers(loop.iter);
  if (/(^|\.)[A-Za-z_]*(loader|_dl)$/i.test(it) || /^dl$/.test(it)) return true;
  return m.assignments.some((a) => a.target === it && !!a.valueCallee && DATALOADER_RE.test(a.valueCallee));
}

/** Signals of every function (own calls only), then propagated along the call graph on demand. */
function functionSignals(index: RepoIndex): Map<string, Set<Signal>> {
  const own = new Map<string, Set<Signal>>();
  for (const pm of index.modules) {
    const m = pm.symbols;
    for (const c of m.calls) {
      const s = callSignals(m, c, index.graph);
      if (!s.length) continue;
      const id = `${m.file}:${c.function}`;
      const set = own.get(id) ?? new Set<Signal>();
      for (const x of s) set.add(x);
      own.set(id, set);
    }
  }
  return own;
}

/** Every training/inference/data loop of the repo (hot: false until findHotPath chooses). */
export function findLoops(index: RepoIndex): HotLoop[] {
  const { graph } = index;
  const own = functionSignals(index);
  type Cand = HotLoop & { sig: Set<Signal> };
  // owner function id → its candidate loops (line ranges); empty in the first pass
  let owners = new Map<string, Array<{ line: number; endLine: number }>>();
  const inLoops = (ranges: Array<{ line: number; endLine: number }>, line: number) => ranges.some((r) => line >= r.line && line <= r.endLine);
  /** signals reachable from a call target; a function owning a candidate loop contributes only its code outside that loop */
  const reachSignals = (start: string, self: string): Array<[Signal, string]> => {
    const out: Array<[Signal, string]> = [];
    const seen = new Set<string>();
    const stack = [start];
    while (stack.length) {
      const f = stack.pop()!;
      if (seen.has(f)) continue;
      seen.add(f);
      const ranges = f === self ? undefined : owners.get(f);
      if (ranges) {
        const file = f.slice(0, f.indexOf(':'));
        const fn = f.slice(f.indexOf(':') + 1);
        const m = index.byFile.get(file)?.symbols;
        for (const c of m ? m.calls.filter((c) => c.function === fn && !inLoops(ranges, c.line)) : []) for (const s of callSignals(m!, c, graph)) out.push([s, f]);
        for (const e of graph.callees(f)) if (!inLoops(ranges, e.line)) stack.push(e.to);
      } else {
        for (const s of own.get(f) ?? []) out.push([s, f]);
        for (const e of graph.callees(f)) stack.push(e.to);
      }
    }
    return out;
  };
  const classify = (m: ModuleSymbols, loop: LoopSym): Cand | null => {
    const sig = new Set<Signal>();
    const why: string[] = [];
    const self = `${m.file}:${loop.function}`;
    for (const c of callsIn(m, loop.function, loop.bodyLine, loop.endLine)) {
      for (const s of callSignals(m, c, graph)) {
        sig.add(s);
        why.push(`${c.callee}() at ${c.line}`);
      }
      for (const e of graph.targetsAt(m.file, c.line, c.column)) {
        for (const [s, f] of reachSignals(e.to, self)) {
          if (s === 'forward' && sig.has('forward')) continue;
          if (!sig.has(s)) why.push(`${s} via ${f.slice(f.indexOf(':') + 1)}`);
          sig.add(s);
        }
      }
    }
    if (iteratesDataLoader(m, loop)) {
      sig.add('dataloader');
      why.push(`iterates ${stripIterWrappers(loop.iter)}`);
    }
    const kind: LoopKind | null = sig.has('step') || sig.has('backward') ? 'train' : sig.has('forward') ? 'inference' : sig.has('dataloader') ? 'data' : null;
    if (!kind) return null;
    return { file: m.file, function: loop.function, line: loop.line, endLine: loop.endLine, bodyLine: loop.bodyLine, kind, iter: loop.iter, signals: [...new Set(why)].slice(0, 6), hot: false, sig };
  };
  const pass = (): Cand[] => {
    const out: Cand[] = [];
    for (const pm of index.modules) {
      for (const loop of pm.symbols.loops) {
        if (loop.function.endsWith('.forward') || loop.function === 'forward') continue;
        const c = classify(pm.symbols, loop);
        if (c) out.push(c);
      }
    }
    return out;
  };
  // first pass: every loop that reaches a signal; second pass: a loop that only drives another
  // function's candidate loop (`for epoch: train(...)`) is not itself a training loop
  const first = pass();
  owners = new Map();
  for (const c of first) {
    const id = `${c.file}:${c.function}`;
    owners.set(id, [...(owners.get(id) ?? []), { line: c.bodyLine, endLine: c.endLine }]);
  }
  const cands = pass();
  // drop outer loops whose own body adds nothing beyond a nested candidate of the same kind
  const loops = cands.filter((outer) => {
    const inner = cands.filter((c) => c !== outer && c.file === outer.file && c.function === outer.function && c.line > outer.line && c.endLine <= outer.endLine);
    if (!inner.length) return true;
    const m = index.byFile.get(outer.file)!.symbols;
    const ownCalls = callsIn(m, outer.function, outer.bodyLine, outer.endLine).filter((c) => !inner.some((i) => c.line >= i.line && c.line <= i.endLine));
    const ownSig = new Set(ownCalls.flatMap((c) => callSignals(m, c, graph)));
    if (outer.kind === 'train') return ownSig.has('step') || ownSig.has('backward');
    if (outer.kind === 'inference') return ownSig.has('forward') && !inner.some((i) => i.kind === 'inference');
    return false;
  });
  return loops.map(({ sig: _sig, ...l }) => l);
}

/**
 * The hot path. With `entryFile`, only loops the entry script runs (in it, or in functions reachable from
 * its top level) are considered, when it runs any.
 */
export function findHotPath(index: RepoIndex, entryFile?: string | null): HotPath {
  const { graph, resolver } = index;
  const notes: string[] = [];
  const reachMemo = new Map<string, string[]>();
  const reach = (id: string) => {
    let r = reachMemo.get(id);
    if (!r) reachMemo.set(id, (r = graph.reachableFrom([id])));
    return r;
  };
  const loops = findLoops(index);
  let pool = loops;
  if (entryFile && index.byFile.has(entryFile)) {
    const run = new Set(reach(`${entryFile}:<module>`));
    const mine = loops.filter((l) => l.file === entryFile || run.has(`${l.file}:${l.function}`));
    if (mine.length) pool = mine;
    else notes.push(`the entry script ${entryFile} runs no loop found statically; loops of the whole repo are used`);
  }
  const order: LoopKind[] = ['train', 'inference', 'data'];
  const chosenKind = order.find((k) => pool.some((l) => l.kind === k));
  const chosen = pool.filter((l) => l.kind === chosenKind);
  for (const l of chosen) l.hot = true;
  const functions = new Map<string, string>();
  const mark = (id: string, why: string) => {
    for (const f of reach(id)) if (!functions.has(f)) functions.set(f, f === id ? why : `${why} → ${id.slice(id.indexOf(':') + 1)}`);
  };
  const every = new Set<string>();
  const some = new Set<string>();
  for (const l of chosen) {
    const pm = index.byFile.get(l.file)!;
    for (const c of callsIn(pm.symbols, l.function, l.bodyLine, l.endLine)) {
      const cond = siteIsConditional(pm.tree.rootNode, c.line, c.column, l.line);
      for (const e of graph.targetsAt(pm.file, c.line, c.column)) {
        mark(e.to, `called ${cond ? 'on some iterations (under a condition) ' : ''}from the ${l.kind} loop at ${l.file}:${l.line}`);
        for (const f of reach(e.to)) (cond ? some : every).add(f);
      }
    }
  }
  const conditional = new Set([...some].filter((f) => !every.has(f)));
  if (!chosen.length) notes.push('no training or inference loop found: the hot path is the model forward methods and dataset item access');
  // submodule forwards of hot nn.Modules (and, with no loop, every model forward)
  const moduleForwards = (classId: string, why: string, seen: Set<string>) => {
    if (seen.has(classId)) return;
    seen.add(classId);
    for (const sub of resolver.submodules(classId)) {
      const fwd = resolver.classMember(sub, 'forward', false);
      if (fwd) mark(fwd, why);
      moduleForwards(sub, why, seen);
    }
  };
  const hotClasses = (): string[] =>
    [...functions.keys()].filter((f) => f.endsWith('.forward')).map((f) => f.slice(0, -'.forward'.length)).filter((c) => resolver.classes.has(c));
  if (!chosen.length) {
    // no loop in the repo (Lightning, HF Trainer…): the framework calls forward and the step hooks
    for (const c of resolver.rootModelClasses()) {
      const f = resolver.classMember(c, 'forward', false);
      if (f) mark(f, 'forward of a model class');
      for (const hook of ['training_step', 'validation_step', 'predict_step', 'compute_loss']) {
        const h = resolver.classMember(c, hook, false);
        if (h) mark(h, `${hook} hook of a model class (no loop in the repo: the framework runs it)`);
      }
    }
  }
  const seen = new Set<string>();
  for (let changed = true; changed; ) {
    const before = functions.size;
    for (const c of hotClasses()) moduleForwards(c, `forward of a submodule of ${c.slice(c.indexOf(':') + 1)}`, seen);
    changed = functions.size !== before;
  }
  const dataLoaders = dataLoaderSites(index, resolver, notes);
  for (const d of dataLoaders) {
    for (const f of d.datasetFns) mark(f, `dataset item access for the DataLoader at ${d.file}:${d.line}`);
    for (const f of d.collateFns) mark(f, `collate_fn of the DataLoader at ${d.file}:${d.line}`);
  }
  return { loops, functions, conditional, dataLoaders, notes };
}

function dataLoaderSites(index: RepoIndex, resolver: Resolver, notes: string[]): DataLoaderSite[] {
  const out: DataLoaderSite[] = [];
  const datasetClasses = [...resolver.classes.keys()].filter((id) => resolver.isDatasetClass(id));
  const itemFns = (classId: string) =>
    ['__getitem__', '__getitems__', '__iter__', '__next__'].map((n) => resolver.classMember(classId, n, false)).filter((x): x is string => !!x);
  for (const pm of index.modules) {
    const m = pm.symbols;
    for (const c of m.calls) {
      if (!DATALOADER_RE.test(c.callee)) continue;
      const ds = c.keywords['dataset'] ?? c.args[0] ?? null;
      const target = m.assignments.find((a) => a.line === c.line && a.valueCallee === c.callee)?.target ?? null;
      let datasetFns: string[] = [];
      const dsType = ds ? resolveValueExpr(resolver, m, c.function, ds, c.line) : null;
      if (dsType === EXTERNAL) datasetFns = []; // a library dataset (torchvision.datasets.…): no repo code
      else if (dsType) datasetFns = itemFns(dsType);
      else if (datasetClasses.length) {
        datasetFns = datasetClasses.flatMap(itemFns);
        notes.push(`${m.file}:${c.line}: the DataLoader's dataset (${ds ?? '?'}) is not typed statically; every Dataset class's item access is taken as hot`);
      }
      const collate = c.keywords['collate_fn'];
      let collateFns: string[] = [];
      if (collate) {
        const v = resolver.resolveExpr(m, c.function, collate, 0, c.line);
        if (v?.kind === 'function') collateFns = [v.id];
        else if (v?.kind === 'instance') collateFns = [resolver.classMember(v.classId, '__call__', false)].filter((x): x is string => !!x);
        else if (v?.kind === 'class') collateFns = [resolver.classMember(v.id, '__call__', false)].filter((x): x is string => !!x);
      }
      out.push({ file: m.file, function: c.function, line: c.line, target, datasetFns, collateFns });
    }
  }
  return out;
}

const EXTERNAL = '<external>';

/** The class of a value expression (a name typed by assignments, or a direct `Class(...)` call), EXTERNAL for library code. */
function resolveValueExpr(resolver: Resolver, m: ModuleSymbols, fn: string, expr: string, line: number): string | null {
  const call = /^([A-Za-z_][\w.]*)\(/.exec(expr);
  const v = resolver.resolveExpr(m, fn, call ? call[1]! : expr, 0, line);
  if (call && v?.kind === 'class') return v.id;
  if (v?.kind === 'instance') return v.classId;
  if (v?.kind === 'external') return EXTERNAL;
  return null;
}

/** True when (file, function, line) runs once per iteration: a hot function, or inside a hot loop's body. */
export function isHotLine(hot: Pick<HotPath, 'loops' | 'functions'>, file: string, fn: string, line: number): boolean {
  if (hot.functions.has(`${file}:${fn}`)) return true;
  return hot.loops.some((l) => l.hot && l.file === file && l.function === fn && line >= l.bodyLine && line <= l.endLine);
}

/** Whether the call starting at (line, column) runs on some iterations of the loop at loopLine only. */
function siteIsConditional(root: SyntaxNode, line: number, column: number, loopLine: number): boolean {
  let n: SyntaxNode | null = root.descendantForPosition({ row: line - 1, column: column - 1 });
  while (n && !(n.type === 'call' && n.startPosition.row === line - 1 && n.startPosition.column === column - 1)) n = n.parent;
  return n ? underIterationCondition(n, loopLine) : false;
}
