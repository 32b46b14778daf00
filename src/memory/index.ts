export * from './ledger.js';
export * from './wiki.js';
export * from './general.js';
export * from './lessons.js';
