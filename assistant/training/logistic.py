"""Logistic models on standardised features, as numpy `Network`s the answer layer and drafting load."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from assistant.answer.reader import Network


def network_of(model: LogisticRegression, mean: np.ndarray, scale: np.ndarray) -> Network:
    """The numpy network of a fitted sklearn LogisticRegression."""
    layers = ((model.coef_.T.astype(np.float32), model.intercept_.astype(np.float32)),)
    return Network(mean.astype(np.float32), scale.astype(np.float32), layers)


def standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    return mean, np.where(scale > 1e-6, scale, 1.0)


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray | None, seed: int) -> Network:
    """A logistic model on standardised features (pointwise: each unit on its own)."""
    mean, scale = standardise(x)
    model = LogisticRegression(C=1.0, max_iter=2000, random_state=seed)
    model.fit((x - mean) / scale, y, sample_weight=w)
    return network_of(model, mean, scale)
