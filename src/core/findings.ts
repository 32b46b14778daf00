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
  /** the diagnosis from the profile alone (src/analyze/diagnose), beside the localized findings */
  profileFindings?: ProfileFinding[];
}

/**
 * A finding from the profile alone (no repository): the category, what it cost, and the profile object that
 * explains it — the NVTX range, CUDA API call, Python frame, operator, copies or CPU thread the GPU waited for.
 * With a repository, the analyzer localizes these to lines; without one they are the whole answer.
 */
export interface ProfileFinding {
  /** stable: category + pattern + subject name */
  id: string;
  category: Category;
  /** e.g. "profile.sync-stall", "profile.compile", "profile.data-loading", "profile.copies" */
  pattern: string;
  title: string;
  /** what the time went to, in the profile's own names */
  subject: {
    kind: 'nvtx' | 'api' | 'python' | 'op' | 'thread' | 'copies' | 'kernels' | 'nccl';
    name: string;
    /** the enclosing ranges / operators / frames, outermost first */
    chain?: string[];
    /** Python source location when a frame names one */
    file?: string;
    line?: number;
  };
  severity: Severity;
  impact: {
    /** total time over the profile (wall-clock union when several threads or devices share it) */
    ms: number;
    /** share of the profile's duration, 0..100 */
    pctOfProfile: number;
    /** per detected iteration, when iterations were found; null otherwise */
    msPerIter: number | null;
    /** occurrences (calls, gaps, copies) */
    count: number;
  };
  evidence: Evidence[];
}

/** `sysight analyze <profile>` without a repository: what the profile alone supports. */
export interface ProfileDiagnosis {
  schemaVersion: 1;
  profile: string;
  format: string;
  durationMs: number;
  /** the one step detector's answer (src/profile/queries/iterations.ts) */
  iterations: { count: number; method: string; medianMs: number | null; detail: string };
  gpu: boolean;
  findings: ProfileFinding[];
  /** why there are no findings, what the profile lacks, in plain words */
  notes: string[];
}

/** What an attributed cost is: a CUDA synchronization, a copy, a launch, an allocation, another runtime call, an operator, Python time. */
export type CostKind = 'sync' | 'memcpy' | 'launch' | 'alloc' | 'runtime' | 'op' | 'python';
