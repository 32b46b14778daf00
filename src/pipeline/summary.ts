import { describeStack, diffDetail, type RunRecord } from '../core/run.js';

/** A few readable lines per round: iteration time, trials and their reasons, the total. */
export function loopSummary(run: RunRecord): string {
  const lines = [`Run ${run.id} (${run.status})`];
  for (const r of run.rounds) {
    const acc = r.trials.filter((t) => t.verdict === 'accepted');
    lines.push(`  round ${r.index}: ${r.iterationMs !== null ? `${r.iterationMs.toFixed(2)} ms/iter` : 'iteration time not measured'}${r.iterationInterval ? ` [${r.iterationInterval.low.toFixed(2)}, ${r.iterationInterval.high.toFixed(2)}]` : ''}, ${r.findings} finding(s), ${acc.length} accepted, ${r.trials.length - acc.length} not`);
    if (r.profileDiff) lines.push(`    profile vs round ${r.index - 1}: ${r.profileDiff.verdict} — ${diffDetail(r.profileDiff)}`);
    for (const t of r.trials) {
      lines.push(`    ${t.verdict.padEnd(8)} ${t.pattern.padEnd(26)} ${t.reason}`);
      if (t.stack) lines.push(`             ${t.patchId}: ${describeStack(t.stack)}`);
    }
    if (r.learn) {
      lines.push(`    lessons (${r.learn.by}): ${r.learn.lessons.length ? r.learn.lessons.map((l) => l.page).join(', ') : 'none written'}${r.learn.dropped.length ? `; ${r.learn.dropped.length} dropped` : ''}${r.learn.error ? ` (${r.learn.error})` : ''}`);
      for (const d of r.learn.dropped) lines.push(`      dropped ${d.page}: ${d.reason}`);
    }
  }
  if (run.final) {
    const f = run.final;
    lines.push(f.baselineMs !== null && f.finalMs !== null && f.speedup !== null && f.interval
      ? `  total: ${f.baselineMs.toFixed(2)} → ${f.finalMs.toFixed(2)} ms/iter, speed-up ${(f.speedup * 100).toFixed(1)}% [95% confidence sequence ${(f.interval.low * 100).toFixed(1)}%, ${(f.interval.high * 100).toFixed(1)}%] (${f.verdict})`
      : `  total: the accepted stack could not be re-measured (${f.verdict}: ${f.reason})`);
  }
  if (run.stopReason) lines.push(`  stopped: ${run.stopReason}`);
  return lines.join('\n');
}

