#!/usr/bin/env bash
# GPU readiness kit (tests/benchmarks/gpu_check.py; launch/README.md):
#   bash tests/benchmarks/gpu_check.sh prepare [--dry-run]   here: wheels + model files into .gpu_kit/
#   bash tests/benchmarks/gpu_check.sh run [--dry-run]       on the GPU machine: every check, figures under $OUT
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python3}
if [ -z "${PYTHON:-}" ] && [ -x .venv/bin/python ]; then PY=.venv/bin/python; fi  # no .venv on the GPU machine
exec "$PY" tests/benchmarks/gpu_check.py "$@"
