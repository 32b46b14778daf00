// The ranks messages' validators and the view built from a report and its summaries.
import { describe, expect, it } from 'vitest';
import { OpenRankCommand, RanksComputeCommand, RanksStateNotification, topStraggler } from '../../src/protocol/ranks.js';
import { buildRanksView } from '../../src/analyze/ranks/view.js';
import { reduceRanks } from '../../src/analyze/ranks/index.js';
import { simulateRun } from './ranks-fixture.js';

const summaries = simulateRun({ ranks: 8, steps: 5, straggler: 1, slowLoader: 5 });
const report = reduceRanks(summaries);
const view = buildRanksView(report, summaries, 'Ranks: t');

describe('ranks protocol', () => {
  it('accepts a well-formed open-rank command and rejects bad ones', () => {
    const ok = { rank: 1, source: '/r/rank1.sqlite', step: 3, startNs: 10, endNs: 20 };
    expect(OpenRankCommand.is(OpenRankCommand.make(ok))).toBe(true);
    expect(OpenRankCommand.is(OpenRankCommand.make({ ...ok, pid: 7 }))).toBe(true);
    for (const bad of [
      { ...ok, rank: -1 }, { ...ok, rank: 1.5 }, { ...ok, source: '' }, { ...ok, step: '3' }, { ...ok, startNs: 30 },
      { ...ok, endNs: Number.NaN }, { ...ok, pid: 'x' }, null,
    ]) {
      expect(OpenRankCommand.is({ method: 'ranks/openRank', params: bad }), JSON.stringify(bad)).toBe(false);
    }
    expect(OpenRankCommand.is({ method: 'ranks/compute', params: ok })).toBe(false);
  });

  it('validates ranks/state: loading, ready with a consistent view, error', () => {
    expect(RanksStateNotification.is(RanksStateNotification.make({ state: 'loading' }))).toBe(true);
    expect(RanksStateNotification.is(RanksStateNotification.make({ state: 'loading', message: 'x', fraction: 0.5 }))).toBe(true);
    expect(RanksStateNotification.is({ method: 'ranks/state', params: { state: 'loading', fraction: 'half' } })).toBe(false);
    expect(RanksStateNotification.is(RanksStateNotification.make({ state: 'ready', view }))).toBe(true);
    // rows whose cells do not match the columns, or no view at all
    expect(RanksStateNotification.is({ method: 'ranks/state', params: { state: 'ready', view: { ...view, steps: [0, 1] } } })).toBe(false);
    expect(RanksStateNotification.is({ method: 'ranks/state', params: { state: 'ready' } })).toBe(false);
    expect(RanksStateNotification.is(RanksStateNotification.make({ state: 'error', message: 'boom' }))).toBe(true);
    expect(RanksStateNotification.is({ method: 'ranks/state', params: { state: 'error' } })).toBe(false);
    expect(RanksStateNotification.is({ method: 'ranks/state', params: { state: 'other' } })).toBe(false);
  });

  it('validates ranks/compute', () => {
    expect(RanksComputeCommand.is(RanksComputeCommand.make({}))).toBe(true);
    expect(RanksComputeCommand.is(RanksComputeCommand.make({ cancel: true }))).toBe(true);
    expect(RanksComputeCommand.is({ method: 'ranks/compute', params: { cancel: 'yes' } })).toBe(false);
  });
});

describe('buildRanksView', () => {
  it('has one cell per rank and step, each with its summary step window and split', () => {
    expect(view.ranks.map((r) => r.rank)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(view.steps).toEqual([0, 1, 2, 3, 4]);
    for (const [i, row] of view.ranks.entries()) {
      expect(row.cells).toHaveLength(5);
      for (const [j, c] of row.cells.entries()) {
        const st = summaries[i]!.steps[j]!;
        expect(c).toEqual({
          step: j, startNs: st.startNs, endNs: st.endNs,
          values: { step: report.stepMs[i]![j], exposedComm: st.exposedCommNs / 1e6, idle: st.idleNs / 1e6, dataLoad: st.dataLoadNs / 1e6 },
        });
      }
    }
    expect(view.ranks[1]!.pid).toBe(4001);
  });

  it('leaves a cell empty where the report has no step, and sums waits per op with the usual last rank', () => {
    const holey = { ...report, stepMs: report.stepMs.map((r, i) => (i === 2 ? r.map((x, j) => (j === 4 ? null : x)) : r)) };
    const v = buildRanksView(holey, summaries, 't');
    expect(v.ranks[2]!.cells[4]).toBeNull();
    expect(v.ranks[2]!.cells[3]).not.toBeNull();
    expect(v.collectives).toHaveLength(1);
    const c = v.collectives[0]!;
    expect(c.op).toBe('AllReduce');
    expect(c.count).toBe(report.collectiveWaits.length);
    expect(c.lastRank).toBe(1);
    const waited = report.collectiveWaits.reduce((a, w) => a + w.waitNs[0]!, 0) / 1e6;
    expect(c.waitMs[0]).toBeCloseTo(waited, 9);
    expect(c.waitMs[1]).toBe(0);
    expect(topStraggler(v)).toBe(1);
  });

  it('finds the summary of a renumbered rank by its file and process', () => {
    const renumbered = { ...report, ranks: report.ranks.map((r, i) => ({ ...r, identity: { ...r.identity, rank: 10 + i } })) };
    const v = buildRanksView(renumbered, summaries, 't');
    expect(v.ranks.map((r) => r.rank)).toEqual([10, 11, 12, 13, 14, 15, 16, 17]);
    expect(v.ranks[2]!.cells[1]!.startNs).toBe(summaries[2]!.steps[1]!.startNs);
    const lost = { ...renumbered, ranks: renumbered.ranks.map((r) => ({ ...r, source: '/elsewhere.sqlite' })) };
    expect(buildRanksView(lost, summaries, 't').ranks[0]!.cells.every((c) => c === null)).toBe(true);
  });

  it('names no straggler when the top of the ranking made nobody wait and is not slower', () => {
    expect(topStraggler({ stragglers: [] })).toBeNull();
    expect(topStraggler({ stragglers: [{ ...report.stragglers[0]!, causedWaitNs: 0, stepTimeExcess: 0 }] })).toBeNull();
  });
});
