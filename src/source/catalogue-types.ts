// Types of the anti-pattern catalogue (kept apart so the pattern modules and the runner share them).
import type { Category, CostKind } from '../core/findings.js';
import type { ModuleContext } from './context.js';
import type { SyntaxNode } from './parser.js';

/**
 * What profile evidence confirms a pattern: the profile query to run and the signal to read from it.
 * `query` names a profile query (sync, memcpy, launch, kernels, gaps, nccl, overlap, utilization, iterations,
 * osrt, python); `signal` is what to measure, `confirmsWhen` the condition in words.
 */
export interface EvidenceSpec {
  query: 'sync' | 'memcpy' | 'launch' | 'kernels' | 'gaps' | 'nccl' | 'overlap' | 'utilization' | 'iterations' | 'osrt' | 'python';
  signal: string;
  confirmsWhen: string;
}

/** Where a match must be to be reported at all. */
export type Scope = 'anywhere' | 'loop' | 'hot' | 'loop-or-hot';

export interface CatalogueMatch {
  /** catalogue id, e.g. `C3.item-sync` */
  patternId: string;
  category: Category;
  /** repo-relative POSIX path */
  file: string;
  /** qualified function (`GPT.forward`, `outer.inner`, `<module>`) */
  function: string;
  /** 1-based line of the matched call expression (or loop / with statement) */
  line: number;
  /** 1-based column */
  column: number;
  /** the source line, trimmed */
  text: string;
  why: string;
  /** runs once per iteration: in a hot function, or inside a hot loop's body */
  inHotPath: boolean;
  /** inside a for/while loop or a comprehension within its function */
  inLoop: boolean;
  /**
   * under an iteration-dependent condition inside its innermost loop or function: it runs on some
   * iterations only (`if step % log_every == 0: print(loss.item())`); flag conditions do not count
   */
  conditional?: boolean;
  /** other lines of the same root cause (the `open` of a parsed file): evidence of this match, never findings */
  related?: Array<{ line: number; text: string; why: string }>;
  /**
   * most of its cost is paid on other lines, after it (a memory map opened per call faults its pages in again
   * where it is read): what its own line measures is a lower bound. Says why, in words.
   */
  deferredCost?: string;
}

export interface RawMatch {
  node: SyntaxNode;
  fn: string;
  why: string;
  /** enclosing loops (for inLoop); defaults to none */
  loops?: SyntaxNode[];
  /** overrides the line-based hot test (e.g. a DataLoader built once but iterated by the hot loop) */
  hot?: boolean;
  /** other lines of the same root cause: evidence of this match */
  related?: Array<{ line: number; why: string }>;
  /** most of its cost lands on the lines after it (CatalogueMatch.deferredCost) */
  deferredCost?: string;
}

/** How the profile confirms a pattern and measures its cost (analyze/detect reads these). */
export interface PatternFacts {
  /**
   * `line`: the cost measured on the match's own line (a loop: its body) decides when the profile has stacks.
   * `category`: its line is not where the time goes — built once and paid every iteration elsewhere (a DataLoader,
   * DDP settings) or a whole-model choice (no autocast, no compile) — so its category's measured cost decides,
   * with or without stacks.
   */
  measuredAt: 'line' | 'category';
  /** only a GPU can make it costly: on a CPU-only profile there is nothing to measure */
  needsGpu: boolean;
  /** the attributed costs that speak for it */
  costKinds: readonly CostKind[];
  /**
   * operator / runtime names its line produces: what a function-level site (Kineto's python_function frames name
   * a function's first line) must show to speak for the match; absent: any launch, operator or runtime call
   */
  events?: RegExp;
  /**
   * its cost is Python time alone: no CUDA or OS call is made on its line, so a profile whose stacks come only from
   * such calls (nsys callchains without Python sampling) cannot measure its line; its category's cost decides there
   */
  pythonOnly?: boolean;
}

/** Each category's facts; an entry states only where it differs. */
export const CATEGORY_FACTS: Readonly<Record<Category, Omit<PatternFacts, 'events'>>> = {
  C1: { measuredAt: 'category', needsGpu: false, costKinds: ['python', 'runtime'] },
  C2: { measuredAt: 'line', needsGpu: true, costKinds: ['launch', 'op'] },
  C3: { measuredAt: 'line', needsGpu: true, costKinds: ['sync'] },
  C4: { measuredAt: 'line', needsGpu: true, costKinds: ['memcpy', 'sync'] },
  C5: { measuredAt: 'line', needsGpu: false, costKinds: ['op', 'launch', 'python'] },
  C6: { measuredAt: 'line', needsGpu: true, costKinds: ['sync', 'launch', 'runtime'] },
  C7: { measuredAt: 'line', needsGpu: false, costKinds: ['python', 'runtime', 'op'] },
};

export interface CatalogueEntry extends Partial<PatternFacts> {
  id: string;
  category: Category;
  title: string;
  /** what the code does and why it costs, in one or two sentences */
  description: string;
  evidence: EvidenceSpec[];
  scope: Scope;
  match(ctx: ModuleContext, repo: RepoFacts): RawMatch[];
}

/** An entry's facts: its own, else its category's. */
export function patternFacts(e: Pick<CatalogueEntry, 'category'> & Partial<PatternFacts>): PatternFacts {
  const base = CATEGORY_FACTS[e.category];
  return {
    measuredAt: e.measuredAt ?? base.measuredAt,
    needsGpu: e.needsGpu ?? base.needsGpu,
    costKinds: e.costKinds ?? base.costKinds,
    ...(e.events ? { events: e.events } : {}),
    ...(e.pythonOnly ? { pythonOnly: true } : {}),
  };
}

/** Facts about the whole repo that some patterns need (computed once per run). */
export interface RepoFacts {
  /** torch.compile / jit / CUDA graphs used somewhere */
  usesCompile: boolean;
  /** torch.autocast / amp / .half() / bf16 model used somewhere */
  usesLowPrecision: boolean;
  /** pin_memory=True on a DataLoader or a .pin_memory() call somewhere */
  pinsMemory: boolean;
}
