// `sysight optimize` (the smallest command that runs a round: plan, sandbox trial, learn) with the optimize
// and learn stages pointed at a scripted model on a local OpenAI-speaking server: the trial is measured,
// the model reads the knowledge base and answers with lessons; the one true to the measurement is written
// to the wiki, the one contradicting it is dropped with a note, and no secret reaches .sysight/.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { conversationOf } from '../../src/agent/testing/fake-llm.js';
import type { RunRecord } from '../../src/core/run.js';
import { filesUnder, python, sysight as runSysight } from '../support/cli.js';
import { answerSleepyPatch, sleepyRun, useSleepyRepo, writeConfig } from '../support/sleepy-run.js';

const KEY = 'e2eLearnKey0123456789abcdefghij';
const ENV_SECRET = 'vault-secret-98765-zyxwvutsrq';
const fixture = useSleepyRepo();

const sysight = (args: string[]) => runSysight(args, { SYSIGHT_E2E_KEY: KEY, MY_SERVICE_TOKEN: ENV_SECRET });

describe.skipIf(!python)('sysight optimize with an LLM learn stage', () => {
  it('writes the lesson that agrees with the measured verdict, drops the one that does not, and leaks no secret', async () => {
    const repo = fixture.repo();
    const server = await fixture.llm('openai', (r) => {
      const c = conversationOf(r.body);
      if (c.task.startsWith('Write a minimal patch')) return answerSleepyPatch(c);
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
    const stage = (st: string) => `${st}:\n  provider: openai_compatible\n  model: gpt-4o-mini\n  base_url: ${server.baseUrl}\n  api_key: $SYSIGHT_E2E_KEY\n  max_retries: 0\n`;
    writeConfig(repo, stage('optimize') + stage('learn'));
    const dir = sleepyRun(repo);
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
