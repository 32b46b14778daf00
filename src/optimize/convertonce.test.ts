import { describe, expect, it } from 'vitest';
import { convertOnce } from './convertonce.js';
import { planPatch } from './plan.js';
import { codemodText, hasTorch, lineFinding, lineOf, runPython } from './testkit.js';

const run = (src: string, needle: string): Promise<string> => codemodText(convertOnce, src, lineOf(src, needle));

/** Only the lines that differ (old → new), for exact assertions on a one-site edit. */
function changed(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  return b.filter((l, i) => l !== a[i]);
}

// Hugging Face-style dataset: token ids sliced from a memmap, converted to Python ints one by one
const HF = `# Données: token ids in a uint16 file (a non-ASCII comment: edits are placed by character, not byte)
import os
import tempfile

import numpy as np

PATH = os.path.join(tempfile.mkdtemp(), "tokens.bin")
(np.arange(400) * 7 % 211).astype(np.uint16).tofile(PATH)


class SeqDataset:
    def __init__(self, path):
        self.path = path
        self.tokens = np.memmap(path, dtype=np.uint16, mode="r")

    def __getitem__(self, idx):
        ids = np.memmap(self.path, dtype=np.uint16, mode="r")[idx * 8:(idx + 1) * 8]
        return {"input_ids": [int(t) for t in ids], "label": idx % 3}

    def cached(self, idx):
        ids = self.tokens[idx * 8:(idx + 1) * 8]
        return list(map(int, ids))

    def appended(self, idx):
        out = []
        for t in self.tokens[idx * 8:(idx + 1) * 8]:
            out.append(int(t))
        return out


ds = SeqDataset(PATH)
for i in range(3):
    a, b, c = ds[i]["input_ids"], ds.cached(i), ds.appended(i)
    print(type(a).__name__, a, [type(x).__name__ for x in a][:2], b, c)
`;

const FEATURES = `import numpy as np
import torch


def features(path):
    feats = np.load(path)
    return [float(x) for x in feats]


def scores(vals):
    h = torch.tensor(vals, dtype=torch.float32)
    ids = torch.randint(0, 10, (8,), generator=torch.Generator().manual_seed(0))
    top = [int(x) for x in h]
    picked = [x.item() for x in ids]
    return top, picked


def roundtrip(arr):
    a = np.asarray(arr, dtype=np.uint16)
    return torch.tensor(a.tolist(), dtype=torch.long)


np.save("f.npy", np.array([1.5, -2.25, 3.0], dtype=np.float32))
print(features("f.npy"), scores([1.7, -2.7, 3.2]), roundtrip([3, 60000, 7]), roundtrip([3, 60000, 7]).dtype)
`;

describe('convert-once (syntax-tree edit)', () => {
  it('HF __getitem__: [int(t) for t in memmap slice] → one .tolist() (an integer dtype already gives Python ints)', async () => {
    const out = await run(HF, '[int(t) for t in ids]');
    expect(changed(HF, out)).toEqual(['        return {"input_ids": ids.tolist(), "label": idx % 3}']);
    expect(out).not.toMatch(/_sysight|Sysight/);
  });
  it('follows a self. attribute to __init__, and list(map(int, …))', async () => {
    expect(changed(HF, await run(HF, 'list(map(int, ids))'))).toEqual(['        return ids.tolist()']);
  });
  it('an append loop becomes one extend', async () => {
    const out = await run(HF, 'out.append(int(t))');
    expect(out).toContain('        out = []\n        out.extend(self.tokens[idx * 8:(idx + 1) * 8].tolist())\n        return out\n');
  });
  it('float() of an array of unstated dtype, int() of a float tensor, .item() of a tensor, a .tolist() round trip into torch.tensor', async () => {
    expect(changed(FEATURES, await run(FEATURES, '[float(x) for x in feats]'))).toEqual(['    return feats.astype(np.float64).tolist()']);
    expect(changed(FEATURES, await run(FEATURES, '[int(x) for x in h]'))).toEqual(['    top = h.long().tolist()']);
    expect(changed(FEATURES, await run(FEATURES, '[x.item() for x in ids]'))).toEqual(['    picked = ids.tolist()']);
    expect(changed(FEATURES, await run(FEATURES, 'a.tolist()'))).toEqual(['    return torch.from_numpy(a.astype(np.int64))']);
  });
  it('refuses data it cannot see is an array: parsed text, a parameter, a name bound twice', async () => {
    const src = `import numpy as np\n\n\ndef parse(line, ids):\n    a = [int(t) for t in line.split()]\n    b = [int(t) for t in ids]\n    c = np.zeros(3)\n    if a:\n        c = a\n    return a, b, [int(t) for t in c]\n`;
    expect(await run(src, 'line.split()')).toMatch(/^REFUSED: .*not known to be a numpy array/);
    expect(await run(src, 'for t in ids]')).toMatch(/^REFUSED/);
    expect(await run(src, 'for t in c]')).toMatch(/^REFUSED/);
    expect(await run(src, 'c = np.zeros')).toMatch(/^REFUSED: no per-element/);
  });
  it('is planned for a C7.per-element-convert finding', async () => {
    const line = HF.split('\n').findIndex((l) => l.includes('[int(t) for t in ids]')) + 1;
    const f = lineFinding(HF, line, 'C7.per-element-convert', 'SeqDataset.__getitem__');
    const out = await planPatch('/nonexistent', f, { gpu: false, readFile: () => HF });
    expect(out.kind === 'patch' && out.plan.id).toMatch(/^convert-once-/);
    expect(out.kind === 'patch' && out.plan.linesChanged).toBe(2);
  });
  it.skipIf(!hasTorch)('gives the same values and types in Python', async () => {
    let hf = HF;
    for (const n of ['[int(t) for t in ids]', 'list(map(int, ids))', 'out.append(int(t))']) hf = await run(hf, n);
    expect(runPython(hf)).toBe(runPython(HF));
    let fe = FEATURES;
    for (const n of ['[float(x) for x in feats]', '[int(x) for x in h]', '[x.item() for x in ids]', 'a.tolist()']) fe = await run(fe, n);
    expect(fe).not.toMatch(/REFUSED/);
    expect(runPython(fe)).toBe(runPython(FEATURES));
  });
});
