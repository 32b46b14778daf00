import argparse

import torch
from torch.utils.data import DataLoader

from pipeline import PipelinedSegmenter
from segdata import SegmentationDataset


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--root", default="/data/cityscapes")
    p.add_argument("--batch-size", dest="batch_size", type=int, default=32)
    p.add_argument("--epochs", type=int, default=50)
    args = p.parse_args()
    ds = SegmentationDataset(args.root, size=384)
    loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True, num_workers=6, persistent_workers=True,
                        prefetch_factor=4)
    model = PipelinedSegmenter(n_classes=19)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    for epoch in range(args.epochs):
        for it, (images, masks) in enumerate(loader):
            loss = model.train_step(images, masks, opt)
            if it % 50 == 0:
                print(f"epoch {epoch} it {it} loss {loss:.4f}")
        torch.save({"stage0": model.stage0.state_dict(), "stage1": model.stage1.state_dict()}, "seg.pt")


if __name__ == "__main__":
    main()
