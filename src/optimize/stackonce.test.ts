import { describe, expect, it } from 'vitest';
import { planPatch } from './plan.js';
import { stackOnce } from './stackonce.js';
import { codemodText, hasTorch, lineFinding, runPython } from './testkit.js';

const run = (src: string, line: number): Promise<string> => codemodText(stackOnce, src, line - 1);

const lineOf = (src: string, needle: string): number => src.split('\n').findIndex((l) => l.includes(needle)) + 1;

// Hugging Face-style collate: token ids per example, one tensor each, then a stack
const HF = `import numpy as np
import torch


def collate(batch):
    input_ids = torch.stack([torch.tensor(b["input_ids"], dtype=torch.long) for b in batch])
    labels = torch.tensor([b["label"] for b in batch], dtype=torch.long)
    return input_ids, labels


batch = [{"input_ids": [int(t) for t in np.arange(i, i + 6, dtype=np.uint16)], "label": i % 3} for i in range(5)]
batch += [{"input_ids": np.arange(i, i + 6, dtype=np.int32), "label": i % 3} for i in range(5)]
x, y = collate(batch)
print(x.dtype, x.shape, x.tolist(), y.tolist())
`;

// torchvision-style image folder: uint8 images, one float tensor per image scaled to [0, 1]
const VISION = `import numpy as np
import torch


def collate(batch):
    images = torch.stack([torch.tensor(img, dtype=torch.float32) / 255.0 for img, _ in batch])
    targets = torch.tensor([t for _, t in batch])
    return images, targets


batch = [(((np.arange(3 * 4 * 4) * (k + 3)) % 255).astype(np.uint8).reshape(3, 4, 4), k) for k in range(4)]
x, y = collate(batch)
print(x.dtype, x.shape, repr(x.sum().item()), x.flatten().tolist()[:20], y.tolist())
`;

// the same collates written as loops: a list per field, one tensor appended per sample, a stack after the loop
const LOOP = `import numpy as np
import torch


def collate(batch):
    xs, ys = [], []
    for s in batch:
        xs.append(torch.tensor(s[0], dtype=torch.long))
        ys.append(s[1])
    x = torch.stack(xs)
    y = torch.tensor(ys)
    return x, y


batch = [(np.arange(i, i + 6, dtype=np.int32), i % 3) for i in range(5)] + [([i, i + 1, i + 2, 0, 0, 1], 1) for i in range(3)]
x, y = collate(batch)
print(x.dtype, x.shape, x.tolist(), y.tolist())
`;

// torchvision-style: uint8 images, one float tensor per image scaled to [0, 1], a black-wrapped append and dim=0
const VISION_LOOP = `import numpy as np
import torch


def make_batch(samples):
    images = []
    labels = []
    for img, label in samples:
        if img is None:
            continue
        images.append(
            torch.from_numpy(img).float() / 255.0
        )
        labels.append(label)
    return torch.stack(images, dim=0), torch.tensor(labels)


samples = [(((np.arange(3 * 4 * 4) * (k + 3)) % 255).astype(np.uint8).reshape(3, 4, 4), k) for k in range(4)] + [(None, 9)]
x, y = make_batch(samples)
print(x.dtype, x.shape, repr(x.sum().item()), x.flatten().tolist()[:20], y.tolist())
`;

