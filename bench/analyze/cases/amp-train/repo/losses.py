import torch
import torch.nn.functional as F


def class_balanced_focal_loss(logits, target, class_weights, gamma=2.0):
    """Focal loss averaged per class, so rare classes count as much as frequent ones."""
    probs = F.softmax(logits.float(), dim=-1)
    total = logits.new_zeros(())
    n_classes = logits.shape[-1]
    for c in range(n_classes):
        mask = target == c
        p = probs[:, c]
        pt = torch.where(mask, p, 1 - p)
        loss_c = -class_weights[c] * (1 - pt).pow(gamma) * torch.log(pt.clamp(min=1e-6))
        total = total + loss_c.mean()
    return total / n_classes


def accuracy(logits, target):
    pred = logits.argmax(dim=-1)
    return (pred == target).float().mean().cpu().item()
