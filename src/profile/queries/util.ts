// Helpers shared by the profile queries, one function in one place; this module is their single import
// point. Pure; caches are keyed by the (immutable) model tables.
export * from './util/args.js';
export * from './util/gpu.js';
export * from './util/intervals.js';
export * from './util/names.js';
export * from './util/numbers.js';
export * from './util/order.js';
