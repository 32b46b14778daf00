export { kinetoReader, legacyAutogradReader, readTraceFile, traceToModel } from './reader.js';
export { shortKernelName, isNcclKernelName, parseMemcpyName } from './names.js';
