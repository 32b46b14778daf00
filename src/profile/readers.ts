// The profile readers, tried in order by openProfile. One line per reader.
import type { ProfileReader } from './reader-types.js';
import { kinetoReader, legacyAutogradReader } from './kineto/index.js';
import { nsysReader } from './nsys/index.js';
import { nsysRepReader } from './nsys/rep.js';
import { nsysColumnarDirReader } from './nsys/columnar-dir.js';

export const READERS: ProfileReader[] = [nsysReader, nsysRepReader, nsysColumnarDirReader, kinetoReader, legacyAutogradReader];
