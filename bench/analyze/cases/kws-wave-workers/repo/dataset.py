"""Speech Commands keyword spotting: 1 s, 16 kHz, 16-bit PCM clips listed in a text manifest."""
import struct
import wave

import torch
import torchaudio
from torch.utils.data import Dataset


class SpeechCommands(Dataset):
    def __init__(self, manifest, labels):
        with open(manifest) as f:
            self.items = [line.strip().split("\t") for line in f if line.strip()]
        self.label_ids = {name: i for i, name in enumerate(labels)}
        self.melspec = torchaudio.transforms.MelSpectrogram(sample_rate=16000, n_fft=480, hop_length=160, n_mels=40)

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        path, label = self.items[i]
        with wave.open(path, "rb") as w:
            frames = w.readframes(w.getnframes())
        pcm = struct.unpack(f"<{len(frames) // 2}h", frames)
        audio = torch.tensor([float(s) / 32768.0 for s in pcm])
        if audio.numel() < 16000:
            audio = torch.nn.functional.pad(audio, (0, 16000 - audio.numel()))
        mel = (self.melspec(audio) + 1e-6).log()
        return mel.unsqueeze(0), self.label_ids[label]
