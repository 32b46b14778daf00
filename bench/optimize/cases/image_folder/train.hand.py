# torchvision-style image folder: one .npy image per file, a per-pixel normalize loop and a collate that
# makes one tensor per sample.
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "images")
CLASSES, PER_CLASS, H, W = 4, 64, 16, 16
if not os.path.isdir(ROOT):
    for c in range(CLASSES):
        os.makedirs(os.path.join(ROOT, f"class{c}"), exist_ok=True)
        for k in range(PER_CLASS):
            img = ((np.arange(3 * H * W) * (c + 3) + k) % 255).astype(np.uint8).reshape(3, H, W)
            np.save(os.path.join(ROOT, f"class{c}", f"{k}.npy"), img)


class ImageFolder(torch.utils.data.Dataset):
    def __init__(self, root):
        self.samples = []
        for c, name in enumerate(sorted(os.listdir(root))):
            for f in sorted(os.listdir(os.path.join(root, name))):
                self.samples.append((os.path.join(root, name, f), c))

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        path, target = self.samples[i]
        img = np.load(path)
        return img, target


def collate(batch):
    images = torch.from_numpy(np.stack([img for img, _ in batch])).float() / 255.0
    targets = torch.tensor([t for _, t in batch])
    return images, targets


torch.manual_seed(0)
loader = torch.utils.data.DataLoader(ImageFolder(ROOT), batch_size=64, shuffle=True, collate_fn=collate)
model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(8 * 14 * 14, CLASSES))
opt = torch.optim.SGD(model.parameters(), lr=0.01)
for epoch in range(6):
    for step, (x, y) in enumerate(loader):
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        print(f"step {epoch * 4 + step}: loss {loss.item():.4f}")
