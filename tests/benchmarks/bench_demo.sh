#!/usr/bin/env bash
# Wall time of the demo (`make demo`: `keel study study=demo`) and of each phase, read from the study's
# own log (the time each phase started, in <study dir>/hydra/*.log).
#
#   tests/benchmarks/bench_demo.sh                 # runs/bench-demo, fresh; the GGUF cache kept
#   tests/benchmarks/bench_demo.sh --cold          # also a fresh KEEL_CACHE: dequantizes the GGUF as a
#                                                  # first run on a new machine does
#   tests/benchmarks/bench_demo.sh "overrides=['budget.seeds=[0,1]']"   # any keel study override
#
# Target: the README's demo time on an idle 2-core CPU. It prints the load average before and after: on a
# shared machine the wall time mostly measures the neighbours.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ "${1:-}" == "--cold" ]]; then
  shift
  KEEL_CACHE="$(mktemp -d)"
  export KEEL_CACHE
  trap 'rm -rf "$KEEL_CACHE"' EXIT
fi
RUN="runs/bench-demo"
make -s install
rm -rf "$RUN"
echo "cpus $(nproc), load average before: $(cut -d' ' -f1-3 /proc/loadavg) (idle: < 0.5)"
start=$(date +%s.%N)
.venv/bin/keel study study=demo study.dir="$RUN" "$@"
end=$(date +%s.%N)
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
.venv/bin/python - "$RUN" "$start" "$end" <<'EOF'
"""Phase times: from each phase's first log line to the next; the last (with the report) ends at status done."""
import json
import re
import sys
from datetime import datetime
from pathlib import Path

run, start, end = Path(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
PHASES = ((r"study \S+: run (\S+) ", "run {}: load model + harden"), (r"attack (\S+/seed\d+)$", "  attack {}"),
          (r"utility probes on (\S+)", "  utility probes on {}"))
marks = []
for log in sorted((run / "hydra").glob("*.log")):
    for line in log.read_text().splitlines():
        found = re.match(r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+)\]\[keel\]\[\w+\] - (.*)", line)
        if found:
            stamp = datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
            for pattern, label in PHASES:
                phase = re.match(pattern, found.group(2))
                if phase:
                    marks.append((stamp, label.format(*phase.groups())))
marks.append((end, "end"))
rows = [("start-up (imports, config)", marks[0][0] - start)] if len(marks) > 1 else []
rows += [(name, later - stamp) for (stamp, name), (later, _) in zip(marks, marks[1:])]
for name, seconds in rows:
    print(f"{seconds:8.1f} s  {name}")
summary = json.loads((run / "study.json").read_text()) if (run / "study.json").exists() else {}
for arm, seconds in (summary.get("hardening_seconds") or {}).items():
    print(f"{seconds:8.1f} s  hardening {arm} (the trainer alone)")
total = end - start
print(f"demo: {int(total // 60)} min {total % 60:.0f} s wall; answer in {run / 'study.md'}")
EOF
