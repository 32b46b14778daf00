import math


class AverageMeter:
    def __init__(self):
        self.val = self.avg = self.sum = 0.0
        self.count = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count


def cosine_lr(base_lr, step, total):
    return 0.5 * base_lr * (1 + math.cos(math.pi * step / total))
