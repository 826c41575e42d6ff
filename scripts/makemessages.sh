#!/usr/bin/env bash
# Refresh every app's Chinese catalogue from the code. With --check, leave the files as
# they were and fail if any visible string has no Chinese translation (or is fuzzy).
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python scripts/messages.py "$@"
