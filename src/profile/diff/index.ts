// Profile diff: two profiles of the same kind compared step by step, with a noise-aware verdict.
export { diffProfiles, VERDICT_RULE } from './diff.js';
export type { CpuDiff, DiffOptions, KernelDiff, MetricDiff, ProfileDiff, SideInfo, Verdict } from './diff.js';
export type { NamedDiff, NamedDiffs } from './series.js';
export { formatDiff, formatDiffMarkdown, formatDiffText } from './format.js';
export type { DiffFormat } from './format.js';
