// A self-contained HTML report: no network, no scripts, inline SVG charts.
import { join } from 'node:path';
import { diffDetail } from '../core/run.js';
import { CATEGORIES, CS_LABEL, type ChangeSeenTwice, categoryLabel, changeSeenTwice, fmtInterval, fmtMs, fmtPct, fmtSpent, stackLine, type ReportData } from './model.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Iteration time per round, with the interval as an error bar. */
export function roundsChartSvg(r: ReportData, width = 560, height = 220): string {
  const pts = r.rounds.filter((x) => x.iterationMs !== null);
  if (!pts.length) return '<p class="muted">No iteration time was measured.</p>';
  const max = Math.max(...pts.map((p) => p.iterationInterval?.high ?? p.iterationMs!)) * 1.15;
  const pad = { l: 56, r: 16, t: 16, b: 36 };
  const w = width - pad.l - pad.r;
  const h = height - pad.t - pad.b;
  const bw = Math.min(60, (w / pts.length) * 0.6);
  const x = (i: number) => pad.l + (w / pts.length) * (i + 0.5);
  const y = (v: number) => pad.t + h - (v / max) * h;
  const parts: string[] = [];
  for (let k = 0; k <= 4; k++) {
    const v = (max / 4) * k;
    parts.push(`<line x1="${pad.l}" x2="${width - pad.r}" y1="${y(v)}" y2="${y(v)}" class="grid"/>`);
    parts.push(`<text x="${pad.l - 6}" y="${y(v) + 4}" text-anchor="end" class="axis">${v.toFixed(v < 10 ? 1 : 0)}</text>`);
  }
  pts.forEach((p, i) => {
    const v = p.iterationMs!;
    parts.push(`<rect x="${x(i) - bw / 2}" y="${y(v)}" width="${bw}" height="${pad.t + h - y(v)}" class="bar"><title>round ${p.index}: ${fmtMs(v)}</title></rect>`);
    if (p.iterationInterval) {
      const lo = y(p.iterationInterval.low), hi = y(p.iterationInterval.high);
      parts.push(`<line x1="${x(i)}" x2="${x(i)}" y1="${lo}" y2="${hi}" class="err"/>`);
      parts.push(`<line x1="${x(i) - 6}" x2="${x(i) + 6}" y1="${lo}" y2="${lo}" class="err"/><line x1="${x(i) - 6}" x2="${x(i) + 6}" y1="${hi}" y2="${hi}" class="err"/>`);
    }
    parts.push(`<text x="${x(i)}" y="${y(v) - 6}" text-anchor="middle" class="val">${fmtMs(v)}</text>`);
    parts.push(`<text x="${x(i)}" y="${height - 14}" text-anchor="middle" class="axis">${p.final ? 'after' : `round ${p.index}`}${p.accepted.length ? ` (+${p.accepted.length})` : ''}</text>`);
  });
  parts.push(`<text x="14" y="${pad.t + h / 2}" transform="rotate(-90 14 ${pad.t + h / 2})" text-anchor="middle" class="axis">ms / iteration</text>`);
  return `<svg role="img" aria-label="Iteration time per round" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`;
}

/** Time attributed to each category in the first round (sum of finding impacts), horizontal bars. */
export function categoryChartSvg(r: ReportData, width = 560): string {
  const first = r.rounds[0];
  const cats = first ? CATEGORIES.filter((c) => (first.timeByCategoryMs[c] ?? 0) > 0) : [];
  if (!cats.length) return '<p class="muted">No time attributed to a category.</p>';
  const max = Math.max(...cats.map((c) => first!.timeByCategoryMs[c]!));
  const rowH = 26;
  const height = cats.length * rowH + 10;
  const labelW = 200;
  const rows = cats.map((c, i) => {
    const v = first!.timeByCategoryMs[c]!;
    const bw = ((width - labelW - 80) * v) / max;
    const yy = 5 + i * rowH;
    return `<text x="${labelW - 8}" y="${yy + 16}" text-anchor="end" class="axis">${escapeHtml(categoryLabel(c))}</text>` +
      `<rect x="${labelW}" y="${yy + 4}" width="${bw}" height="16" class="bar cat-${c}"/>` +
      `<text x="${labelW + bw + 6}" y="${yy + 16}" class="val">${fmtMs(v)}/iter</text>`;
  });
  return `<svg role="img" aria-label="Time by category" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${rows.join('')}</svg>`;
}

