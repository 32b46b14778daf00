// Findings: sortable columns, a category filter, a click on a row asks the host to reveal file:line.
import { useMemo } from 'react';
import type { FindingSortKey, FindingView } from '../../../src/protocol/dashboard.js';
import { Badge, Select } from './toolkit.js';
import { signedPct } from '../format.js';

export interface FindingsTableProps {
  findings: FindingView[];
  sort: { key: FindingSortKey; dir: 'asc' | 'desc' };
  category: string;
  onSort: (key: FindingSortKey) => void;
  onCategory: (category: string) => void;
  onReveal: (f: FindingView) => void;
  onOpenPatch: (f: FindingView) => void;
  /** the latest analyze's notes: why it found what it found (or nothing) */
  notes?: string[];
  /** the profile-only diagnosis above has findings */
  hasDiagnosis?: boolean;
}

const COLUMNS: Array<{ key: FindingSortKey; label: string; num?: boolean }> = [
  { key: 'category', label: 'Category' },
  { key: 'file', label: 'Location' },
  { key: 'msPerIter', label: 'ms/iter', num: true },
  { key: 'pctOfIter', label: '% iter', num: true },
  { key: 'confidence', label: 'Confidence', num: true },
];

export function sortFindings(fs: FindingView[], key: FindingSortKey, dir: 'asc' | 'desc'): FindingView[] {
  const sign = dir === 'asc' ? 1 : -1;
  const val = (f: FindingView): string | number =>
    key === 'file' ? `${f.file}:${String(f.line).padStart(8, '0')}` : key === 'category' ? f.category : f[key];
  return [...fs].sort((a, b) => {
    const va = val(a), vb = val(b);
    const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
    return c !== 0 ? sign * c : a.id.localeCompare(b.id);
  });
}

export function FindingsTable(props: FindingsTableProps) {
  const categories = useMemo(
    () => [...new Map(props.findings.map((f) => [f.category, f.categoryName])).entries()].sort(),
    [props.findings],
  );
  const rows = useMemo(() => {
    const filtered = props.category === 'all' ? props.findings : props.findings.filter((f) => f.category === props.category);
    return sortFindings(filtered, props.sort.key, props.sort.dir);
  }, [props.findings, props.category, props.sort]);

  return (
    <section className="card" aria-label="Findings">
      <div className="card-head">
        <h2>Findings</h2>
        <Badge>{rows.length}</Badge>
        <span className="spacer" />
        <Select
          label="Category"
          testId="category-filter"
          value={props.category}
          onChange={props.onCategory}
          options={[{ value: 'all', label: 'All categories' }, ...categories.map(([c, n]) => ({ value: c, label: `${c} ${n}` }))]}
        />
      </div>
      {props.findings.length === 0 ? (
        <div className="muted" data-testid="no-findings">
          {props.notes && props.notes.length
            ? <>No findings in your code.<ul className="notes" data-testid="analyze-notes">{props.notes.map((n, i) => <li key={i}>{n}</li>)}</ul></>
            : <p>No findings localized to your code yet{props.hasDiagnosis ? ' (the Diagnosis above comes from the profile alone)' : ''}. Run <b>Analyze</b> with the folder of the code that produced this profile open to place them on source lines.</p>}
        </div>
      ) : (
        <table className="grid findings" data-testid="findings">
          <thead>
            <tr>
              {COLUMNS.map((c) => (
                <th
                  key={c.key}
                  className={`sortable ${c.num ? 'num' : ''}`}
                  data-sort={c.key}
                  aria-sort={props.sort.key === c.key ? (props.sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
                  onClick={() => props.onSort(c.key)}
                >
                  {c.label}{props.sort.key === c.key ? (props.sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}
                </th>
              ))}
              <th>Patch</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((f) => (
              <tr
                key={`${f.runId}/${f.id}`}
                className={`finding sev-${f.severity}`}
                data-finding={f.id}
                data-category={f.category}
                tabIndex={0}
                title={f.evidence.join('\n')}
                onClick={() => props.onReveal(f)}
                onKeyDown={(e) => { if (e.key === 'Enter') props.onReveal(f); }}
              >
                <td><span className={`cat cat-${f.category}`}>{f.category}</span> {f.title}</td>
                <td className="mono">{f.file}:{f.line} <span className="muted">{f.function}</span></td>
                <td className="num">{f.msPerIter.toFixed(2)}</td>
                <td className="num">{f.pctOfIter.toFixed(1)}%</td>
                <td className="num">{Math.round(f.confidence * 100)}%</td>
                <td>
                  {f.patch ? (
                    <button
                      className="link"
                      data-testid="open-patch"
                      title={`${f.patch.verdict}: speed-up ${signedPct(f.patch.speedup)} [${signedPct(f.patch.low)}, ${signedPct(f.patch.high)}]`}
                      onClick={(e) => { e.stopPropagation(); props.onOpenPatch(f); }}
                    >
                      {signedPct(f.patch.speedup)} diff
                    </button>
                  ) : <span className="muted">–</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
