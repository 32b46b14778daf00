// The finding contract (DESIGN.md): one problem at one place, with evidence a reader can check.

export type Category = 'C1' | 'C2' | 'C3' | 'C4' | 'C5' | 'C6' | 'C7';

export const CATEGORY_NAMES: Record<Category, string> = {
  C1: 'Host scheduling',
  C2: 'Kernel launch overhead',
  C3: 'Synchronization',
  C4: 'Memory copy',
  C5: 'Compute inefficiency',
  C6: 'Communication',
  C7: 'Python pipeline',
};

export const CATEGORIES = Object.keys(CATEGORY_NAMES) as Category[];

export type Severity = 'critical' | 'high' | 'medium' | 'low';

/** A profile fact (query + numbers) or a source fact (the line and why it matches). */
export type Evidence =
  | {
      kind: 'profile';
      /** the query that produced it, e.g. "sync" or "gaps --device 0" */
      query: string;
      summary: string;
      /** the numbers, as name → value */
      values?: Record<string, number | string>;
      /** time range(s) in ns on the profile clock */
      ranges?: Array<[number, number]>;
    }
  | {
      kind: 'source';
      file: string;
      line: number;
      text: string;
      why: string;
    }
  | {
      kind: 'stack';
      /** how the location was reached: callchain, python stack, nvtx */
      via: 'callchain' | 'python-stack' | 'nvtx' | 'static';
      frames: string[];
    };

export interface Finding {
  /** stable fingerprint: category + file + function + pattern id (not the line, which moves) */
  id: string;
  category: Category;
  /** catalogue pattern id, e.g. "C3.item-in-loop" */
  pattern: string;
  title: string;
  /** repo-relative POSIX path */
  file: string;
  /** qualified function, e.g. "GPT.forward" or "<module>" */
  function: string;
  /** 1-based */
  line: number;
  severity: Severity;
  impact: { msPerIter: number; pctOfIter: number };
  confidence: number; // 0..1
  evidence: Evidence[];
  /** how the location was found */
  localizedBy: 'callchain' | 'python-stack' | 'nvtx' | 'catalogue' | 'llm';
  /** an LLM's review of a deterministic finding (src/agent llmJudge); absent when no LLM ran */
  review?: { by: 'llm'; model: string; verdict: 'confirmed' | 'rejected'; reason: string };
}

export interface LocalizedFindingSet {
  schemaVersion: 1;
  profile: string;
  repo: string;
  /** iteration time used for percentages, ms; null when iterations could not be detected */
  iterationMs: number | null;
  iterations: number;
  /** the profile has GPU activity (kernels or copies); CPU-only profiles rule out GPU-side fixes */
  gpu: boolean;
  findings: Finding[];
  /** source patterns with no profile support: never findings */
  unconfirmed: Finding[];
  notes: string[];
}

/** What an attributed cost is: a CUDA synchronization, a copy, a launch, an allocation, another runtime call, an operator, Python time. */
export type CostKind = 'sync' | 'memcpy' | 'launch' | 'alloc' | 'runtime' | 'op' | 'python';
