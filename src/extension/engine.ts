// The engine as the extension sees it: the one seam between the editor and src/. Everything here runs
// off the extension host's main thread (a worker thread for profiles, the `sysight` CLI as a child
// process for analysis and the closed loop) and takes an AbortSignal. No `vscode` import: the
// container hands in the paths and settings.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CancelledError, UserError } from '../core/errors.js';
import type { ProgressEvent } from '../core/run.js';
import type { RanksView } from '../protocol/ranks.js';
import { computeRanksInWorker, openSession, type ProfileOpenOptions, type ProfileSession } from '../worker/clients.js';

export type { ProfileOpenOptions, ProfileSession };
import { agentLoopArgs, analyzeArgs, loopEnv, optimizeArgs, parseProgressLine, type LlmEnvSettings } from '../protocol/cli.js';

export interface WorkOptions {
  signal: AbortSignal;
  onProgress: (e: ProgressEvent) => void;
}

/** LLM settings; the key comes from SecretStorage and reaches the child process in its environment only. */
export type LlmSettings = LlmEnvSettings;

export interface LoopSettings {
  /** SYSIGHT_CACHE, SYSIGHT_CACHE_MAX_GB, SYSIGHT_NSYS from the settings (config.ts profileEnv) */
  profileEnv?: Record<string, string> | undefined;
  python: string;
  rounds: number;
  runs: number;
  /** wall-clock budget of each trial's measured pairs */
  trialBudgetSeconds: number;
  minGain: number;
  llm: LlmSettings;
}

export interface Engine {
  openProfile(path: string, opts: ProfileOpenOptions): Promise<ProfileSession>;
  /** `sysight analyze <profile> --repo <repo>`: writes a run with findings.json under <repo>/.sysight/runs */
  analyze(req: { repo: string; profile: string; settings: LoopSettings }, opts: WorkOptions): Promise<void>;
  /** `sysight agent-loop --repo <repo> [--profile P]`: the closed loop, rounds written to run.json as they end */
  closedLoop(req: { repo: string; profile?: string | undefined; settings: LoopSettings }, opts: WorkOptions): Promise<void>;
  /** `sysight optimize <run-id> --repo <repo>`: patches and measures the run's findings */
  optimize(req: { repo: string; runId: string; findingIds?: string[] | undefined; settings: LoopSettings }, opts: WorkOptions): Promise<void>;
  /** summarize every rank of the inputs (folders of profiles or summaries, or one multi-process export) and reduce */
  computeRanks(inputs: string[], opts: ProfileOpenOptions): Promise<RanksView>;
}

/**
 * The real engine: `dist/profile-session.js` (a worker thread running openProfile + buildOverview) for
 * profiles, and the `sysight` CLI (`bin/sysight.js`, a child process) for the rest:
 *   sysight analyze <profile> --repo <repo>
 *   sysight agent-loop --repo <repo> [--profile <p>] --python <py> --rounds <n> --runs <n> --min-gain <x>
 *   sysight optimize <run-id> --repo <repo> --python <py> --runs <n> [--findings <id,…>]
 *   (command lines, environment and progress lines: src/protocol/cli.ts, the contract the CLI parses)
 * Its stderr lines `[stage] message` (or ProgressEvent JSON lines) drive the progress bar; stdout goes to
 * the log. The environment carries SYSIGHT_PYTHON and SYSIGHT_LLM_PROVIDER/_MODEL/_BASE_URL/_API_KEY (the key
 * never on a command line or in a log). Results are read back from <repo>/.sysight/runs/<id>/ (run.json,
 * findings.json, patches/<id>.diff + patches/<id>.json = PatchPlan, optionally overview.json) when the
 * command ends. Exit 0 = done, 130 = cancelled (SIGTERM on Cancel), else the last stderr line is the error.
 */
export function createEngine(extensionPath: string, log: (line: string) => void): Engine {
  const cli = (args: string[], s: LoopSettings, opts: WorkOptions) => runCli(extensionPath, args, { ...s.profileEnv, ...loopEnv(s.python, s.llm) }, opts, log);
  return {
    openProfile: (path, opts) => openSession(join(extensionPath, 'dist', 'profile-session.js'), path, opts),
    analyze: (r, o) => cli(analyzeArgs(r), r.settings, o),
    closedLoop: (r, o) => cli(agentLoopArgs({ ...r.settings, repo: r.repo, profile: r.profile }), r.settings, o),
    optimize: (r, o) => cli(optimizeArgs({ ...r.settings, repo: r.repo, runId: r.runId, findingIds: r.findingIds }), r.settings, o),
    computeRanks: (inputs, opts) => computeRanksInWorker(join(extensionPath, 'dist', 'ranks-compute.js'), inputs, opts),
  };
}

function runCli(extensionPath: string, args: string[], env: Record<string, string>, opts: WorkOptions, log: (l: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    if (opts.signal.aborted) return reject(new CancelledError());
    const bin = join(extensionPath, 'bin', 'sysight.js');
    log(`run: sysight ${args.join(' ')}`);
    // In VS Code desktop process.execPath is Electron: ELECTRON_RUN_AS_NODE makes it plain Node.
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, ...env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lastErr = '';
    let buf = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      buf += chunk;
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        log(`sysight: ${l}`);
        const e = parseProgressLine(l);
        if (e) { opts.onProgress(e); lastErr = e.message; }
      }
    });
    child.stdout.setEncoding('utf8').on('data', (c: string) => log(c.trimEnd()));
    const onAbort = () => child.kill('SIGTERM');
    opts.signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => reject(new UserError(`cannot start the sysight engine: ${e.message}`)));
    child.on('close', (code, sig) => {
      opts.signal.removeEventListener('abort', onAbort);
      if (opts.signal.aborted || code === 130) reject(new CancelledError());
      else if (code === 0) resolve();
      else reject(new UserError(lastErr || `sysight ${args[0]} failed (exit ${code ?? sig})`));
    });
  });
}
