import { describe, expect, it } from 'vitest';
import { parsePython } from '../source/parser.js';
import { underPeriodicCondition } from './periodic.js';

const SRC = `def train(loader, step, log_every):
    for x in loader:
        loss = model(x)
        total = loss.item()
        if step % log_every == 0:
            print(loss.item())
        else:
            last = loss.item()
        if (step + 1) % 100 == 0 and rank == 0:
            save(model.cpu())
        if loss.item() > 10:
            break
        if not step % 50:
            x.cpu()
`;

describe('underPeriodicCondition', () => {
  it('tells lines that run once every N iterations from lines that run every iteration', async () => {
    const tree = await parsePython(SRC);
    try {
      const at = (line: number) => underPeriodicCondition(tree.rootNode, line, SRC.split('\n')[line - 1]!.search(/\S/) + 1);
      expect(at(4)).toBe(false); // every step
      expect(at(6)).toBe(true); // if step % log_every == 0
      expect(at(8)).toBe(false); // the else branch runs most steps
      expect(at(10)).toBe(true); // (step + 1) % 100 == 0 and …
      expect(at(11)).toBe(false); // the condition itself runs every step
      expect(at(14)).toBe(true); // not step % 50
    } finally {
      tree.delete();
    }
  });
});