const CSS = `
:root { color-scheme: light dark; --fg:#1f2328; --muted:#656d76; --bg:#fff; --card:#f6f8fa; --accent:#0969da; --ok:#1a7f37; --bad:#cf222e; }
@media (prefers-color-scheme: dark) { :root { --fg:#e6edf3; --muted:#8d96a0; --bg:#0d1117; --card:#161b22; --accent:#4493f8; --ok:#3fb950; --bad:#f85149; } }
body { font: 14px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 28px; } .muted { color: var(--muted); }
.kpis { display: flex; gap: 16px; flex-wrap: wrap; } .kpi { background: var(--card); border-radius: 8px; padding: 12px 16px; min-width: 150px; }
.kpi b { display: block; font-size: 20px; } table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid color-mix(in srgb, var(--muted) 30%, transparent); vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; } a { color: var(--accent); }
.accepted { color: var(--ok); font-weight: 600; } .rejected, .error { color: var(--bad); }
svg .bar { fill: var(--accent); opacity: .8; } svg .err { stroke: var(--fg); stroke-width: 1.5; } svg .grid { stroke: var(--muted); opacity: .25; }
svg .axis { fill: var(--muted); font-size: 11px; } svg .val { fill: var(--fg); font-size: 11px; }
pre { background: var(--card); padding: 8px; overflow-x: auto; border-radius: 6px; font-size: 12px; }
`;

