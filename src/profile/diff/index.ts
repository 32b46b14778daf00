// Profile diff: two profiles of the same kind compared step by step, with a noise-aware verdict.
export { comparesWhole, diffProfiles, diffSide, diffSides, VERDICT_RULE } from './diff.js';
export { DIFF_SIDE, DIFF_SIDE_VERSION, packDiffSide, unpackDiffSide } from './kept.js';
export type { CpuDiff, DiffOptions, DiffSide, KernelDiff, MetricDiff, ProfileDiff, SideInfo, Verdict } from './diff.js';
export type { NamedDiff, NamedDiffs } from './series.js';
export { formatDiff, formatDiffMarkdown, formatDiffText } from './format.js';
export type { DiffFormat } from './format.js';
