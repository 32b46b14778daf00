// Worker-thread entry: runs profile parsing and analysis off the caller's main thread.
// Protocol and handlers live in src/profile/worker-protocol.ts once the profile layer lands.
import { parentPort } from 'node:worker_threads';

parentPort?.on('message', (msg: unknown) => {
  parentPort?.postMessage({ type: 'error', message: `unknown request: ${JSON.stringify(msg)}` });
});
