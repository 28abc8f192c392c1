"""A linear score trained listwise: within each group (a question's candidates) the softmax over its rows puts its
mass on the positive rows. The reader's sentence model and the paper ranker both learn this way: each ranks one
question's candidates against each other, whatever their number."""

from __future__ import annotations

import numpy as np

EPOCHS = 15
BATCH = 64  # groups per step


def standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    return mean, np.where(scale > 1e-6, scale, 1.0)


def fit_softmax(groups: list[tuple[np.ndarray, np.ndarray]], seed: int, rng: np.random.Generator,
                epochs: int = EPOCHS) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x, positive) per group, each with at least one positive row; `rng` orders the batches. Returns the
    standardisation (mean, scale) and the linear layer (w: features x 1, b: 1) on standardised features."""
    import torch

    torch.manual_seed(seed)
    mean, scale = standardise(np.concatenate([x for x, _ in groups]))
    data = [(torch.tensor((x - mean) / scale, dtype=torch.float32), torch.tensor(pos)) for x, pos in groups]
    model = torch.nn.Linear(len(mean), 1)
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-4)
    for _epoch in range(epochs):
        for batch in np.array_split(rng.permutation(len(data)), max(1, len(data) // BATCH)):
            loss = torch.zeros(())
            for i in batch:
                z, positive = data[int(i)]
                s = model(z)[:, 0]
                loss = loss + torch.logsumexp(s, 0) - torch.logsumexp(s[positive], 0)
            optimiser.zero_grad()
            (loss / len(batch)).backward()
            optimiser.step()
    w = model.weight.detach().numpy().T.astype(np.float64)
    b = model.bias.detach().numpy().astype(np.float64)
    return mean, scale, w, b
