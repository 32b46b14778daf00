import csv
import os

from PIL import Image
from torch.utils.data import Dataset
from torchvision import transforms


class LeafDataset(Dataset):
    def __init__(self, root, split):
        with open(os.path.join(root, f"{split}.csv")) as f:
            rows = list(csv.DictReader(f))
        self.paths = [os.path.join(root, "images", r["file"]) for r in rows]
        self.labels = [int(r["label"]) for r in rows]
        self.num_classes = max(self.labels) + 1
        self.tf = transforms.Compose([
            transforms.RandomResizedCrop(224),
            transforms.ToTensor(),
            transforms.Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5]),
        ])

    def class_weights(self):
        counts = [0] * self.num_classes
        for y in self.labels:
            counts[y] += 1
        return [len(self.labels) / (self.num_classes * c) for c in counts]

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        img = Image.open(self.paths[i]).convert("RGB")
        return self.tf(img), self.labels[i]
