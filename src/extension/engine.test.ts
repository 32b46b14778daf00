// The engine seam with real processes: a stand-in `bin/sysight.js` (a small Node script, run as a child
// process exactly like the real CLI) and the real profile worker bundle (dist/profile-session.js).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, NotAProfileError, UserError } from '../core/errors.js';
import type { ProgressEvent } from '../core/run.js';
import { presetScenario, writeNsysProfile } from '../profile/generator/index.js';
import type { TimelineTiles } from '../profile/queries/timeline.js';
import { createEngine, type LoopSettings } from './engine.js';
import { llmEnv, parseProgressLine } from '../protocol/cli.js';

const settings: LoopSettings = {
  python: '/usr/bin/python3', rounds: 2, runs: 5, trialBudgetSeconds: 90, minGain: 0.01,
  llm: { provider: 'anthropic', model: 'claude-x', baseUrl: '', apiKey: 'sk-secret' },
};

const STAND_IN = `
const fs = require('node:fs');
const out = process.env.SYSIGHT_TEST_OUT;
const e = process.env;
fs.writeFileSync(out, JSON.stringify({ argv: process.argv.slice(2), key: e.SYSIGHT_LLM_API_KEY, provider: e.SYSIGHT_LLM_PROVIDER, python: e.SYSIGHT_PYTHON }));
const mode = process.argv[2];
process.stderr.write(JSON.stringify({ stage: 'analyze', message: 'reading profile', fraction: 0.5 }) + '\\n');
process.stderr.write('[execute] measuring p1\\n');
process.stderr.write('plain text line\\n');
if (mode === 'analyze') process.exit(0);
if (mode === 'optimize') { process.stderr.write('sysight: error: run r9 not found\\n'); process.exit(2); }
process.on('SIGTERM', () => process.exit(130));
setInterval(() => {}, 1000);
`;

