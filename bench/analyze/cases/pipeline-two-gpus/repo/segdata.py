import os

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset


class SegmentationDataset(Dataset):
    def __init__(self, root, size):
        self.images = sorted(os.listdir(os.path.join(root, "images")))
        self.root = root
        self.size = size

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        name = self.images[i]
        img = Image.open(os.path.join(self.root, "images", name)).convert("RGB").resize((self.size, self.size))
        mask = Image.open(os.path.join(self.root, "masks", name)).resize((self.size, self.size), Image.NEAREST)
        x = torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0).permute(2, 0, 1)
        y = torch.from_numpy(np.asarray(mask, dtype=np.int64))
        return x, y
