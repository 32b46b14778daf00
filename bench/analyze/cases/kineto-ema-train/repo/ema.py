import copy

import torch


class EMA:
    """Exponential moving average of a model's weights, for evaluation."""

    def __init__(self, model, decay=0.999):
        self.decay = decay
        self.shadow = copy.deepcopy(model).eval()
        for p in self.shadow.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model):
        d = self.decay
        for p_ema, p in zip(self.shadow.parameters(), model.parameters()):
            p_ema.mul_(d)
            p_ema.add_(p.detach(), alpha=1 - d)

    def state_dict(self):
        return self.shadow.state_dict()
