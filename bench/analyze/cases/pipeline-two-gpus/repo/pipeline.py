"""Two-stage pipeline (GPipe-style micro-batches) of a U-Net-like segmentation model over cuda:0 and cuda:1."""
import torch
import torch.nn as nn
import torch.nn.functional as F

DEV0 = torch.device("cuda:0")
DEV1 = torch.device("cuda:1")


def conv_block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([conv_block(3, 64), conv_block(64, 128), conv_block(128, 256)])

    def forward(self, x):
        for b in self.blocks:
            x = F.max_pool2d(b(x), 2)
        return x


class Decoder(nn.Module):
    def __init__(self, n_classes):
        super().__init__()
        self.blocks = nn.ModuleList([conv_block(256, 256), conv_block(256, 128), conv_block(128, 64)])
        self.head = nn.Conv2d(64, n_classes, 1)

    def forward(self, x):
        for b in self.blocks:
            x = F.interpolate(b(x), scale_factor=2, mode="bilinear", align_corners=False)
        return self.head(x)


class PipelinedSegmenter(nn.Module):
    def __init__(self, n_classes, n_micro=4):
        super().__init__()
        self.n_micro = n_micro
        self.stage0 = Encoder().to(DEV0)
        self.stage1 = Decoder(n_classes).to(DEV1)

    def train_step(self, images, masks, opt):
        opt.zero_grad(set_to_none=True)
        total = 0.0
        for xb, yb in zip(images.chunk(self.n_micro), masks.chunk(self.n_micro)):
            xb = xb.to(DEV0)
            with torch.autocast("cuda", dtype=torch.bfloat16):
                h = self.stage0(xb)
                h = h.to(DEV1)
                out = self.stage1(h)
                loss = F.cross_entropy(out, yb.to(DEV1)) / self.n_micro
            loss.backward()
            total += loss.item()
        opt.step()
        return total
