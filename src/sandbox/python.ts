// Finds the Python interpreter that runs the user's workload: one that imports torch.
// Order: the explicit setting (--python / sysight.pythonPath), SYSIGHT_PYTHON, then /usr/bin/python3 and the
// python3 on PATH. An explicit choice is never silently replaced: when it lacks torch, that is the error.

import { execFile } from 'node:child_process';
import { isAbsolute } from 'node:path';
import { findOnPath } from '../profile/find-on-path.js';
import { UserError, throwIfAborted } from '../core/errors.js';

export interface PythonInfo {
  /** The interpreter as it was found (not resolved through symlinks: a venv's python is a symlink). */
  path: string;
  /** sys.version's first word, e.g. "3.11.2". */
  version: string;
  /** torch.__version__, e.g. "1.13.0a0". */
  torchVersion: string;
  /** torch.cuda.is_available() in that interpreter. */
  cuda: boolean;
}

export interface ResolvePythonOptions {
  /** The explicit setting or --python flag: checked first, and when given, the only one checked. */
  configured?: string | undefined;
  /** Environment to read SYSIGHT_PYTHON and PATH from and to run the probes in (default process.env). */
  env?: NodeJS.ProcessEnv | undefined;
  /** Interpreters tried after SYSIGHT_PYTHON and before python3 on PATH (default ['/usr/bin/python3']). */
  fallbacks?: string[] | undefined;
  /** Per-interpreter limit for the probe, which imports torch (default 60 s). */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

export type ProbeResult = { ok: true; info: PythonInfo } | { ok: false; path: string; reason: string };

const PROBE = [
  'import json, sys',
  'r = {"version": sys.version.split()[0]}',
  'try:',
  '    import torch',
  '    r["torch"] = str(torch.__version__)',
  '    r["cuda"] = bool(torch.cuda.is_available())',
  'except ModuleNotFoundError as e:',
  '    r["error"] = "no torch" if e.name == "torch" else "torch import failed: " + str(e)',
  'except Exception as e:',
  '    msg = (str(e).splitlines() or [""])[0]',
  '    r["error"] = "torch import failed: " + type(e).__name__ + (": " + msg if msg else "")',
  'print("SYSIGHT_PROBE " + json.dumps(r))',
].join('\n');

/** Runs one interpreter and says whether it has torch, and if not, why (one short phrase). */
export function probePython(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 60_000,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile(
      path,
      ['-c', PROBE],
      { env, timeout: timeoutMs, maxBuffer: 1 << 20, signal, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith('SYSIGHT_PROBE '));
        if (line) {
          try {
            const r = JSON.parse(line.slice('SYSIGHT_PROBE '.length)) as Record<string, unknown>;
            if (typeof r.error === 'string') return resolve({ ok: false, path, reason: r.error });
            if (typeof r.torch === 'string' && typeof r.version === 'string') {
              return resolve({
                ok: true,
                info: { path, version: r.version, torchVersion: r.torch, cuda: r.cuda === true },
              });
            }
          } catch {
            // fall through: not our probe's output
          }
        }
        resolve({ ok: false, path, reason: failureReason(err, stderr, timeoutMs) });
      },
    );
  });
}

function failureReason(err: (Error & { code?: unknown; killed?: boolean }) | null, stderr: string, timeoutMs: number): string {
  if (err?.code === 'ENOENT') return 'not found';
  if (err?.code === 'EACCES') return 'not executable';
  if (err?.name === 'AbortError') return 'cancelled';
  if (err?.killed) return `no answer within ${Math.round(timeoutMs / 1000)} s`;
  const last = stderr.trim().split('\n').pop()?.trim();
  return last ? `not a working Python: ${last.slice(0, 120)}` : 'not a working Python';
}

export { findOnPath };

/** The interpreters resolvePython looks at, in order, without duplicates. */
export function pythonCandidates(opts: ResolvePythonOptions = {}): { path: string; explicit: string | null }[] {
  const env = opts.env ?? process.env;
  if (opts.configured) return [{ path: opts.configured, explicit: '--python' }];
  if (env.SYSIGHT_PYTHON) return [{ path: env.SYSIGHT_PYTHON, explicit: 'SYSIGHT_PYTHON' }];
  const out: { path: string; explicit: string | null }[] = [];
  const add = (p: string | undefined): void => {
    if (p && !out.some((c) => c.path === p)) out.push({ path: p, explicit: null });
  };
  for (const f of opts.fallbacks ?? ['/usr/bin/python3']) add(f);
  add(findOnPath('python3', env));
  return out;
}

/** The interpreter to run workloads with; a UserError naming every interpreter looked at when none has torch. */
export async function resolvePython(opts: ResolvePythonOptions = {}): Promise<PythonInfo> {
  const env = opts.env ?? process.env;
  const candidates = pythonCandidates(opts);
  const looked: string[] = [];
  for (const c of candidates) {
    throwIfAborted(opts.signal);
    const path = c.explicit && !isAbsolute(c.path) && !c.path.includes('/') ? (findOnPath(c.path, env) ?? c.path) : c.path;
    const r = await probePython(path, env, opts.timeoutMs, opts.signal);
    throwIfAborted(opts.signal);
    if (r.ok) return r.info;
    if (c.explicit) {
      throw new UserError(
        `the Python set by ${c.explicit} cannot run the workload: ${path} (${r.reason}); install PyTorch for it or choose another interpreter`,
      );
    }
    looked.push(`${path} (${r.reason})`);
  }
  const where = looked.length ? looked.join(', ') : 'no python3 on PATH';
  throw new UserError(
    `no Python with PyTorch found: looked at ${where}; install python3-torch or set --python / SYSIGHT_PYTHON`,
  );
}
