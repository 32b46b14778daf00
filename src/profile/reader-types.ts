// The contract between openProfile (./open.ts) and the readers it tries (./readers.ts): kept apart so the
// readers never import the module that imports them.
import type { CountOnlyTable, ProfileModel } from '../core/profile.js';

export interface ReadOptions {
  signal?: AbortSignal | undefined;
  /** 0..1 progress with a short message */
  onProgress?: ((fraction: number, message: string) => void) | undefined;
  /**
   * Tables to count but not load (default: load everything). For callers that need only their row counts
   * (the summary): the model table stays empty and meta.countOnly gives its rows. Readers whose format has
   * no separate table to skip (Kineto) load it anyway and leave meta.countOnly unset.
   */
  countOnly?: readonly CountOnlyTable[] | undefined;
  /**
   * Where a reader that can may write its big tables as it reads them (the profile cache's new entry), batch by
   * batch, instead of holding them: the tables it wrote are left empty in the model it returns, and the caller
   * (openWithCache) builds the model from the entry. Readers that do not stream ignore it.
   */
  sink?: TableSink | undefined;
}

/** A model table's rows, a batch at a time: `length` rows of every typed-array column. */
export type ColumnBatch = { length: number } & Record<string, unknown>;

export interface TableSink {
  /** starts the file of model table `name`; every batch written must have the same columns */
  table(name: string): {
    write(batch: ColumnBatch): void;
    finish(): void;
    /** after finish: rewrites a Float64 column in place, batch by batch (firstRow: the batch's first row) */
    rewrite(column: string, fn: (values: Float64Array, firstRow: number) => void): void;
  };
  /** starts the callchains file: frames innermost first, each chain's frames together */
  callchains(): { frame(chainId: number, symbol: string, module: string | undefined): void; finish(): void };
}

export interface ProfileReader {
  name: string;
  /** true when this reader handles a file starting with `head` (up to 4 KiB) at `path` */
  sniff(head: Uint8Array, path: string): boolean;
  /** for readers of export folders (nsys arrowdir/parquetdir): true when this reader handles the folder */
  sniffDir?: ((path: string) => boolean) | undefined;
  read(path: string, opts: ReadOptions): Promise<ProfileModel>;
}