describe('engine adapter', () => {
  let dir: string;
  const out = () => JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sysight-engine-'));
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'sysight.js'), STAND_IN);
    process.env.SYSIGHT_TEST_OUT = join(dir, 'out.json');
  });
  afterAll(() => {
    delete process.env.SYSIGHT_TEST_OUT;
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs `sysight analyze` as a child process, streams progress, passes the key only in the environment', async () => {
    const events: ProgressEvent[] = [];
    const logs: string[] = [];
    const engine = createEngine(dir, (l) => logs.push(l));
    await engine.analyze({ repo: '/r', profile: '/r/p.sqlite', settings }, { signal: new AbortController().signal, onProgress: (e) => events.push(e) });
    expect(out()).toEqual({
      argv: ['analyze', '/r/p.sqlite', '--repo', '/r'], key: 'sk-secret', provider: 'anthropic', python: '/usr/bin/python3',
    });
    expect(events).toEqual([
      { stage: 'analyze', message: 'reading profile', fraction: 0.5 },
      { stage: 'execute', message: 'measuring p1' },
      { stage: 'analyze', message: 'plain text line' },
    ]);
    expect(logs.join('\n')).not.toContain('sk-secret');
  });

  it('turns a failing command into a one-line UserError from its last stderr line', async () => {
    const engine = createEngine(dir, () => undefined);
    const p = engine.optimize({ repo: '/r', runId: 'r9', findingIds: ['a', 'b'], settings }, { signal: new AbortController().signal, onProgress: () => undefined });
    await expect(p).rejects.toThrow(UserError);
    await expect(p).rejects.toThrow(/^run r9 not found$/);
    // the selected findings travel as --findings (the CLI reads no environment variable for them)
    expect(out().argv).toEqual(['optimize', 'r9', '--repo', '/r', '--python', '/usr/bin/python3', '--runs', '5', '--trial-budget', '90', '--findings', 'a,b']);
  });

  it('cancels the closed loop through the AbortSignal (SIGTERM) and reports CancelledError', async () => {
    const engine = createEngine(dir, () => undefined);
    const ac = new AbortController();
    let started!: () => void;
    const ready = new Promise<void>((r) => { started = r; });
    const p = engine.closedLoop({ repo: '/r', settings }, { signal: ac.signal, onProgress: () => started() });
    await ready;
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(out().argv).toEqual(['agent-loop', '--repo', '/r', '--python', '/usr/bin/python3', '--rounds', '2', '--runs', '5', '--trial-budget', '90', '--min-gain', '0.01']);
  });

  it('parses progress lines and builds the LLM environment', () => {
    expect(parseProgressLine('{"stage":"execute","message":"measuring","fraction":0.25}')).toEqual({ stage: 'execute', message: 'measuring', fraction: 0.25 });
    expect(parseProgressLine('{not json')).toEqual({ stage: 'analyze', message: '{not json' });
    expect(parseProgressLine('   ')).toBeNull();
    expect(llmEnv({ provider: 'none', model: '', baseUrl: '', apiKey: undefined })).toEqual({ SYSIGHT_LLM_PROVIDER: 'none' });
    expect(llmEnv({ provider: 'openai_compatible', model: 'm', baseUrl: 'http://h', apiKey: 'k' })).toEqual({
      SYSIGHT_LLM_PROVIDER: 'openai_compatible', SYSIGHT_LLM_MODEL: 'm', SYSIGHT_LLM_BASE_URL: 'http://h', SYSIGHT_LLM_API_KEY: 'k',
    });
  });

  const worker = join(process.cwd(), 'dist', 'profile-session.js');
  it.skipIf(!existsSync(worker))('opens profiles in a worker thread and reports bad input as a one-line UserError', async () => {
    const engine = createEngine(process.cwd(), () => undefined);
    const opts = { signal: new AbortController().signal, onProgress: () => undefined };
    await expect(engine.openProfile(join(dir, 'missing.sqlite'), opts)).rejects.toThrow(new UserError(`no such file: ${join(dir, 'missing.sqlite')}`));
    const junk = join(dir, 'junk.sqlite');
    writeFileSync(junk, 'this is not a profile');
    await expect(engine.openProfile(junk, opts)).rejects.toThrow(/is not a profile Sysight can read/);
    // "not a profile" survives the thread boundary: the dashboard offers the default editor for it
    await expect(engine.openProfile(junk, opts)).rejects.toBeInstanceOf(NotAProfileError);
    await expect(engine.openProfile(join(dir, 'missing.sqlite'), opts)).rejects.not.toBeInstanceOf(NotAProfileError);
    const ac = new AbortController();
    ac.abort();
    await expect(engine.openProfile(junk, { signal: ac.signal, onProgress: () => undefined })).rejects.toBeInstanceOf(CancelledError);
  });

  it.skipIf(!existsSync(worker))('the session worker opens through the profile cache the settings name: the second open is a hit', async () => {
    const file = join(dir, 'cached.sqlite');
    writeNsysProfile(presetScenario('healthy', 3), file);
    const cache = join(dir, 'profile-cache');
    const engine = createEngine(process.cwd(), () => undefined);
    const messages: string[] = [];
    const open = () => engine.openProfile(file, { signal: new AbortController().signal, onProgress: (_f, m) => messages.push(m), env: { SYSIGHT_CACHE: cache } });
    const first = await open();
    first.dispose();
    expect(messages).toContain('writing the profile cache');
    messages.length = 0;
    const second = await open();
    try {
      expect(messages).toContain('reading the profile cache');
      expect(second.overview).toEqual(first.overview);
    } finally {
      second.dispose();
    }
  });

  it.skipIf(!existsSync(worker))('runs profile queries in the session worker; an aborted query is cancelled, later ones still answer', async () => {
    const file = join(dir, 'healthy.sqlite');
    writeNsysProfile(presetScenario('healthy', 3), file);
    const engine = createEngine(process.cwd(), () => undefined);
    const session = await engine.openProfile(file, { signal: new AbortController().signal, onProgress: () => undefined });
    try {
      const { startNs, endNs } = session.overview;
      const ac = new AbortController();
      // queued behind the first, the second is aborted before it starts; the third answers
      const first = session.query<TimelineTiles>('timeline-tiles', { startNs, endNs, pixels: 500 });
      const second = session.query<TimelineTiles>('timeline-tiles', { startNs, endNs, pixels: 400 }, ac.signal).catch((e: unknown) => e);
      ac.abort();
      const third = session.query<{ total: number }>('timeline-search', { query: 'gemm', limit: 3 });
      expect((await first).lanes.map((l) => l.kind)).toContain('nvtx');
      expect(await second).toBeInstanceOf(CancelledError);
      expect((await third).total).toBeGreaterThan(3);
      await expect(session.query('timeline-search', {})).rejects.toThrow(new UserError('timeline-search needs --query <text>'));
      await expect(session.query('nope', {})).rejects.toThrow(/unknown query: nope/);
    } finally {
      session.dispose();
    }
  });
});
