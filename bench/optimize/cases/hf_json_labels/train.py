# Hugging Face-style sequence classification: token ids in a memmap, labels in a JSON file.
import json
import os

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

HERE = os.path.dirname(os.path.abspath(__file__))
TOKENS = os.path.join(HERE, "tokens.bin")
LABELS = os.path.join(HERE, "labels.json")
N, T, V, C = 4096, 48, 211, 4
if not os.path.exists(TOKENS):
    (np.arange(N * T) * 7 % V).astype(np.uint16).tofile(TOKENS)
    with open(LABELS, "w") as f:
        json.dump({"labels": [int(i * 13 % C) for i in range(N)], "names": ["a", "b", "c", "d"]}, f)


class SeqDataset(Dataset):
    def __init__(self, tokens_path, labels_path):
        self.tokens_path = tokens_path
        self.labels_path = labels_path

    def __len__(self):
        return N

    def __getitem__(self, idx):
        with open(self.labels_path) as f:
            meta = json.load(f)
        ids = np.memmap(self.tokens_path, dtype=np.uint16, mode="r")[idx * T:(idx + 1) * T]
        return {"input_ids": [int(t) for t in ids], "label": meta["labels"][idx]}


def collate(batch):
    input_ids = torch.stack([torch.tensor(b["input_ids"], dtype=torch.long) for b in batch])
    labels = torch.tensor([b["label"] for b in batch], dtype=torch.long)
    return input_ids, labels


torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Embedding(V, 16), torch.nn.Flatten(), torch.nn.Linear(16 * T, C))
opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
loader = DataLoader(SeqDataset(TOKENS, LABELS), batch_size=64, shuffle=True, collate_fn=collate, num_workers=0)
for step, (x, y) in enumerate(loader):
    if step == 30:
        break
    loss = torch.nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"step {step}: loss {loss.item():.4f}")
