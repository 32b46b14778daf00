// The profile readers, tried in order by openProfile. One line per reader.
import type { ProfileReader } from './open.js';
import { kinetoReader, legacyAutogradReader } from './kineto/index.js';

export const READERS: ProfileReader[] = [
  kinetoReader,
  legacyAutogradReader,
];
