// `sysight optimize` (the smallest command that runs a round: plan, sandbox trial, learn) with the optimize
// and learn stages pointed at a scripted model on a local OpenAI-speaking server: the trial is measured,
// the model reads the knowledge base and answers with lessons; the one true to the measurement is written
// to the wiki, the one contradicting it is dropped with a note, and no secret reaches .sysight/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationOf, startFakeLlm, type FakeLlm } from '../../src/agent/testing/fake-llm.js';
import type { RunRecord } from '../../src/core/run.js';
import { RunDir } from '../../src/pipeline/rundir.js';
import { sysight as runSysight , gitIn } from '../support/cli.js';

const root = resolve(__dirname, '../..');
const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'print(1)']).status === 0);
const KEY = 'e2eLearnKey0123456789abcdefghij';
const ENV_SECRET = 'vault-secret-98765-zyxwvutsrq';
let tmp = '';
let repo = '';
let server: FakeLlm | null = null;

const sysight = (args: string[]) => runSysight(args, { SYSIGHT_E2E_KEY: KEY, MY_SERVICE_TOKEN: ENV_SECRET });

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

const git = (...a: string[]) => gitIn(repo, ...a);

beforeAll(() => {
  if (!existsSync(join(root, 'dist/cli.js'))) {
    const b = spawnSync(process.execPath, ['esbuild.config.mjs'], { cwd: root, encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
  }
  tmp = mkdtempSync(join(tmpdir(), 'sysight-llm-learn-'));
  repo = join(tmp, 'repo');
  mkdirSync(repo);
  writeFileSync(join(repo, 'train.py'), 'import time\n\n\ndef slow_step(i):\n    time.sleep(0.03)\n    return i\n\n\nfor i in range(8):\n    slow_step(i)\n    print(f"step {i}: loss 1.0")\n');
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'init');
});
afterAll(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(!python)('sysight optimize with an LLM learn stage', () => {
  it('writes the lesson that agrees with the measured verdict, drops the one that does not, and leaks no secret', async () => {
    server = await startFakeLlm('openai', (r) => {
      const c = conversationOf(r.body);
      if (c.task.startsWith('Write a minimal patch')) {
        if (c.turn === 0) return { answer: { toolCalls: [{ id: 'r1', name: 'read_file', arguments: { path: 'train.py', start: 1, end: 12 } }] } };
        const diff = '--- a/train.py\n+++ b/train.py\n@@ -4,3 +4,3 @@\n def slow_step(i):\n-    time.sleep(0.03)\n+    time.sleep(0)\n     return i\n';
        return { answer: { content: JSON.stringify({ diff, rationale: 'the sleep serves no purpose' }) } };
      }
      // the learn stage: read the knowledge base, then answer from the trial table in the task
      if (c.turn === 0) return { answer: { content: 'Checking what we know.', toolCalls: [{ id: 'w1', name: 'wiki_pages', arguments: {} }] } };
      const trials = JSON.parse(c.task.slice(c.task.indexOf('['), c.task.indexOf('\n]\n') + 2)) as Array<{ trial: string; verdict: string; numerics: string; smokeTest: string; measuredSpeedup: string | null }>;
      const t = trials[0]!;
      const accepted = t.verdict === 'accepted';
      const effect = accepted ? 'speedup' : t.smokeTest === 'failed' || t.numerics === 'changed' || !t.measuredSpeedup ? 'failed' : /CI -\d[^.]*\.\. -/.test(t.measuredSpeedup) ? 'slowdown' : 'no-gain';
      return {
        answer: {
          content: JSON.stringify({
            lessons: [
              { page: 'drop-sleeps-in-step', title: 'A sleep in the step function is pure waste', text: `Measured ${t.measuredSpeedup ?? 'nothing'}. (debug: token ${ENV_SECRET}, key ${KEY})`, appliesTo: 'C7.*', effect, evidence: [t.trial] },
              { page: 'contradiction', title: 'the opposite of what was measured', text: 'n/a', appliesTo: 'C7.sleep', effect: accepted ? 'no-gain' : 'speedup', evidence: [t.trial] },
            ],
          }),
        },
      };
    });
    mkdirSync(join(repo, '.sysight'), { recursive: true });
    const stage = (s: string) => `${s}:\n  provider: openai_compatible\n  model: gpt-4o-mini\n  base_url: ${server!.baseUrl}\n  api_key: $SYSIGHT_E2E_KEY\n  max_retries: 0\n`;
    writeFileSync(join(repo, '.sysight', 'config.yaml'), stage('optimize') + stage('learn'));
    const dir = RunDir.create(repo, { repo, status: 'done', command: null, python: null, rounds: [] });
    dir.writeFindings(1, {
      schemaVersion: 1, profile: 'p', repo, iterationMs: 30, iterations: 8, gpu: false, notes: [], unconfirmed: [],
      findings: [{
        id: 'C7|train.py|slow_step|C7.sleep', category: 'C7', pattern: 'C7.sleep', title: 'sleep in the step', file: 'train.py', function: 'slow_step', line: 5,
        severity: 'high', impact: { msPerIter: 30, pctOfIter: 95 }, confidence: 0.8, localizedBy: 'catalogue',
        evidence: [{ kind: 'source', file: 'train.py', line: 5, text: '    time.sleep(0.03)', why: 'sleeps every step' }],
      }],
    });
    const r = await sysight(['optimize', dir.id, '--repo', repo, '--command', `${python} train.py`, '--python', python!, '--runs', '3', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout) as RunRecord;
    const round = run.rounds.at(-1)!;
    const trial = round.trials[0]!;
    expect(trial.patchId).toMatch(/^llm-[0-9a-f]{8}$/);
    expect(round.learn, r.stderr).toBeDefined();
    const learn = round.learn!;
    expect(learn.error).toBeUndefined();
    expect(learn.by).toBe('openai_compatible gpt-4o-mini');
    expect(learn.lessons.map((l) => l.page)).toEqual(['drop-sleeps-in-step']);
    expect(learn.dropped).toHaveLength(1);
    expect(learn.dropped[0]!.page).toBe('contradiction');
    expect(learn.dropped[0]!.reason).toMatch(/against the measured verdict: t1\.1 was /);
    expect(learn.inputTokens).toBeGreaterThan(0);

    const wiki = join(repo, '.sysight', 'wiki');
    const page = readFileSync(join(wiki, 'drop-sleeps-in-step.md'), 'utf8');
    expect(page).toContain('kind: lesson');
    expect(page).toContain('# A sleep in the step function is pure waste');
    expect(page).toContain(`| ${run.id} | t1.1 | ${trial.patchId} | C7.sleep | \`train.py\` | ${trial.verdict} |`);
    expect(page).toContain('debug: token [redacted], key [redacted]');
    expect(existsSync(join(wiki, 'contradiction.md'))).toBe(false);
    // the deterministic trial page is still written, and the index lists both
    const index = readFileSync(join(wiki, 'index.md'), 'utf8');
    expect(index).toMatch(/\[c7\.sleep-train\.py-slow-step\]/);
    expect(index).toContain('[drop-sleeps-in-step](drop-sleeps-in-step.md)');
    // the model was asked with the wiki tools and the measured trial
    const learnReqs = server.requests.filter((q) => conversationOf(q.body).task.startsWith('These are the trials'));
    expect(learnReqs).toHaveLength(2);
    expect(conversationOf(learnReqs[1]!.body).toolResults[0]).toMatch(/c7\.sleep-train\.py-slow-step\s+trial/);
    const report = readFileSync(join(repo, '.sysight', 'runs', run.id, 'report.md'), 'utf8');
    expect(report).toContain('Lessons (openai_compatible gpt-4o-mini): [A sleep in the step function is pure waste](../../wiki/drop-sleeps-in-step.md)');
    expect(report).toContain('- dropped `contradiction`: claims ');
    expect(readFileSync(join(repo, '.sysight', 'runs', run.id, 'report.html'), 'utf8')).toContain('<b>A sleep in the step function is pure waste</b>');
    // no secret anywhere under .sysight/ (wiki, runs, ledger)
    for (const f of filesUnder(join(repo, '.sysight'))) {
      const text = readFileSync(f, 'utf8');
      expect(text.includes(KEY), f).toBe(false);
      expect(text.includes(ENV_SECRET), f).toBe(false);
    }
    expect(r.stderr.includes(KEY) || r.stdout.includes(ENV_SECRET)).toBe(false);
  });
});
