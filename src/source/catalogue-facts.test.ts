// Each pattern's facts (how the profile measures it) are declared on its catalogue entry, defaulting to its category's.
import { describe, expect, it } from 'vitest';
import { CATEGORY_FACTS, describeCatalogue } from './catalogue.js';

describe('catalogue pattern facts', () => {
  const byId = new Map(describeCatalogue().map((d) => [d.id, d]));

  it('states every fact of every entry, its category\'s where the entry is silent', () => {
    for (const d of byId.values()) {
      expect(['line', 'category']).toContain(d.measuredAt);
      expect(d.costKinds.length).toBeGreaterThan(0);
    }
    expect(byId.get('C7.element-loop')).toMatchObject(CATEGORY_FACTS.C7);
  });

  it('construction sites and whole-model choices are measured by their category; GPU-only patterns say so', () => {
    const measured = (id: string) => byId.get(id)?.measuredAt;
    for (const id of ['C1.dataloader-workers', 'C2.no-compile', 'C5.fp32-no-autocast', 'C6.ddp-find-unused', 'C6.small-bucket', 'C6.no-sync-misuse']) expect(measured(id), id).toBe('category');
    for (const id of ['C3.item-sync', 'C5.constant-in-forward', 'C6.collective-in-loop', 'C7.per-sample-getitem']) expect(measured(id), id).toBe('line');
    expect(byId.get('C1.dataloader-pin-memory')?.needsGpu).toBe(true);
    expect(byId.get('C1.dataloader-workers')?.needsGpu).toBe(false);
    expect(byId.get('C5.fp32-no-autocast')?.needsGpu).toBe(true);
  });

  it('gives the events a function-level site must show as a regex source (plain data for --json)', () => {
    const events = byId.get('C3.item-sync')?.events;
    expect(typeof events).toBe('string');
    expect(new RegExp(events!).test('aten::item')).toBe(true);
    expect(byId.get('C1.dataloader-workers')?.events).toBeUndefined();
  });
});
