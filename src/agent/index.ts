// The LLM agent layer: providers, config, tools, loop, stages.
export * from './types.js';
export * from './config.js';
export * from './providers/index.js';
export { agentTools, runTool, capOutput, queryToolName, DEFAULT_OUTPUT_CAP, type AgentTool, type ToolContext, type ToolSetOptions } from './tools.js';
export { runLoop, compact, estimateTokens, type LoopOptions, type LoopResult } from './loop.js';
export { validate, extractJson } from './schema.js';
export { llmJudge, llmFindings, llmPlanPatch, refineFindings, combineVerdict, verifyProposal, metricValues } from './stages.js';
export type { StageContext, StageRun, LlmReview, ProposedFinding, RefineResult } from './stages.js';
export { learnFromTrials, verifyLesson, trialOutcome, trialId, claimedPercents, type LearnTrial, type LearnResult, type LearnOptions, type ProposedLesson } from './learn.js';