describe('stack-once (syntax-tree edit)', () => {
  it('HF collate: one numpy stack and one tensor, with the file\'s own names', async () => {
    const out = await run(HF, 6);
    expect(out).toContain('    input_ids = torch.as_tensor(np.stack([b["input_ids"] for b in batch]), dtype=torch.long)\n');
    expect(out.split('\n').filter((l, i) => l !== HF.split('\n')[i])).toHaveLength(1); // only the site changes
    expect(out).not.toMatch(/_sysight|Sysight|#/);
  });
  it('torchvision collate: the division by 255 moves outside and runs once on the batch', async () => {
    const out = await run(VISION, 6);
    expect(out).toContain('    images = torch.as_tensor(np.stack([img for img, _ in batch]), dtype=torch.float32) / 255.0\n');
  });
  it('from_numpy with dim=0, `import torch as th` and plain `import numpy`', async () => {
    const src = 'import numpy\nimport torch as th\n\n\ndef make_batch(samples):\n    return th.stack([th.from_numpy(x).float().div(255) for x, _ in samples], dim=0)\n';
    expect(await run(src, 6)).toContain('    return th.from_numpy(numpy.stack([x for x, _ in samples])).float().div(255)\n');
  });
  it('a stack call over several lines (black style) with an `if` clause; numpy imported when the file lacks it', async () => {
    const src = 'import torch\n\n\ndef collate_fn(examples):\n    pixel_values = torch.stack(\n        [torch.as_tensor(e["pixel_values"], dtype=torch.float16, device="cpu") * 2 - 1 for e in examples if e is not None]\n    )\n    return {"pixel_values": pixel_values}\n';
    const out = await run(src, 5);
    expect(out).toContain('import torch\nimport numpy as np\n');
    expect(out).toContain('    pixel_values = torch.as_tensor(np.stack([e["pixel_values"] for e in examples if e is not None]), dtype=torch.float16, device="cpu") * 2 - 1\n    return');
  });
  it('a loop that appends one tensor per sample: the append keeps the data, the stack converts once (from either line)', async () => {
    for (const needle of ['xs.append(', 'x = torch.stack(xs)']) {
      const out = await run(LOOP, lineOf(LOOP, needle));
      expect(out).toContain('        xs.append(s[0])\n        ys.append(s[1])\n    x = torch.as_tensor(np.stack(xs), dtype=torch.long)\n    y = torch.tensor(ys)\n');
      expect(out.split('\n').filter((l, i) => l !== LOOP.split('\n')[i])).toHaveLength(2);
      expect(out).not.toMatch(/_sysight|Sysight|#/);
    }
    // black-wrapped append inside an `if`-guarded loop, from_numpy and element-wise casts, `dim=0`; from the constructor's line too
    const out = await run(VISION_LOOP, lineOf(VISION_LOOP, 'torch.from_numpy(img)'));
    expect(out).toContain('        images.append(\n            img\n        )\n');
    expect(out).toContain('    return torch.from_numpy(np.stack(images)).float() / 255.0, torch.tensor(labels)\n');
  });
  it('refuses a loop whose list is used otherwise, filled twice, or whose samples are written in place', async () => {
    const loop = (body: string, after = '    return torch.stack(xs)') => `import numpy as np\nimport torch\n\n\ndef collate(batch):\n    xs = []\n    buf = np.zeros(4, dtype=np.int64)\n    for s in batch:\n${body}\n${after}\n`;
    const append = '        xs.append(torch.tensor(s, dtype=torch.long))';
    expect(await run(loop(append, '    out = torch.stack(xs)\n    return out, xs'), 9)).toMatch(/^REFUSED: `xs` is used other than filled once and stacked \(line 11/);
    expect(await run(loop(`${append}\n        xs.append(torch.tensor(s, dtype=torch.long))`), 9)).toMatch(/^REFUSED: `xs` is not made empty once, appended to at one place/);
    // a reused buffer: appending the buffer itself would stack its last contents B times
    expect(await run(loop('        buf[:] = s\n        xs.append(torch.tensor(buf, dtype=torch.long))'), 10)).toMatch(/^REFUSED: `buf\[:\] = s` writes in place/);
    expect(await run(loop('        xs.append(torch.tensor(s, dtype=torch.long))\n        s.fill(0)'), 9)).toMatch(/^REFUSED: .*writes in place/);
    expect(await run(loop('        xs.append(torch.tensor(s))'), 9)).toMatch(/^REFUSED: .*no dtype/);
    expect(await run(loop(append, '    return torch.stack(xs, dim=1)'), 9)).toMatch(/^REFUSED: .*dim=1/);
    // the stack inside the loop (a running batch) is not one stack after it
    expect(await run(loop(`${append}\n        print(torch.stack(xs).shape)`, '    return None'), 9)).toMatch(/^REFUSED: .*not one after the other/);
  });
  it('refuses what would change values or shapes', async () => {
    const base = (expr: string) => `import numpy as np\nimport torch\n\n\ndef collate(batch):\n    return ${expr}\n`;
    expect(await run(base('torch.stack([torch.tensor(x) for x in batch])'), 6)).toMatch(/REFUSED: .*no dtype/);
    expect(await run(base('torch.stack([torch.tensor(x, dtype=torch.float32) for x in batch], dim=1)'), 6)).toMatch(/REFUSED: .*dim=1/);
    expect(await run(base('torch.stack([torch.tensor(x, dtype=torch.float32, requires_grad=True) for x in batch])'), 6)).toMatch(/REFUSED: .*requires_grad/);
    expect(await run(base('torch.stack([torch.tensor(x, dtype=torch.float32) @ w for x in batch])'), 6)).toMatch(/REFUSED: .*element-wise/);
    expect(await run(base('torch.stack([torch.tensor(x, dtype=torch.float32).sum(0) for x in batch])'), 6)).toMatch(/REFUSED/);
    // already tensors (HF image processors): nothing per sample to convert
    expect(await run(base('torch.stack([e["pixel_values"] for e in batch])'), 6)).toMatch(/REFUSED/);
    expect(await run(base('torch.cat([torch.tensor(x, dtype=torch.long) for x in batch])'), 6)).toMatch(/REFUSED: no torch.stack\(...\) call or list append/);
  });
  it('is planned for a sample-by-sample-batch finding after vectorize-batch refuses it', async () => {
    const f = lineFinding(HF, 6, 'C7.sample-by-sample-batch', 'collate');
    const out = await planPatch('/nonexistent', f, { gpu: false, readFile: () => HF });
    expect(out.kind).toBe('patch');
    if (out.kind !== 'patch') return;
    expect(out.plan.id).toMatch(/^stack-once-/);
    expect(out.plan.linesChanged).toBe(2);
  });
  it('is planned for the per-sample-tensor finding on the append line of a collate loop', async () => {
    const f = lineFinding(LOOP, lineOf(LOOP, 'xs.append('), 'C7.collate-per-sample-tensor', 'collate');
    const out = await planPatch('/nonexistent', f, { gpu: false, readFile: () => LOOP });
    expect(out.kind === 'patch' && out.plan.id).toMatch(/^stack-once-/);
    expect(out.kind === 'patch' && out.plan.linesChanged).toBe(4);
  });
  it.skipIf(!hasTorch)('gives the same batch in Python (HF tokens and torchvision images, as comprehensions and as loops)', async () => {
    for (const [src, line] of [[HF, lineOf(HF, 'torch.stack(')], [VISION, lineOf(VISION, 'torch.stack(')], [LOOP, lineOf(LOOP, 'xs.append(')], [VISION_LOOP, lineOf(VISION_LOOP, 'images.append(')]] as const) {
      const out = await run(src, line);
      expect(out).not.toMatch(/^REFUSED/);
      expect(runPython(out)).toBe(runPython(src));
    }
  });
});
