// Multi-rank analysis: the map (summarizeProfile, in src/profile/ranks) and the reduce (reduceRanks), plus
// the input handling and report formatting the CLI and the cluster runner share.
export { summarizeProfile, summarizeModel } from '../../profile/ranks/index.js';
export type { SummarizeOptions } from '../../profile/ranks/index.js';
export { RankReducer, reduceRanks } from './reduce.js';
export type { ReduceOptions } from './reduce.js';
export { alignClocks } from './align.js';
export { collectRanks, forEachRank, expandInputs, readSummaryFile, SUMMARY_SUFFIX } from './inputs.js';
export { formatRanksReport } from './format.js';
export { localizeRankFindings } from './localize.js';
