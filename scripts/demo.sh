#!/usr/bin/env bash
# Sets everything up, ingests the demo corpus and opens the web chat on http://127.0.0.1:7860.
# The chat answers as soon as the BM25 index is built (about a minute); dense embeddings are
# computed in the background and join the search as they arrive.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export ANONYMIZED_TELEMETRY=False HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
INDEX=${COUNCIL_INDEX:-$HOME/.local/share/council-assistant/demo-index}
.venv/bin/council ingest demo --no-embed --index "$INDEX" || [ $? = 3 ]
exec .venv/bin/council serve --index "$INDEX" --background-embed demo "$@"
