// Types of the anti-pattern catalogue (kept apart so the pattern modules and the runner share them).
import type { Category } from '../core/findings.js';
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
  related?: Array<{ line: number; why: string }>;
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
}

export interface CatalogueEntry {
  id: string;
  category: Category;
  title: string;
  /** what the code does and why it costs, in one or two sentences */
  description: string;
  evidence: EvidenceSpec[];
  scope: Scope;
  match(ctx: ModuleContext, repo: RepoFacts): RawMatch[];
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
