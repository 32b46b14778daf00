import { diffDetail } from '../core/run.js';
import { CATEGORIES, CS_LABEL, categoryLabel, changeSeenTwice, fmtInterval, fmtMs, fmtPct, fmtSpent, stackLine, type ReportData } from './model.js';

function esc(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function renderMarkdown(r: ReportData): string {
  const out: string[] = [];
  out.push(`# Sysight report — run ${r.runId}`, '');
  out.push(`- Repository: \`${r.repo}\``);
  if (r.command) out.push(`- Workload: \`${r.command}\``);
  out.push(`- Status: ${r.status}${r.error ? ` (${r.error})` : ''}`);
  out.push(`- Iteration times: ${r.clock === 'cpu' ? 'process CPU time per optimizer step (CPU-only workload: steadier than wall time on a busy machine)' : 'wall time per optimizer step'}, median of interleaved runs, 95% bootstrap intervals`);
  if (r.baselineMs !== null) {
    out.push(`- Iteration time: ${fmtMs(r.baselineMs)} → ${fmtMs(r.finalMs)} (${r.totalSpeedup !== null ? `${fmtPct(r.totalSpeedup)} speed-up${r.totalSpeedupInterval ? `, ${CS_LABEL} ${fmtInterval(r.totalSpeedupInterval)}` : ''}` : 'not measured'})`);
  }
  out.push('');
  out.push('## Rounds', '', '| round | ms/iter | interval | findings | accepted | rejected |', '|---:|---:|---|---:|---:|---:|');
  for (const rd of r.rounds) {
    if (rd.final) {
      out.push(`| after | ${fmtMs(rd.iterationMs)} | ${rd.iterationInterval ? `${fmtMs(rd.iterationInterval.low)} – ${fmtMs(rd.iterationInterval.high)}` : ''} | | | |`);
      continue;
    }
    const iv = rd.iterationInterval ? `${fmtMs(rd.iterationInterval.low)} – ${fmtMs(rd.iterationInterval.high)}` : '';
    out.push(`| ${rd.index} | ${fmtMs(rd.iterationMs)} | ${iv} | ${rd.findings.length} | ${rd.accepted.length} | ${rd.rejected.length} |`);
  }
  out.push('');
  for (const rd of r.rounds.filter((x) => !x.final)) {
    out.push(`## Round ${rd.index}`, '');
    if (rd.profileDiff) out.push(`Profile against round ${rd.index - 1} (\`sysight diff\`): **${rd.profileDiff.verdict}** — ${esc(diffDetail(rd.profileDiff))}`, '');
    const seen = changeSeenTwice(r, rd);
    if (seen && seen.accepted.length) {
      out.push(`The change since round ${seen.from}, measured and profiled:`, '',
        `| accepted in round ${seen.from} | measured A/B speed-up | ${CS_LABEL} | profile diff, round ${seen.to} vs ${seen.from} |`, '|---|---:|---|---|');
      seen.accepted.forEach((t, i) => out.push(`| ${t.patchId} ${t.pattern} | ${fmtPct(t.measurement?.speedup)} | ${fmtInterval(t.measurement?.speedupInterval)} | ` +
        `${i === 0 ? `**${seen.profileDiff.verdict}** — ${esc(diffDetail(seen.profileDiff))}` : '(the same diff: all of the round\'s patches together)'} |`));
      out.push('');
    }
    if (rd.findings.length) {
      out.push('| category | location | impact | confidence | finding |', '|---|---|---:|---:|---|');
      for (const f of rd.findings) {
        out.push(`| ${categoryLabel(f.category)} | [${f.file}:${f.line}](${f.file}#L${f.line}) \`${esc(f.function)}\` | ${fmtMs(f.impact.msPerIter)}/iter (${f.impact.pctOfIter.toFixed(1)}%) | ${f.confidence.toFixed(2)} | ${esc(f.title)} |`);
      }
      out.push('');
    } else out.push('No findings.', '');
    const trials = [...rd.accepted, ...rd.rejected];
    if (trials.length) {
      out.push(`| patch | pattern | verdict | speed-up | ${CS_LABEL} | measured | reason |`, '|---|---|---|---:|---|---|---|');
      for (const t of trials) {
        out.push(`| ${t.patchId} | ${t.pattern} | ${t.verdict} | ${fmtPct(t.measurement?.speedup)} | ${fmtInterval(t.measurement?.speedupInterval)} | ${fmtSpent(t.measurement)} | ${esc(t.reason)} |`);
      }
      out.push('');
      for (const t of trials) {
        const line = stackLine(t);
        if (line) out.push(`Stack: ${esc(line)}`, '');
      }
    }
    if (rd.learn) {
      out.push(`Lessons (${esc(rd.learn.by)}): ${rd.learn.lessons.length ? rd.learn.lessons.map((l) => `[${esc(l.title)}](../../wiki/${l.page}.md)`).join(', ') : 'none written'}${rd.learn.error ? ` — ${esc(rd.learn.error)}` : ''}`, '');
      for (const d of rd.learn.dropped) out.push(`- dropped \`${esc(d.page)}\`: ${esc(d.reason)}`);
      if (rd.learn.dropped.length) out.push('');
    }
    const cats = CATEGORIES.filter((c) => rd.timeByCategoryMs[c]);
    if (cats.length) {
      out.push('Time by category (sum of finding impacts): ' + cats.map((c) => `${c} ${fmtMs(rd.timeByCategoryMs[c])}`).join(', '), '');
    }
  }
  const accepted = r.patches.filter((p) => p.verdict === 'accepted');
  if (accepted.length) {
    out.push('## Accepted patches', '');
    for (const p of accepted) out.push(`### ${p.id} — ${p.pattern} in \`${p.file}\``, '', p.rationale, '', '```diff', p.diff.trimEnd(), '```', '');
  }
  return out.join('\n') + '\n';
}