/** The accepted patches' measured A/B beside the profile diff of the rounds before and after them. */
function sideBySide(seen: ChangeSeenTwice | null): string {
  if (!seen || seen.accepted.length === 0) return '';
  const rows = seen.accepted.map((t, i) => `<tr><td>${escapeHtml(t.patchId)} <span class="muted">${escapeHtml(t.pattern)}</span></td>` +
    `<td class="num">${fmtPct(t.measurement?.speedup)} ${escapeHtml(fmtInterval(t.measurement?.speedupInterval))}</td>` +
    (i === 0 ? `<td rowspan="${seen.accepted.length}"><b>${escapeHtml(seen.profileDiff.verdict)}</b> — ${escapeHtml(diffDetail(seen.profileDiff))}</td>` : '') + '</tr>').join('');
  return `<table class="side-by-side"><thead><tr><th>accepted in round ${seen.from}</th><th>measured A/B speed-up [${CS_LABEL}]</th>` +
    `<th>profile diff, round ${seen.to} vs ${seen.from}</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function renderHtml(r: ReportData): string {
  const link = (file: string, line: number) => {
    const abs = join(r.repo, file);
    return `<a href="vscode://file${encodeURI(abs)}:${line}" title="open in VS Code">${escapeHtml(file)}:${line}</a> ` +
      `<a class="muted" href="file://${encodeURI(abs)}">(file)</a>`;
  };
  const rounds = r.rounds.filter((rd) => !rd.final).map((rd) => {
    const findings = rd.findings.map((f) => `<tr><td>${escapeHtml(categoryLabel(f.category))}</td><td>${link(f.file, f.line)}<br><code>${escapeHtml(f.function)}</code></td>` +
      `<td class="num">${fmtMs(f.impact.msPerIter)} (${f.impact.pctOfIter.toFixed(1)}%)</td><td class="num">${f.confidence.toFixed(2)}</td>` +
      `<td>${escapeHtml(f.title)}<details><summary>evidence</summary><ul>${f.evidence.map((e) => `<li>${escapeHtml(
        e.kind === 'profile' ? `[${e.query}] ${e.summary}` : e.kind === 'source' ? `${e.file}:${e.line} ${e.text.trim()} — ${e.why}` : `${e.via}: ${e.frames.join(' ← ')}`,
      )}</li>`).join('')}</ul></details></td></tr>`).join('');
    const trials = [...rd.accepted, ...rd.rejected].map((t) => `<tr><td>${escapeHtml(t.patchId)}</td><td>${escapeHtml(t.pattern)}</td>` +
      `<td class="${t.verdict}">${t.verdict}</td><td class="num">${fmtPct(t.measurement?.speedup)} ${escapeHtml(fmtInterval(t.measurement?.speedupInterval))}</td><td>${escapeHtml(fmtSpent(t.measurement))}</td><td>${escapeHtml(t.reason)}</td></tr>`).join('');
    return `<h2>Round ${rd.index} <span class="muted">— ${fmtMs(rd.iterationMs)}/iter</span></h2>` +
      (rd.profileDiff ? `<p>Profile against round ${rd.index - 1}: <b>${escapeHtml(rd.profileDiff.verdict)}</b> — ${escapeHtml(diffDetail(rd.profileDiff))}</p>` : '') +
      sideBySide(changeSeenTwice(r, rd)) +
      (findings ? `<table><thead><tr><th>category</th><th>location</th><th>impact/iter</th><th>conf.</th><th>finding</th></tr></thead><tbody>${findings}</tbody></table>` : '<p class="muted">No findings.</p>') +
      rd.accepted.concat(rd.rejected).map((t) => stackLine(t)).filter((l): l is string => l !== null).map((l) => `<p class="stack">Stack: ${escapeHtml(l)}</p>`).join('') +
      (trials ? `<table><thead><tr><th>patch</th><th>pattern</th><th>verdict</th><th>speed-up [${CS_LABEL}]</th><th>measured</th><th>reason</th></tr></thead><tbody>${trials}</tbody></table>` : '') +
      (rd.learn ? `<p>Lessons (${escapeHtml(rd.learn.by)}): ${rd.learn.lessons.length ? rd.learn.lessons.map((l) => `<b>${escapeHtml(l.title)}</b> <span class="muted">(.sysight/wiki/${escapeHtml(l.page)}.md)</span>`).join(', ') : 'none written'}${rd.learn.error ? ` — ${escapeHtml(rd.learn.error)}` : ''}</p>` +
        (rd.learn.dropped.length ? `<ul>${rd.learn.dropped.map((d) => `<li class="muted">dropped ${escapeHtml(d.page)}: ${escapeHtml(d.reason)}</li>`).join('')}</ul>` : '') : '');
  }).join('');
  const accepted = r.patches.filter((p) => p.verdict === 'accepted').map((p) =>
    `<h3>${escapeHtml(p.id)} — ${escapeHtml(p.pattern)}</h3><p>${escapeHtml(p.rationale)}</p><pre>${escapeHtml(p.diff)}</pre>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Sysight report ${escapeHtml(r.runId)}</title><style>${CSS}</style></head>
<body><h1>Sysight report</h1><p class="muted">run ${escapeHtml(r.runId)} · ${escapeHtml(r.createdAt)} · ${escapeHtml(r.repo)}${r.command ? ` · <code>${escapeHtml(r.command)}</code>` : ''}</p>
${r.error ? `<p class="error">${escapeHtml(r.error)}</p>` : ''}
<div class="kpis"><div class="kpi">baseline<b>${fmtMs(r.baselineMs)}</b></div><div class="kpi">final<b>${fmtMs(r.finalMs)}</b></div>
<div class="kpi">speed-up<b>${fmtPct(r.totalSpeedup)}</b>${r.totalSpeedupInterval ? `<span class="muted">${CS_LABEL} ${escapeHtml(fmtInterval(r.totalSpeedupInterval))}</span>` : ''}</div><div class="kpi">accepted patches<b>${r.patches.filter((p) => p.verdict === 'accepted').length}</b></div><div class="kpi">status<b>${r.status}</b></div></div>
<h2>Iteration time per round</h2><p class="muted">${r.clock === 'cpu' ? 'Process CPU time per optimizer step (CPU-only workload)' : 'Wall time per optimizer step'}; median of interleaved A/B runs with 95% bootstrap intervals.</p>${roundsChartSvg(r)}
<h2>Time by category (round ${r.rounds[0]?.index ?? 0})</h2>${categoryChartSvg(r)}
${rounds}
${accepted ? `<h2>Accepted patches</h2>${accepted}` : ''}
</body></html>
`;
}
