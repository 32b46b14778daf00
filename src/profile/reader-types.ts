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
}

export interface ProfileReader {
  name: string;
  /** true when this reader handles a file starting with `head` (up to 4 KiB) at `path` */
  sniff(head: Uint8Array, path: string): boolean;
  /** for readers of export folders (nsys arrowdir/parquetdir): true when this reader handles the folder */
  sniffDir?: ((path: string) => boolean) | undefined;
  read(path: string, opts: ReadOptions): Promise<ProfileModel>;
}
