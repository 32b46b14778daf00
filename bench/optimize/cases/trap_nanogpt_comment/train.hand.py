# GPT-style training script whose authors recreate the memmap per batch on purpose (nanoGPT's comment);
# the batch is assembled sample by sample.
import os

import numpy as np
import torch

data_dir = os.path.dirname(os.path.abspath(__file__))
block_size, batch_size, vocab_size = 64, 48, 65
path = os.path.join(data_dir, "train.bin")
if not os.path.exists(path):
    (np.arange(1_000_000) * 11 % vocab_size).astype(np.uint16).tofile(path)


def get_batch(split):
    # We recreate np.memmap every batch to avoid a memory leak, as per
    # https://stackoverflow.com/questions/45132940/numpy-memmap-memory-usage-want-to-iterate-once/61472122#61472122
    data = np.memmap(os.path.join(data_dir, f"{split}.bin"), dtype=np.uint16, mode="r")
    ix = torch.randint(len(data) - block_size, (batch_size,))
    rows = ix.numpy()[:, None] + np.arange(block_size)
    x = torch.from_numpy(data[rows].astype(np.int64))
    y = torch.from_numpy(data[rows + 1].astype(np.int64))
    return x, y


class BigramLM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = torch.nn.Embedding(vocab_size, 32)
        self.head = torch.nn.Linear(32, vocab_size)

    def forward(self, idx, targets):
        logits = self.head(self.tok(idx))
        return torch.nn.functional.cross_entropy(logits.view(-1, vocab_size), targets.view(-1))


torch.manual_seed(1337)
model = BigramLM()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
for iter_num in range(30):
    X, Y = get_batch("train")
    loss = model(X, Y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    print(f"iter {iter_num}: loss {loss.item():.4f}")
