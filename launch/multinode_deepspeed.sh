#!/usr/bin/env bash
# Several nodes with the `deepspeed` launcher (pdsh/ssh to every host of the hostfile). Run on the first
# host, from the repo root, which every node sees at the same path (shared filesystem: one run dir).
#   HOSTFILE=launch/hostfile RUN_NAME=tar-8b launch/multinode_deepspeed.sh model=llama3-8b-instruct 'defense=[tar]'
# The launcher forwards only a few variable prefixes to other nodes; .deepspeed_env (KEY=VALUE lines,
# read from the working directory) carries W&B, Hugging Face and keel settings to every rank.
set -euo pipefail
cd "$(dirname "$0")/.."
HOSTFILE=${HOSTFILE:-launch/hostfile}
[ -f "$HOSTFILE" ] || { echo "multinode_deepspeed.sh: no hostfile $HOSTFILE (see launch/hostfile.example)" >&2; exit 2; }
RUN_NAME=${RUN_NAME:-keel-$(date +%Y%m%d-%H%M%S)}
ZERO=${ZERO-zero2}  # ZERO= (empty): no DeepSpeed, plain DDP
# Secrets (WANDB_API_KEY, HF_TOKEN) end up in this file: keep it private, or `wandb login` on every node.
( umask 077; env | grep -E '^(WANDB_|HF_|KEEL_|TORCH_EXTENSIONS_DIR=|TOKENIZERS_PARALLELISM=)' > .deepspeed_env || true )
exec deepspeed --hostfile "$HOSTFILE" --no_local_rank --master_port "${MASTER_PORT:-29500}" --module train.cli \
  harden "run.name=$RUN_NAME" ${ZERO:+"deepspeed=$ZERO"} "$@"
