// The profile-only diagnosis as terminal text: the step count with its method, one block per finding (category,
// cost, title, evidence), then the notes.
import { CATEGORY_NAMES, type ProfileDiagnosis } from '../core/findings.js';

export function diagnosisText(d: ProfileDiagnosis): string {
  const it = d.iterations;
  const lines = [
    `Profile: ${d.profile} (${d.format}, ${d.durationMs.toFixed(1)} ms)`,
    `Steps: ${it.detail}${it.medianMs !== null ? `, median ${it.medianMs.toFixed(2)} ms` : ''}`,
    '',
  ];
  if (!d.findings.length) lines.push('No findings from the profile alone.');
  d.findings.forEach((f, i) => {
    const per = f.impact.msPerIter !== null && it.count > 1 ? `, ${f.impact.msPerIter.toFixed(2)} ms/step` : '';
    lines.push(`${String(i + 1).padStart(2)}. ${f.category} ${CATEGORY_NAMES[f.category]} · ${f.impact.ms.toFixed(1)} ms (${f.impact.pctOfProfile.toFixed(1)}% of the profile${per}) · ${f.severity}`);
    lines.push(`    ${f.title}`);
    if (f.subject.file) lines.push(`    at ${f.subject.file}:${f.subject.line ?? 0}`);
    for (const e of f.evidence) {
      if (e.kind === 'profile') lines.push(`    - ${e.summary}`);
      else if (e.kind === 'stack') lines.push(`    - ${e.via === 'nvtx' ? 'ranges' : 'Python stack'}: ${e.frames.join(' › ')}`);
    }
  });
  if (d.notes.length) lines.push('', ...d.notes.map((n) => `note: ${n}`));
  lines.push('', 'Give --repo <dir> to localize these to source lines.');
  return lines.join('\n');
}
