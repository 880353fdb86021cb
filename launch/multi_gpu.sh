#!/usr/bin/env bash
# One node, several GPUs: one rank per GPU, all ranks on one run dir; rank 0 alone writes it.
#   launch/multi_gpu.sh model=llama3-8b-instruct 'defense=[tar]'          # torchrun, every GPU, ZeRO-2
#   LAUNCHER=deepspeed GPUS=4 ZERO=zero3 launch/multi_gpu.sh 'defense=[refusal_sft]'
#   LAUNCHER=accelerate launch/multi_gpu.sh ...
# RUN_NAME is fixed here, once, for every rank (a per-rank clock would split the run dir).
# harden.batch_size and each attack's batch_size are global: each of the GPUS ranks takes 1/GPUS of them.
set -euo pipefail
cd "$(dirname "$0")/.."
GPUS=${GPUS:-$(nvidia-smi -L 2>/dev/null | wc -l)}
[ "$GPUS" -ge 1 ] || { echo "multi_gpu.sh: no GPU found; set GPUS=N" >&2; exit 2; }
RUN_NAME=${RUN_NAME:-keel-$(date +%Y%m%d-%H%M%S)}
ZERO=${ZERO-zero2}  # ZERO= (empty): no DeepSpeed, plain DDP
PORT=${MASTER_PORT:-29500}
ARGS=(harden "run.name=$RUN_NAME" ${ZERO:+"deepspeed=$ZERO"} "$@")
case "${LAUNCHER:-torchrun}" in
  torchrun)
    exec torchrun --nproc_per_node "$GPUS" --master_port "$PORT" -m train.cli "${ARGS[@]}" ;;
  deepspeed)  # --no_local_rank: the launcher would otherwise append --local_rank=N, which Hydra rejects
    exec deepspeed --no_local_rank --num_gpus "$GPUS" --master_port "$PORT" --module train.cli "${ARGS[@]}" ;;
  accelerate)  # a plain multi-process launch: the ZeRO config comes from deepspeed=..., not from accelerate
    exec accelerate launch --multi_gpu --num_processes "$GPUS" --num_machines 1 --mixed_precision no \
      --dynamo_backend no --main_process_port "$PORT" -m train.cli "${ARGS[@]}" ;;
  *) echo "multi_gpu.sh: LAUNCHER must be torchrun, deepspeed or accelerate" >&2; exit 2 ;;
esac
