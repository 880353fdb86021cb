#!/usr/bin/env bash
# A W&B sweep comparing defenses (conf/sweep/defenses.yaml): create it once, start agents anywhere.
#   launch/sweep_agent.sh                         # create the sweep and run an agent here
#   SWEEP=entity/keel/abc123 launch/sweep_agent.sh  # another agent (machine, GPU) on the same sweep
#   COUNT=3 CUDA_VISIBLE_DEVICES=1 SWEEP=... launch/sweep_agent.sh
# Then: keel compare runs/sweep   (the table + plot; also in W&B: summary attacker_cost_ratio)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${SWEEP:-}" ]; then
  SWEEP=$(wandb sweep "${SWEEP_FILE:-conf/sweep/defenses.yaml}" 2>&1 | sed -n 's/.*wandb agent \([^ ]*\).*/\1/p' | tail -n 1)
  [ -n "$SWEEP" ] || { echo "sweep_agent.sh: wandb sweep failed (logged in? wandb login)" >&2; exit 2; }
  echo "sweep: $SWEEP  (more agents: SWEEP=$SWEEP launch/sweep_agent.sh)"
fi
exec wandb agent ${COUNT:+--count "$COUNT"} "$SWEEP"
