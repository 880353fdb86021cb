#!/usr/bin/env bash
# One GPU: one process, no launcher. Every override after the script name goes to `keel harden`.
#   launch/single_gpu.sh model=qwen2.5-7b-instruct 'defense=[tar]'
#   ZERO=zero2_offload launch/single_gpu.sh ...     # DeepSpeed on one GPU: optimizer state on the CPU
# RUN_NAME names the run dir runs/$RUN_NAME (re-running the same name resumes it).
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_NAME=${RUN_NAME:-keel-$(date +%Y%m%d-%H%M%S)}
# DeepSpeed on a GPU trains hardening and attacks in bf16 (launch/README.md); without it, model.dtype rules.
exec keel harden "run.name=$RUN_NAME" ${ZERO:+"deepspeed=$ZERO"} "$@"
