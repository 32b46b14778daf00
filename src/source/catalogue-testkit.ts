// Shared by the catalogue tests: run the catalogue over a throw-away repo.
import { runCatalogue, type CatalogueMatch } from './catalogue.js';
import { CATALOGUE } from './catalogue.js';
import type { RepoSetup } from '../core/run.js';
import { py, withRepo } from './testing.js';
import { scanRepo } from './warmup.js';

export const NET = py`
  import torch
  import torch.nn as nn

  class Net(nn.Module):
      def __init__(self):
          super().__init__()
          self.fc = nn.Linear(4, 4)

      def forward(self, x):
          return self.fc(x)
`;

export async function matchRepo(
  files: Record<string, string>,
  which: (id: string) => boolean,
  all = false,
): Promise<{ matches: CatalogueMatch[]; setup: RepoSetup }> {
  return withRepo(files, async (root) => {
    const scan = await scanRepo(root);
    try {
      const matches = runCatalogue(scan, { patterns: CATALOGUE.map((p) => p.id).filter(which), all });
      return { matches, setup: scan.setup };
    } finally {
      scan.index.dispose();
    }
  });
}

/** 1-based line of the first line that starts (after indentation) with `needle`. */
export function lineOf(source: string, needle: string): number {
  const i = source.split('\n').findIndex((l) => l.trim().startsWith(needle));
  if (i < 0) throw new Error(`not in source: ${needle}`);
  return i + 1;
}
