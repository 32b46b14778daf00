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

// nanoGPT's char tokenizer (prepare.py / the lecture's gpt.py): module-level lambdas over the vocab dicts
const LAMBDA = `import torch

chars = sorted(set("hello world, the quick brown fox."))
stoi = {ch: i for i, ch in enumerate(chars)}
itos = {i: ch for i, ch in enumerate(chars)}
encode = lambda s: [stoi[c] for c in s]  # encoder: take a string, output a list of integers
decode = lambda l: "".join([itos[i] for i in l])
TEXTS = ["hello world", "the quick b", "brown fox. "] * 2


def collate(batch):
    return torch.tensor([encode(t) for t in batch], dtype=torch.long)


for step in range(3):
    x = collate(TEXTS[step:step + 3])
    print(x.tolist(), decode(x[0].tolist()))
`;

// minGPT-style dataset that binds its tokenizer in __init__, closing over a local vocab
const SELF_LAMBDA = `import numpy as np
import torch


class CharDataset(torch.utils.data.Dataset):
    def __init__(self, texts):
        chars = sorted(set("".join(texts)))
        stoi = {ch: i for i, ch in enumerate(chars)}
        self.texts = texts
        self.encode = lambda s: [stoi[c] for c in s]

    def __len__(self):
        return len(self.texts)

    def batch(self, idx):
        return torch.as_tensor(np.array([self.encode(self.texts[i]) for i in idx]), dtype=torch.long)


ds = CharDataset(["abcab", "bcabc", "cabca"])
for step in range(3):
    print(ds.batch([step, (step + 1) % 3]).tolist())
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
  it('caches a module-level lambda where it is bound (nanoGPT\'s encode), with the file\'s names and no marker', async () => {
    const out = await run(LAMBDA, 'encode(t) for t');
    expect(out).toContain('import torch\nimport functools\n');
    expect(out).toContain('\nencode = functools.lru_cache(maxsize=None)(lambda s: [stoi[c] for c in s])  # encoder: take a string, output a list of integers\n');
    expect(out.split('\n').length).toBe(LAMBDA.split('\n').length + 1);
    expect(out).not.toMatch(/_sysight|Sysight/);
    // `from functools import lru_cache` is the file's own spelling
    expect(await run(LAMBDA.replace('import torch\n', 'from functools import lru_cache\n\nimport torch\n'), 'encode(t) for t')).toContain('\nencode = lru_cache(maxsize=None)(lambda s: [stoi[c] for c in s])');
  });
  it('caches `self.encode = lambda …` bound in __init__ over a local vocab nothing else can reach', async () => {
    const out = await run(SELF_LAMBDA, 'self.encode(self.texts[i])');
    expect(out).toContain('        self.encode = functools.lru_cache(maxsize=None)(lambda s: [stoi[c] for c in s])\n');
    // the vocab handed out (self.stoi = stoi) could be changed from outside: not a constant
    const leaked = SELF_LAMBDA.replace('        self.texts = texts\n', '        self.texts = texts\n        self.stoi = stoi\n');
    expect(await run(leaked, 'self.encode(self.texts[i])')).toMatch(/^REFUSED: self\.encode\(\) is not pure: .*stoi/);
    // another lambda of the method can add to the vocab
    const grows = SELF_LAMBDA.replace('        self.texts = texts\n', '        self.texts = texts\n        self.add = lambda c: stoi.setdefault(c, len(stoi))\n');
    expect(await run(grows, 'self.encode(self.texts[i])')).toMatch(/^REFUSED: self\.encode\(\) is not pure: .*stoi/);
    // reading an attribute: self.stoi may change after __init__
    const attr = SELF_LAMBDA.replace('self.encode = lambda s: [stoi[c] for c in s]', 'self.stoi = stoi\n        self.encode = lambda s: [self.stoi[c] for c in s]');
    expect(await run(attr, 'self.encode(self.texts[i])')).toMatch(/^REFUSED: self\.encode\(\) is not pure: .*self/);
    // bound twice: which lambda runs depends on the order
    const twice = SELF_LAMBDA.replace('    def __len__', '    def lower(self):\n        self.encode = lambda s: [0 for c in s]\n\n    def __len__');
    expect(await run(twice, 'self.encode(self.texts[i])')).toMatch(/^REFUSED: no per-sample call/);
  });
  it('caches a functools.partial of a pure function with constant bound arguments, not one bound to a changing value', async () => {
    const src = LAMBDA.replace('import torch\n', 'import functools\n\nimport torch\n').replace('encode = lambda s: [stoi[c] for c in s]  # encoder: take a string, output a list of integers\n', '\n\ndef tokenize(text, vocab, unk=0):\n    return [vocab.get(c, unk) for c in text]\n\n\nencode = functools.partial(tokenize, vocab=stoi, unk=0)\n');
    const out = await run(src, 'encode(t) for t');
    expect(out).toContain('\nencode = functools.lru_cache(maxsize=None)(functools.partial(tokenize, vocab=stoi, unk=0))\n');
    expect(await run(src.replace('vocab=stoi', 'vocab=dict(stoi)'), 'encode(t) for t')).toMatch(/^REFUSED: encode\(\) cannot be cached: partial binds `dict\(stoi\)`/);
  });
  it('refuses lambdas that are not pure, rebound, or handed around as values', async () => {
    const lam = (body: string, extra = '') => LAMBDA.replace('encode = lambda s: [stoi[c] for c in s]', `encode = lambda s: ${body}`) + extra;
    expect(await run(lam('[stoi[c] for c in s] + [step]'), 'encode(t) for t')).toMatch(/^REFUSED: encode\(\) is not pure: .*`step`/);
    expect(await run(lam('[stoi.setdefault(c, len(stoi)) for c in s]'), 'encode(t) for t')).toMatch(/^REFUSED: encode\(\) is not pure/);
    expect(await run(lam('[stoi[c] for c in s]', 'encode = lambda s: [0 for c in s]\n'), 'encode(t) for t')).toMatch(/^REFUSED: encode\(\) cannot be cached: encode is bound more than once/);
    expect(await run(lam('[stoi[c] for c in s]', 'rows = list(map(encode, TEXTS))\nrows[0].append(1)\n'), 'encode(t) for t')).toMatch(/^REFUSED: encode is used as a value/);
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
    // the lambda spelling: stack-once is tried first on the tensor line and refuses; the lambda is cached where it is bound
    const at = lineOf(LAMBDA, 'encode(t) for t') + 1;
    const lam = await planPatch('/nonexistent', lineFinding(LAMBDA, at, 'C7.sample-by-sample-batch', 'collate'), { gpu: false, readFile: () => LAMBDA });
    expect(lam.kind === 'patch' && lam.plan.id).toMatch(/^cache-pure-call-/);
    expect(lam.kind === 'patch' && lam.plan.linesChanged).toBe(3);
  });
  it.skipIf(!hasTorch)('gives the same batches in Python (def, module lambda, lambda bound to self)', async () => {
    for (const [src, needle] of [[CHARS, 'encode(text) for text'], [LAMBDA, 'encode(t) for t'], [SELF_LAMBDA, 'self.encode(self.texts[i])']] as const) {
      const out = await run(src, needle);
      expect(out).not.toMatch(/^REFUSED/);
      expect(runPython(out)).toBe(runPython(src));
    }
  });
});
