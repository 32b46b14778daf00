// The stamp of the readers in this build: a hash of src/profile's sources taken by esbuild.config.mjs (tests and
// tsx: "dev"). Cache entries built by another engine carry another stamp and are never used.
declare const __SYSIGHT_READER_STAMP__: string | undefined;

export const READER_STAMP: string = typeof __SYSIGHT_READER_STAMP__ === 'string' ? __SYSIGHT_READER_STAMP__ : 'dev';
