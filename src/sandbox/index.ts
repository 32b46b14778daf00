// The sandbox layer: git worktrees, applying patches, running workloads, measuring, deciding.
export * from './apply.js';
export * from './instrument.js';
export * from './measure.js';
export * from './python.js';
export * from './shim.js';
export * from './shim-instrumentation.js';
export { inspectRepo, dirtyMessage, type RepoInfo } from './repo.js';
export { cleanupAllSync, liveWorktrees, liveGroups } from './registry.js';
export * from './runner.js';
export * from './sequential.js';
export * from './stats.js';
export * from './trial.js';
export * from './verdict.js';
export * from './worktree.js';
