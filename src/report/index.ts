// Report renderings of a run. Pure: the pipeline writes them into the run directory.
import type { LocalizedFindingSet } from '../core/findings.js';
import type { PatchPlan, RunRecord } from '../core/run.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { buildReport, type ReportData } from './model.js';

export { buildReport, renderHtml, renderMarkdown };
export type { ReportData };

export interface RenderedReport { md: string; json: string; html: string; data: ReportData }

export function renderReports(run: RunRecord, findings: Map<number, LocalizedFindingSet>, patches: PatchPlan[]): RenderedReport {
  const data = buildReport(run, findings, patches);
  return { md: renderMarkdown(data), json: JSON.stringify(data, null, 2) + '\n', html: renderHtml(data), data };
}
