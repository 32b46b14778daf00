export * from './profile.js';
export * from './tables.js';
export * from './errors.js';
export * from './findings.js';
export * from './run.js';
export * from './hash.js';
export * from './overview.js';
export * from './random.js';
