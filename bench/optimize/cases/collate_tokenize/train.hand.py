# Character-level text classification: the collate function tokenizes every text of the batch, character
# by character, on every step.
import torch

torch.manual_seed(0)
VOCAB = "abcdefghijklmnopqrstuvwxyz ,."
stoi = {ch: i for i, ch in enumerate(VOCAB)}
T = 256
TEXTS = [("".join(VOCAB[(i * 7 + k * 3) % len(VOCAB)] for k in range(T)), i % 3) for i in range(2048)]


def encode(text):
    return [stoi[ch] for ch in text]


ENCODED = {text: encode(text) for text, _ in TEXTS}


def collate(batch):
    ids = torch.tensor([ENCODED[text] for text, _ in batch], dtype=torch.long)
    labels = torch.tensor([label for _, label in batch], dtype=torch.long)
    return ids, labels


loader = torch.utils.data.DataLoader(TEXTS, batch_size=256, shuffle=True, collate_fn=collate)
model = torch.nn.Sequential(torch.nn.Embedding(len(VOCAB), 8), torch.nn.Flatten(), torch.nn.Linear(8 * T, 3))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for step, (x, y) in enumerate(loader):
    loss = torch.nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"step {step}: loss {loss.item():.4f}")
