// Worker-thread entry (bundled as dist/worker.js): opens profiles and runs profile queries off the caller's
// main thread. Protocol: src/profile/worker-protocol.ts; client: src/profile/worker-client.ts.
import { parentPort } from 'node:worker_threads';
import { UserError } from '../core/errors.js';
import type { ProfileModel } from '../core/profile.js';
import { openProfile } from '../profile/open.js';
import { findQuery } from '../profile/queries/registry.js';
import { modelTransferables, serializeError } from '../profile/worker-protocol.js';
import type { WorkerRequest, WorkerResponse } from '../profile/worker-protocol.js';

let held: ProfileModel | undefined;

function post(msg: WorkerResponse, transfer: ArrayBuffer[] = []): void {
  parentPort?.postMessage(msg, transfer);
}

async function handle(req: WorkerRequest): Promise<void> {
  if (req.op === 'open') {
    const model = await openProfile(req.path, {
      onProgress: (fraction, message) => post({ id: req.id, type: 'progress', fraction, message }),
    });
    if (req.keep) {
      held = model;
      post({ id: req.id, type: 'opened', meta: model.meta });
    } else {
      held = undefined;
      post({ id: req.id, type: 'model', model }, modelTransferables(model));
    }
    return;
  }
  if (req.op === 'query') {
    if (!held) throw new UserError('no profile is open in the worker: open one before running a query');
    const q = findQuery(req.name);
    if (!q) throw new UserError(`unknown query: ${req.name}`);
    const result = q.run(held, req.args);
    post({ id: req.id, type: 'result', result, ...(req.format ? { text: q.format(result, held) } : {}) });
    return;
  }
  throw new UserError(`unknown request: ${JSON.stringify(req)}`);
}

parentPort?.on('message', (req: WorkerRequest) => {
  handle(req).catch((e: unknown) => post({ id: req?.id ?? -1, type: 'error', error: serializeError(e) }));
});
