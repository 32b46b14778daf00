// A profile opened by the dashboard: owns the off-main-thread session and its state, disposed with it.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { NotAProfileError, oneLine } from '../core/errors.js';
import type { ProfileOverview } from '../core/overview.js';
import type { ProfileDiagnosis } from '../core/findings.js';
import { DIAGNOSIS_QUERY, type DashboardState } from '../protocol/dashboard.js';
import type { Engine, ProfileSession } from './engine.js';
import type { Log } from './log.js';
import { profileEnv, readConfig } from './config.js';
import { nonProfileKind } from './non-profile.js';

export class ProfileDocument implements vscode.CustomDocument {
  private session: ProfileSession | undefined;
  private readonly ac = new AbortController();
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;
  overview: ProfileOverview | null = null;
  /** processes with GPU work (ranks, in a multi-rank export); 0 until opened */
  gpuProcesses = 0;
  status: DashboardState['overviewStatus'] = { state: 'loading' };
  /** the diagnosis from the profile alone: asked for once the overview is shown */
  diagnosis: ProfileDiagnosis | null = null;

  constructor(readonly uri: vscode.Uri, engine: Engine, log: Log) {
    const path = uri.fsPath;
    const started = Date.now();
    let lastFire = 0;
    engine.openProfile(path, {
      signal: this.ac.signal,
      env: profileEnv(readConfig(uri)),
      onProgress: (fraction, message) => {
        // once open, a line from the worker is a note (a kept answer found damaged and computed again), not loading
        if (this.status.state === 'ready') return log.info(`${basename(path)}: ${message}`);
        this.status = { state: 'loading', fraction, message };
        if (Date.now() - lastFire > 100) { lastFire = Date.now(); this.emitter.fire(); }
      },
    }).then((s) => {
      if (this.ac.signal.aborted) return s.dispose();
      this.session = s;
      this.overview = s.overview;
      this.gpuProcesses = s.gpuProcesses;
      this.status = { state: 'ready' };
      log.info(`opened ${path} in ${Date.now() - started} ms: ${s.overview.counts.kernels} kernels, ${s.overview.lanes.length} lanes`);
      if (s.captureTrace) log.info(`CUDA graph capture trace beside it: ${s.captureTrace} (replayed nodes get their capture-time lines)`);
      this.emitter.fire();
      s.query(DIAGNOSIS_QUERY, {}, this.ac.signal).then((d) => {
        this.diagnosis = d as ProfileDiagnosis;
        log.info(`diagnosis of ${basename(path)}: ${this.diagnosis.findings.length} finding(s) from the profile alone`);
        this.emitter.fire();
      }, (e: unknown) => { if (!this.ac.signal.aborted) log.error(`diagnosing ${path}`, e); });
    }, (e: unknown) => {
      if (this.ac.signal.aborted) return;
      this.status = {
        state: 'error',
        message: `Cannot read ${basename(path)}: ${oneLine(e).split(path).join(basename(path))}`,
        ...(e instanceof NotAProfileError ? { notProfile: { kind: nonProfileKind(path) } } : {}),
      };
      log.error(`opening ${path}`, e);
      this.emitter.fire();
    });
  }

  zoom(range: [number, number], bins: number): Promise<ProfileOverview> {
    if (!this.session) return Promise.reject(new Error('the profile is not open'));
    return this.session.zoom(range, bins);
  }

  /** A named profile query on the opened profile (the trace view's tiles, details and search). */
  query(name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<unknown> {
    if (!this.session) return Promise.reject(new Error('the profile is not open'));
    return this.session.query(name, args, signal);
  }

  dispose(): void {
    this.ac.abort();
    this.session?.dispose();
    this.emitter.dispose();
  }
}
