// Worker-thread entry (bundled as dist/ranks-compute.js): one ranks computation per worker, off the extension
// host's main thread, with progress; `cancel` aborts it (the caller may also just terminate the worker).
import { parentPort } from 'node:worker_threads';
import { toWorkerError } from './errors.js';
import { runRanksJob } from './ranks-job.js';
import type { RanksComputeReply, RanksComputeRequest } from '../protocol/ranks-worker.js';

const ac = new AbortController();
const send = (r: RanksComputeReply) => parentPort?.postMessage(r);

parentPort?.on('message', (msg: RanksComputeRequest) => {
  if (msg.type === 'cancel') {
    ac.abort();
    return;
  }
  if (msg.type !== 'ranks-compute') return;
  runRanksJob(msg.inputs, { signal: ac.signal, onProgress: (fraction, message) => send({ type: 'progress', fraction, message }) })
    .then(({ view }) => send({ type: 'result', view }))
    .catch((e: unknown) => send({ type: 'error', ...toWorkerError(e, ac.signal.aborted) }));
});
