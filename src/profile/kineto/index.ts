export { kinetoReader, legacyAutogradReader, readTraceFile, traceToModel } from './reader.js';
export { shortKernelName, isNcclKernelName, parsePythonFrame, parseMemcpyName } from './names.js';
