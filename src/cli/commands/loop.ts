// `sysight agent-loop`, `sysight analyze`, `sysight optimize`: the closed loop and its stages.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { CATEGORY_NAMES, type LocalizedFindingSet } from '../../core/findings.js';
import type { ProgressEvent } from '../../core/run.js';
import { analyzeToRun, diagnoseFile } from '../../pipeline/analyze.js';
import { diagnosisText } from '../../report/diagnosis.js';
import { agentLoop } from '../../pipeline/loop.js';
import { optimizeRun } from '../../pipeline/optimize.js';
import { loopSummary } from '../../pipeline/summary.js';
import { FINDINGS_OPTION, formatProgressLine, parseFindingIds } from '../../protocol/cli.js';
import { cliSignal } from '../signal.js';

function progressPrinter(json: boolean): (e: ProgressEvent) => void {
  return (e) => {
    if (!json) process.stderr.write(`${formatProgressLine(e)}\n`);
  };
}

function budgetOpt(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UserError(`--trial-budget must be a positive number of seconds, got ${v}`);
  return n;
}

const MIN_GAIN_HELP = 'minimum speed-up: accepted when the low end of its confidence sequence is above it, rejected when the high end is below, e.g. 0.01';

function checkMinGain(x: number | undefined): void {
  if (x !== undefined && !(x >= 0)) throw new UserError('--min-gain must be a non-negative fraction, e.g. 0.01 for 1%');
}

function findingsOpt(v: string): string[] {
  const ids = parseFindingIds(v);
  if (!ids) throw new UserError(`${FINDINGS_OPTION} needs at least one finding id (comma-separated, as in findings.json)`);
  return ids;
}

