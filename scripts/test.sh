#!/usr/bin/env bash
# Sets everything up, then runs the whole test suite (unit, integration with the real embedder,
# real Chroma server, local OParl HTTP server, headless Chromium) and a small evaluation gate.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export ANONYMIZED_TELEMETRY=False HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
echo ">> ruff und mypy"
.venv/bin/ruff check . --quiet --exclude .venv
.venv/bin/mypy ingest index assistant eval --ignore-missing-imports --no-error-summary
echo ">> Tests"
.venv/bin/python -m pytest -q "$@"
