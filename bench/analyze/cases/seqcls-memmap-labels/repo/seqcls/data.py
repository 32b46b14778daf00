"""Token-classification data: one flat uint16 token file and a JSON file of per-window tag ids."""
import json

import numpy as np
import torch
from torch.utils.data import Dataset

PAD_ID = 0
IGNORE_INDEX = -100


class TokenWindowDataset(Dataset):
    def __init__(self, tokens_path, labels_path, window=512):
        self.tokens_path = tokens_path
        self.labels_path = labels_path
        self.window = window
        n_tokens = np.memmap(tokens_path, dtype=np.uint16, mode="r").shape[0]
        self.n_windows = n_tokens // window

    def __len__(self):
        return self.n_windows

    def __getitem__(self, idx):
        tokens = np.memmap(self.tokens_path, dtype=np.uint16, mode="r")
        start = idx * self.window
        window = tokens[start:start + self.window]
        with open(self.labels_path) as f:
            tags = json.load(f)[str(idx)]
        ids = [int(t) for t in window]
        return ids, tags


def collate(batch):
    input_ids = []
    for ids, _ in batch:
        input_ids.append(torch.tensor(ids, dtype=torch.long))
    tags = [t + [IGNORE_INDEX] * (len(ids) - len(t)) for ids, t in batch]
    return torch.stack(input_ids), torch.tensor(tags, dtype=torch.long)
