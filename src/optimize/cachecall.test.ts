import { describe, expect, it } from 'vitest';
import { cacheCall } from './cachecall.js';
import { planPatch } from './plan.js';
import { codemodText, hasTorch, lineFinding, lineOf, runPython } from './testkit.js';

const run = (src: string, needle: string): Promise<string> => codemodText(cacheCall, src, lineOf(src, needle));

// char-level text classification (minGPT/nanoGPT char vocab): collate encodes every text on every step
const CHARS = `import torch

VOCAB = "abcdefghijklmnopqrstuvwxyz ,."
stoi = {ch: i for i, ch in enumerate(VOCAB)}
TEXTS = [("".join(VOCAB[(i * 7 + k * 3) % len(VOCAB)] for k in range(16)), i % 3) for i in range(12)]


def encode(text):
    return [stoi[ch] for ch in text]


def collate(batch):
    ids = torch.tensor([encode(text) for text, _ in batch], dtype=torch.long)
    labels = torch.tensor([label for _, label in batch], dtype=torch.long)
    return ids, labels


for step in range(3):
    x, y = collate(TEXTS[step * 4:(step + 1) * 4] + TEXTS[:2])
    print(x.tolist(), y.tolist())
`;

// word-level: a vocab dict with .get and an unknown id, the result kept in a local and copied into an array
const WORDS = `from functools import lru_cache

import numpy as np

UNK = 0
vocab = {"the": 1, "cat": 2, "sat": 3}


def tokenize(line):
    words = line.lower().split()
    return [vocab.get(w, UNK) for w in words]


def make_batch(lines):
    rows = []
    for line in lines:
        ids = tokenize(line)
        rows.append(np.array(ids[:4] if False else ids, dtype=np.int64))
    return rows
`;

describe('cache-pure-call (syntax-tree edit)', () => {
  it('caches a pure char-level encode called per sample in collate, importing functools', async () => {
    const out = await run(CHARS, 'encode(text) for text');
    expect(out).toContain('import torch\nimport functools\n');
    expect(out).toContain('\n@functools.lru_cache(maxsize=None)\ndef encode(text):\n    return [stoi[ch] for ch in text]\n');
    expect(out.split('\n').length).toBe(CHARS.split('\n').length + 2);
    expect(out).not.toMatch(/_sysight|Sysight|#/);
  });
  it('uses the file\'s own `from functools import lru_cache`; a local only copied into an array is fine', async () => {
    const src = WORDS.replace('rows.append(np.array(ids[:4] if False else ids, dtype=np.int64))', 'rows.append(np.array(ids, dtype=np.int64))');
    const out = await run(src, 'ids = tokenize(line)');
    expect(out).toContain('\n@lru_cache(maxsize=None)\ndef tokenize(line):\n');
    expect(out).not.toContain('import functools');
  });
  it('refuses helpers that are not pure or whose result could be modified', async () => {
    // the result is used in an expression that is not a copy: kept as is, it could be changed through `rows`
    expect(await run(WORDS, 'ids = tokenize(line)')).toMatch(/^REFUSED: tokenize\(\)'s result is kept/);
    const impure = (body: string, caller = '    return torch.tensor([encode(t) for t in batch])') =>
      `import random\nimport torch\n\nstoi = {}\ncount = 0\n\n\ndef encode(text):\n${body}\n\n\ndef collate(batch):\n${caller}\n`;
    expect(await run(impure('    return [random.random() for ch in text]'), 'encode(t)')).toMatch(/^REFUSED: encode\(\) is not pure: .*random/);
    expect(await run(impure('    global count\n    count += 1\n    return [stoi[ch] for ch in text]'), 'encode(t)')).toMatch(/^REFUSED: encode\(\) is not pure/);
    expect(await run(impure('    text.append(0)\n    return text'), 'encode(t)')).toMatch(/^REFUSED: encode\(\) is not pure: it modifies its argument/);
    expect(await run(impure('    print(text)\n    return [stoi[ch] for ch in text]'), 'encode(t)')).toMatch(/^REFUSED: encode\(\) is not pure: .*print/);
    // stoi is filled later: not a constant
    expect(await run(impure('    return [stoi[ch] for ch in text]').replace('def collate', 'stoi["a"] = 1\n\n\ndef collate'), 'encode(t)')).toMatch(/^REFUSED: encode\(\) is not pure: .*stoi/);
    expect(await run(impure('    return [stoi[ch] for ch in text]', '    out = []\n    for t in batch:\n        ids = encode(t)\n        ids.append(0)\n        out.append(ids)\n    return out'), 'ids = encode(t)')).toMatch(/^REFUSED: .*result is kept/);
  });
  it('is planned for the sample-by-sample-batch finding on the collate line', async () => {
    const line = CHARS.split('\n').findIndex((l) => l.includes('encode(text) for text')) + 1;
    const f = lineFinding(CHARS, line, 'C7.sample-by-sample-batch', 'collate');
    const out = await planPatch('/nonexistent', f, { gpu: false, readFile: () => CHARS });
    expect(out.kind === 'patch' && out.plan.id).toMatch(/^cache-pure-call-/);
    expect(out.kind === 'patch' && out.plan.linesChanged).toBe(2);
  });
  it.skipIf(!hasTorch)('gives the same batches in Python', async () => {
    expect(runPython(await run(CHARS, 'encode(text) for text'))).toBe(runPython(CHARS));
  });
});
