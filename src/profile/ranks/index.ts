// Multi-rank map step: one profile → one RankSummary per rank process (see src/core/ranks.ts).
export { summarizeProfile, summarizeModel, summarizeView, DATA_LOAD_RE } from './summarize.js';
export type { SummarizeOptions } from './summarize.js';
export { processView, filterRows } from './view.js';
export { rankProcesses, identifyRanks, runKeyOf, envRank, fileNameRank, processNameRank } from './identity.js';
export type { RankProcess, IdentityGuess } from './identity.js';
