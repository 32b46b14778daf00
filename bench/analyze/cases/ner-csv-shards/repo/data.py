"""NER data stored as CSV shards of 25 sentences: columns id, tokens, tags (space separated)."""
import csv
import glob
import os

import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import Dataset

SHARD_SIZE = 25


class CsvShardNerDataset(Dataset):
    def __init__(self, root, vocab, tag2id):
        self.shards = sorted(glob.glob(os.path.join(root, "*.csv")))
        self.vocab = vocab
        self.tag2id = tag2id

    def __len__(self):
        return len(self.shards) * SHARD_SIZE

    def __getitem__(self, idx):
        shard, row = divmod(idx, SHARD_SIZE)
        with open(self.shards[shard], newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        sample = rows[row]
        ids = [self.vocab.get(w, 1) for w in sample["tokens"].split()]
        tags = [self.tag2id[t] for t in sample["tags"].split()]
        return ids, tags


def pad_collate(batch):
    ids = pad_sequence([torch.tensor(x) for x, _ in batch], batch_first=True)
    tags = pad_sequence([torch.tensor(y) for _, y in batch], batch_first=True, padding_value=-100)
    return ids, tags