function intOpt(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--${name} must be a positive integer, got ${v}`);
  return n;
}

export function findingsTable(set: LocalizedFindingSet): string {
  const rows = set.findings.map((f, i) => `${String(i + 1).padStart(2)}. ${f.category} ${CATEGORY_NAMES[f.category].padEnd(22)} ${`${f.file}:${f.line}`.padEnd(28)} ${f.function.padEnd(22)} ${f.impact.msPerIter.toFixed(2).padStart(8)} ms/iter ${f.impact.pctOfIter.toFixed(1).padStart(5)}%  ${f.pattern} (${f.localizedBy}, conf ${f.confidence.toFixed(2)})`);
  const head = `Iteration: ${set.iterationMs !== null ? `${set.iterationMs.toFixed(2)} ms` : 'not detected'} over ${set.iterations} iteration(s)`;
  return [head, '', rows.length ? rows.join('\n') : 'No findings supported by the profile.', '',
    set.unconfirmed.length ? `${set.unconfirmed.length} source pattern(s) without profile support (unconfirmed; see findings.json).` : '',
    ...set.notes.map((n) => `note: ${n}`)].filter((l, i, a) => l !== '' || a[i - 1] !== '').join('\n');
}

export function register(program: Command): void {
  program
    .command('analyze')
    .description('find C1–C7 bottlenecks in a profile; with --repo, localize them to file:function:line')
    .argument('<profile>', 'nsys .sqlite export or PyTorch profiler .json/.json.gz trace')
    .option('--repo <dir>', 'the repository that produced the profile (without it: the diagnosis from the profile alone)')
    .option('--json', 'print the LocalizedFindingSet (with --repo) or the ProfileDiagnosis as JSON')
    .action(async (profile: string, o: { repo?: string; json?: boolean }) => {
      if (o.repo === undefined) {
        const d = await diagnoseFile(resolve(profile), { signal: cliSignal(), onProgress: progressPrinter(!!o.json) });
        process.stdout.write(o.json ? JSON.stringify(d, null, 2) + '\n' : `${diagnosisText(d)}\n`);
        return;
      }
      const { set, runDir } = await analyzeToRun(resolve(profile), resolve(o.repo), { signal: cliSignal(), onProgress: progressPrinter(!!o.json) });
      if (o.json) process.stdout.write(JSON.stringify(set, null, 2) + '\n');
      else process.stdout.write(`${findingsTable(set)}\n\nRun: ${runDir}\n`);
    });

  program
    .command('optimize')
    .description('plan patches for the findings of a run and verify each in a git-worktree sandbox')
    .argument('<run-id>', 'a run made by `sysight analyze` (see .sysight/runs/)')
    .requiredOption('--repo <dir>', 'the repository')
    .option('--command <cmd>', 'the workload command (default: found by WARMUP)')
    .option('--python <path>', 'Python interpreter with PyTorch')
    .option('--runs <n>', 'A/B pairs before the first look of the sequential measurement (default 3)', (v) => intOpt(v, 'runs'))
    .option('--trial-budget <seconds>', 'wall-clock budget of each trial\'s measured pairs (default 120); an undecided trial is inconclusive', budgetOpt)
    .option('--min-gain <x>', MIN_GAIN_HELP, (v) => Number(v))
    .option(`${FINDINGS_OPTION} <id,…>`, 'only these findings of the run (ids from findings.json, comma-separated)', findingsOpt)
    .option('--json', 'print the run record as JSON')
    .action(async (runId: string, o: { repo: string; command?: string; python?: string; runs?: number; trialBudget?: number; minGain?: number; findings?: string[]; json?: boolean }) => {
      checkMinGain(o.minGain);
      const r = await optimizeRun({ trialBudgetMs: o.trialBudget !== undefined ? o.trialBudget * 1000 : undefined, minGain: o.minGain, repo: resolve(o.repo), runId, command: o.command ? splitCommand(o.command) : undefined, python: o.python,
        runs: o.runs, findingIds: o.findings, signal: cliSignal(), onProgress: progressPrinter(!!o.json) });
      process.stdout.write(o.json ? JSON.stringify(r.run, null, 2) + '\n' : `${loopSummary(r.run)}\nReport: ${r.reports.html}\n`);
    });

  program
    .command('agent-loop')
    .description('the closed loop: profile → analyze → patch → verify in a sandbox → learn, for several rounds')
    .requiredOption('--repo <dir>', 'the repository (a git work tree with no uncommitted changes)')
    .option('--profile <file>', 'start from this profile instead of recording one')
    .option('--command <cmd>', 'the workload command (default: found by WARMUP)')
    .option('--python <path>', 'Python interpreter with PyTorch (default: SYSIGHT_PYTHON, /usr/bin/python3, python3)')
    .option('--rounds <n>', 'maximum rounds', (v) => intOpt(v, 'rounds'), 2)
    .option('--runs <n>', 'A/B pairs before the first look of the sequential measurement (default 3)', (v) => intOpt(v, 'runs'))
    .option('--trial-budget <seconds>', 'wall-clock budget of each trial\'s measured pairs (default 120); an undecided trial is inconclusive and retried later with twice the budget', budgetOpt)
    .option('--min-gain <x>', MIN_GAIN_HELP, (v) => Number(v))
    .option('--steps <n>', 'optimizer steps per measured run', (v) => intOpt(v, 'steps'))
    .option('--apply', 'apply the accepted patches to the working tree at the end')
    .option(`${FINDINGS_OPTION} <id,…>`, 'only these findings (ids as in findings.json, comma-separated; each round keeps those it finds again)', findingsOpt)
    .option('--json', 'print the run record as JSON')
    .action(async (o: { repo: string; profile?: string; command?: string; python?: string; rounds: number; runs?: number; trialBudget?: number; minGain?: number; steps?: number; apply?: boolean; findings?: string[]; json?: boolean }) => {
      checkMinGain(o.minGain);
      const r = await agentLoop({
        repo: resolve(o.repo), rounds: o.rounds, signal: cliSignal(), onProgress: progressPrinter(!!o.json),
        profile: o.profile ? resolve(o.profile) : undefined, command: o.command ? splitCommand(o.command) : undefined,
        python: o.python, runs: o.runs, minGain: o.minGain, steps: o.steps, apply: o.apply, findingIds: o.findings,
        trialBudgetMs: o.trialBudget !== undefined ? o.trialBudget * 1000 : undefined,
      });
      if (o.json) {
        process.stdout.write(JSON.stringify(r.run, null, 2) + '\n');
        return;
      }
      process.stdout.write(loopSummary(r.run) + `\nReport: ${r.reports.html}\n` + (r.applied ? 'Applied the accepted patches to the working tree.\n' : r.accepted.length ? `Accepted patches (not applied; rerun with --apply or apply ${r.dir.path}/patches/stack-*.diff):\n${r.accepted.map((p) => `  ${p.file}`).join('\n')}\n` : ''));
    });
}

/** Splits a command line like a POSIX shell would for simple cases (quotes, no expansions). */
export function splitCommand(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q: string | null = null;
  let any = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q) {
      if (c === q) q = null;
      else if (c === '\\' && q === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") { q = c; any = true; }
    else if (/\s/.test(c)) { if (cur || any) out.push(cur); cur = ''; any = false; }
    else if (c === '\\' && i + 1 < s.length) cur += s[++i];
    else cur += c;
  }
  if (q) throw new UserError(`unbalanced quote in --command: ${s}`);
  if (cur || any) out.push(cur);
  if (!out.length) throw new UserError('--command is empty');
  return out;
}
