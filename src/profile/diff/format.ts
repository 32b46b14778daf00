// Text and Markdown renderings of a ProfileDiff (JSON is the object itself).
import { table } from '../queries/format.js';
import type { KernelDiff, MetricDiff, ProfileDiff } from './diff.js';

export type DiffFormat = 'text' | 'markdown' | 'json';

const signed = (x: number) => (x > 0 ? `+${x}` : String(x));
const pctText = (x: number | null) => (x === null ? '' : `${signed(x)}%`);
const mark = (m: MetricDiff) => (m.significant ? (m.delta > 0 ? '▲' : '▼') : '');

function metricRows(ms: MetricDiff[]): Array<Array<string | number>> {
  return ms.map((m) => [/^C\d/.test(m.metric) ? `${m.metric} ${m.label}` : m.label, m.before, m.after, signed(m.delta), pctText(m.deltaPct), `±${m.noise}`, mark(m)]);
}
const METRIC_HEAD = ['metric (median per step)', 'before', 'after', 'Δ', 'Δ%', 'noise', ''];

function kernelRows(ks: KernelDiff[]): Array<Array<string | number>> {
  return ks.map((k) => [k.name, k.beforeMsPerStep, k.afterMsPerStep, signed(k.deltaMs), `${k.beforeCountPerStep} → ${k.afterCountPerStep}`]);
}
const KERNEL_HEAD = ['kernel', 'before ms/step', 'after ms/step', 'Δ ms', 'launches/step'];
const OP_HEAD = ['operator', 'before self ms/step', 'after self ms/step', 'Δ ms', 'calls/step'];
const PY_HEAD = ['Python function', 'before self ms/step', 'after self ms/step', 'Δ ms', 'calls/step'];

function sides(d: ProfileDiff): Array<Array<string | number>> {
  const row = (label: string, s: ProfileDiff['before']) => [
    label, s.source, s.format, s.gpuCount, `${s.steps} (${s.stepMethod}, ${s.stepBasis})`, s.stepTimeMs.median, s.stepTimeMs.mad,
  ];
  return [row('before', d.before), row('after', d.after)];
}
const SIDE_HEAD = ['', 'profile', 'format', 'GPUs', 'steps', 'median step ms', 'MAD ms'];

interface Block { title: string; head: string[]; rows: Array<Array<string | number>> }

function blocks(d: ProfileDiff): Block[] {
  const out: Block[] = [{ title: 'Profiles', head: SIDE_HEAD, rows: sides(d) }];
  if (d.verdict === 'incomparable') return out;
  if (d.cpu) {
    const { metrics, operators, python } = d.cpu;
    out.push(
      { title: 'Step time', head: METRIC_HEAD, rows: metricRows(d.stepTime ? [d.stepTime] : []) },
      { title: 'CPU time per step', head: METRIC_HEAD, rows: metricRows(metrics) },
      { title: 'Operators that grew (self time)', head: OP_HEAD, rows: kernelRows([...operators.regressions, ...operators.appeared]) },
      { title: 'Operators that shrank (self time)', head: OP_HEAD, rows: kernelRows([...operators.improvements, ...operators.vanished]) },
      { title: 'Python functions that grew (self time)', head: PY_HEAD, rows: kernelRows([...python.regressions, ...python.appeared]) },
      { title: 'Python functions that shrank (self time)', head: PY_HEAD, rows: kernelRows([...python.improvements, ...python.vanished]) },
    );
    return out;
  }
  out.push(
    { title: 'Step time', head: METRIC_HEAD, rows: metricRows(d.stepTime ? [d.stepTime] : []) },
    { title: 'Time per step by category (attribution, not a partition)', head: METRIC_HEAD, rows: metricRows(d.categories) },
    { title: 'Kernel regressions', head: KERNEL_HEAD, rows: kernelRows(d.kernels.regressions) },
    { title: 'Kernel improvements', head: KERNEL_HEAD, rows: kernelRows(d.kernels.improvements) },
    { title: 'Kernels that appeared', head: KERNEL_HEAD, rows: kernelRows(d.kernels.appeared) },
    { title: 'Kernels that vanished', head: KERNEL_HEAD, rows: kernelRows(d.kernels.vanished) },
    { title: 'Copies, syncs and NCCL', head: METRIC_HEAD, rows: metricRows([...d.copies, ...d.syncs, ...d.nccl]) },
  );
  return out;
}

export function formatDiffText(d: ProfileDiff): string {
  const parts = [`Verdict: ${d.headline}`];
  for (const b of blocks(d)) parts.push(`${b.title}\n${table(b.head, b.rows)}`);
  if (d.notes.length) parts.push(d.notes.map((n) => `note: ${n}`).join('\n'));
  parts.push(`rule: ${d.rule}`);
  return parts.join('\n\n');
}

const mdCell = (c: string | number) => String(c).replace(/\|/g, '\\|').replace(/</g, '&lt;');

function mdTable(head: string[], rows: Array<Array<string | number>>): string {
  if (!rows.length) return '_none_';
  const line = (cells: Array<string | number>) => `| ${cells.map(mdCell).join(' | ')} |`;
  return [line(head), `|${head.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

export function formatDiffMarkdown(d: ProfileDiff): string {
  const parts = [`## Profile diff: ${d.verdict}`, d.headline];
  for (const b of blocks(d)) parts.push(`### ${b.title}\n\n${mdTable(b.head, b.rows)}`);
  if (d.notes.length) parts.push(d.notes.map((n) => `> ${n}`).join('\n'));
  parts.push(`<sub>Rule: ${d.rule}</sub>`);
  return parts.join('\n\n');
}

export function formatDiff(d: ProfileDiff, format: DiffFormat): string {
  if (format === 'json') return JSON.stringify(d, null, 2);
  return format === 'markdown' ? formatDiffMarkdown(d) : formatDiffText(d);
}
