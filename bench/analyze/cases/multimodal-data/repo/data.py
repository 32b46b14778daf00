"""Image-caption pairs listed in a JSON-lines index: {"image": "imgs/000123.jpg", "caption": "..."}."""
import json
import os

import torch
from PIL import Image
from torch.utils.data import Dataset
from torchvision import transforms

from tokenizer import BPETokenizer


class CaptionDataset(Dataset):
    def __init__(self, root, split, max_tokens=77):
        self.root = root
        self.index_path = os.path.join(root, f"{split}.jsonl")
        with open(self.index_path) as f:
            self.offsets = []
            pos = 0
            for line in f:
                self.offsets.append(pos)
                pos += len(line.encode("utf-8"))
        self.tokenizer = BPETokenizer(os.path.join(root, "bpe.json"))
        self.max_tokens = max_tokens
        self.transform = transforms.Compose([
            transforms.Resize(224), transforms.CenterCrop(224), transforms.ToTensor(),
            transforms.Normalize((0.481, 0.458, 0.408), (0.269, 0.261, 0.276)),
        ])

    def __len__(self):
        return len(self.offsets)

    def __getitem__(self, i):
        with open(self.index_path, "rb") as f:
            f.seek(self.offsets[i])
            rec = json.loads(f.readline())
        img = Image.open(os.path.join(self.root, rec["image"])).convert("RGB")
        pixels = self.transform(img)
        tokens = self.tokenizer.encode(rec["caption"])[: self.max_tokens]
        return pixels, tokens


def collate(batch):
    images = torch.stack([b[0] for b in batch])
    max_len = max(len(b[1]) for b in batch)
    ids = torch.zeros(len(batch), max_len, dtype=torch.long)
    mask = torch.zeros(len(batch), max_len, dtype=torch.bool)
    for i, (_, toks) in enumerate(batch):
        ids[i, : len(toks)] = torch.tensor(toks, dtype=torch.long)
        mask[i, : len(toks)] = True
    return images, ids, mask
