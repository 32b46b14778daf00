import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOnce } from './loadonce.js';
import { codemodText } from './testkit.js';

const run = (src: string, line: number): Promise<string> => codemodText(loadOnce, src, line - 1);

// Hugging Face-style dataset (JSON labels re-read per item, token memmap re-opened per item)
const HF = `import json

import numpy as np


class SeqDataset:
    def __init__(self, tokens_path, labels_path):
        self.tokens_path = tokens_path
        self.labels_path = labels_path

    def __len__(self):
        return 8

    def __getitem__(self, idx):
        with open(self.labels_path) as f:
            meta = json.load(f)
        ids = np.memmap(self.tokens_path, dtype=np.uint16, mode="r")[idx * 4:(idx + 1) * 4]
        return ids.tolist(), meta["labels"][idx]
`;

describe('load-once (syntax-tree edit)', () => {
  it('moves a `with open(...)` + json.load block into __init__ and reads the attribute', async () => {
    const out = await run(HF, 16);
    expect(out).toContain(`        self.labels_path = labels_path
        with open(self.labels_path) as f:
            self.meta = json.load(f)
`);
    expect(out).toContain(`    def __getitem__(self, idx):
        meta = self.meta
        ids = np.memmap(`);
    expect(out).not.toMatch(/_sysight|Sysight/);
  });
  it('hoists only the load call of a memmap that is sliced per item, named after its path attribute', async () => {
    const out = await run(HF, 17);
    expect(out).toContain('        self.tokens = np.memmap(self.tokens_path, dtype=np.uint16, mode="r")\n');
    expect(out).toContain('        ids = self.tokens[idx * 4:(idx + 1) * 4]\n');
  });
  it('handles csv.DictReader in a with block, json.load(open(...)), yaml.safe_load and pd.read_csv on one line', async () => {
    const csv = `import csv\n\n\nclass T:\n    def __init__(self, p):\n        self.targets_path = p\n\n    def __getitem__(self, i):\n        with open(self.targets_path, newline="") as f:\n            rows = list(csv.DictReader(f))\n        return float(rows[i]["target"])\n`;
    const c = await run(csv, 10);
    expect(c).toContain('        self.targets_path = p\n        with open(self.targets_path, newline="") as f:\n            self.rows = list(csv.DictReader(f))\n');
    expect(c).toContain('        rows = self.rows\n        return float(rows[i]["target"])');
    const js = `import json\n\n\nclass D:\n    def __init__(self, label_file):\n        self.label_file = label_file\n\n    def __getitem__(self, i):\n        labels = json.load(open(self.label_file))\n        return labels[i]\n`;
    expect(await run(js, 9)).toContain('        self.label_file = label_file\n        self.labels = json.load(open(self.label_file))\n\n    def __getitem__(self, i):\n        labels = self.labels\n');
    const yml = `import yaml\nCFG = "c.yaml"\n\n\nclass D:\n    def __init__(self):\n        pass\n\n    def get_batch(self, n):\n        cfg = yaml.safe_load(open(CFG))\n        return cfg["x"] * n\n`;
    expect(await run(yml, 10)).toContain('        self.cfg = yaml.safe_load(open(CFG))\n');
    const pd = `import pandas as pd\n\n\nclass D:\n    def __init__(self, csv_path):\n        self.csv_path = csv_path\n\n    def __getitem__(self, i):\n        df = pd.read_csv(self.csv_path)\n        return df.iloc[i].values\n`;
    expect(await run(pd, 9)).toContain('        df = self.df\n');
  });
  it('refuses what cannot be loaded once', async () => {
    const perItem = `import numpy as np\n\n\nclass D:\n    def __init__(self, files):\n        self.files = files\n\n    def __getitem__(self, i):\n        img = np.load(self.files[i])\n        return img\n`;
    expect(await run(perItem, 9)).toBe('REFUSED: the file depends on the call (i): it cannot be loaded once');
    const mutated = `import json\n\n\nclass D:\n    def __init__(self, p):\n        self.p = p\n\n    def __getitem__(self, i):\n        meta = json.load(open(self.p))\n        meta["seen"] = i\n        return meta\n`;
    expect(await run(mutated, 9)).toBe('REFUSED: `meta` is modified after it is loaded: loading once would share one object between calls');
    const moving = `import json\n\n\nclass D:\n    def __init__(self, p):\n        self.p = p\n\n    def set_split(self, p):\n        self.p = p\n\n    def __getitem__(self, i):\n        meta = json.load(open(self.p))\n        return meta[i]\n`;
    expect(await run(moving, 12)).toBe('REFUSED: self.p is reassigned outside __init__: the file it names can change');
    const fn = `import json\n\n\ndef get_batch(split):\n    meta = json.load(open(split + ".json"))\n    return meta\n`;
    expect(await run(fn, 5)).toBe('REFUSED: not in a method of a class (load-once moves the load into __init__)');
    const rw = HF.replace('mode="r"', 'mode="r+"');
    expect(await run(rw, 17)).toBe('REFUSED: the memory map is writable: reopening it is part of the semantics');
    const write = `class D:\n    def __init__(self, p):\n        self.p = p\n\n    def log(self, i):\n        with open(self.p, "a") as f:\n            n = f.write(str(i))\n        return n\n`;
    expect(await run(write, 6)).toBe('REFUSED: the with statement does not open a file for reading');
  });

  const PY = '/usr/bin/python3';
  const hasNumpy = existsSync(PY) && (() => { try { execFileSync(PY, ['-c', 'import numpy'], { stdio: 'ignore' }); return true; } catch { return false; } })();
  it.skipIf(!hasNumpy)('the patched dataset yields the same items in Python', async () => {
    const main = `\n\nimport os\nif not os.path.exists("t.bin"):\n    np.arange(64, dtype=np.uint16).tofile("t.bin")\n    json.dump({"labels": list(range(8))}, open("l.json", "w"))\nds = SeqDataset("t.bin", "l.json")\nprint([ds[i] for i in range(8)])\n`;
    const once = await run(HF, 16);
    const twice = await run(once, 18);
    const dir = mkdtempSync(join(tmpdir(), 'sysight-lo-'));
    try {
      const py = (src: string) => { writeFileSync(join(dir, 'm.py'), src + main); return execFileSync(PY, ['m.py'], { cwd: dir, encoding: 'utf8' }); };
      expect(twice).toContain('self.tokens = np.memmap(');
      expect(py(twice)).toBe(py(HF));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
