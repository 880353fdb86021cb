#!/usr/bin/env bash
# Wall time of the demo (`make demo`: `keel harden` with its defaults) and of each phase, read from the
# run's own log (the time each phase started, in <run>/hydra/*.log) and status.json (when it ended).
#
#   tests/benchmarks/bench_demo.sh                 # runs/bench-demo, fresh; the GGUF cache kept
#   tests/benchmarks/bench_demo.sh --cold          # also a fresh KEEL_CACHE: dequantizes the GGUF as a
#                                                  # first run on a new machine does
#   tests/benchmarks/bench_demo.sh budget.seeds=[0,1]   # any keel harden override
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
.venv/bin/keel harden run.name=bench-demo "$@"
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
PHASES = ((r"loading model", "load model + harden"), (r"attack (\S+/seed\d+)$", "attack {}"),
          (r"utility probes on (\S+)", "utility probes on {}"))
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
status = json.loads((run / "status.json").read_text())
marks.append((status["time"], "done"))
rows = [("start-up (imports, config, data, hygiene)", marks[0][0] - start)] if marks else []
rows += [(name, later - stamp) for (stamp, name), (later, _) in zip(marks, marks[1:])]
rows.append(("exit", end - marks[-1][0]))
for name, seconds in rows:
    print(f"{seconds:8.1f} s  {name}")
hardening = json.loads((run / "hardening.json").read_text()) if (run / "hardening.json").exists() else {}
if "seconds" in hardening:
    print(f"{hardening['seconds']:8.1f} s  of which hardening itself ({hardening.get('steps')} steps)")
total = end - start
print(f"demo: {int(total // 60)} min {total % 60:.0f} s wall; status {status['status']}; report {run / 'report.md'}")
EOF
