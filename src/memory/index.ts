export * from './ledger.js';
export * from './wiki.js';
export { writeAtomic } from './fsutil.js';
export * from './general.js';
export * from './lessons.js';
