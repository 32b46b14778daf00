import { describe, expect, it } from 'vitest';
import type { Finding } from '../core/findings.js';
import { intentComment, judge } from './judge.js';

function finding(line: number, pattern = 'C7.reopen-per-call'): Finding {
  return {
    id: `${pattern}:m.py:${line}`, category: pattern.slice(0, 2) as Finding['category'], pattern, title: 't', file: 'm.py', function: 'get_batch', line,
    severity: 'high', impact: { msPerIter: 5, pctOfIter: 10 }, confidence: 0.9, localizedBy: 'catalogue',
    evidence: [{ kind: 'profile', query: 'q', summary: 's' }],
  };
}

// nanoGPT's train.py, as published
const NANOGPT = `def get_batch(split):
    # We recreate np.memmap every batch to avoid a memory leak, as per
    # https://stackoverflow.com/questions/45132940/numpy-memmap-memory-usage-want-to-iterate-once/61472122#61472122
    if split == 'train':
        data = np.memmap(os.path.join(data_dir, 'train.bin'), dtype=np.uint16, mode='r')
    else:
        data = np.memmap(os.path.join(data_dir, 'val.bin'), dtype=np.uint16, mode='r')
    ix = torch.randint(len(data) - block_size, (batch_size,))`.split('\n');

describe('the comment rule', () => {
  it('refuses a patch under a comment that explains the current form, quoting it', () => {
    const v = judge(finding(5), { lines: NANOGPT, index: 4, gpu: false });
    expect(v.safe).toBe(false);
    expect(v.real).toBe(true);
    expect(v.reason).toBe('the code says why it is written this way (line 2: "We recreate np.memmap every batch to avoid a memory leak, as per"): not patched automatically');
  });
  it('reads the enclosing function\'s docstring, one line or several, and trailing comments', () => {
    const doc = ['class DS:', '    def __getitem__(self, i):', '        """Open the file per item: h5py handles are not thread-safe across workers."""', '        with open(self.path) as f:', '            return json.load(f)[i]'];
    expect(intentComment(doc, 4)).toEqual({ quote: 'Open the file per item: h5py handles are not thread-safe across workers.', line: 3 });
    const multi = ['def load(p):', '    """Read the labels.', '', '    Deliberately re-read every call: the file is rewritten by the labeller.', '    """', '    return json.load(open(p))'];
    expect(intentComment(multi, 5)?.line).toBe(4);
    const trailing = ['def f(x):', '    y = torch.tensor([int(t) for t in x])  # do not vectorize: x may be a generator'];
    expect(intentComment(trailing, 1)?.quote).toBe('do not vectorize: x may be a generator');
    const det = ['def collate(batch):', '    # keep the per-sample loop for deterministic ordering', '    return torch.stack([torch.tensor(b) for b in batch])'];
    expect(intentComment(det, 2)?.line).toBe(2);
  });
  it('ignores ordinary comments, strings that hold a #, and comments far from the line', () => {
    const plain = ['def get_batch(split):', '    # load the data for this split', '    data = np.memmap(path + "#leak", dtype=np.uint16, mode="r")'];
    expect(intentComment(plain, 2)).toBeNull();
    expect(judge(finding(3), { lines: plain, index: 2, gpu: false }).safe).toBe(true);
    const far = ['# avoid a memory leak', '', '', '', '', '', 'def f():', '    data = np.memmap(p, mode="r")'];
    expect(intentComment(far, 7)).toBeNull();
    // the comment speaks for the memmap under it, not for the statements after it
    const next = judge(finding(8, 'C7.sample-by-sample-batch'), { lines: NANOGPT, index: 7, gpu: false });
    expect(next.safe, next.reason).toBe(true);
  });
});
