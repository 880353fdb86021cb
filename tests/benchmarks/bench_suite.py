"""Wall time of the test suite (`make test`), and its slowest tests. Not collected by pytest.

    .venv/bin/python tests/benchmarks/bench_suite.py                 # the default suite, 15 slowest
    .venv/bin/python tests/benchmarks/bench_suite.py --top 30 -- -m slow tests/test_models.py

Target: <= 6 min on an idle 2-core CPU (README). It prints the load average before and after, since on a
shared machine wall time mostly measures the neighbours; each test's CPU seconds (its process and the
children it waited for: subprocess runs, forked ranks) is the figure that holds under load. Per test,
`wall` counts setup + call + teardown, so a session fixture is charged to the first test that uses it;
`CPU` misses processes forked from the session's forkserver (tests/conftest.py), which pytest never waits for.
This file is also the pytest plugin that measures them (`-p tests.benchmarks.bench_suite`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUT_ENV = "KEEL_BENCH_SUITE_OUT"
_times: dict[str, tuple[float, float]] = {}


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    wall, cpu = time.perf_counter(), _cpu()
    yield
    _times[item.nodeid] = (time.perf_counter() - wall, _cpu() - cpu)


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get(OUT_ENV):
        Path(os.environ[OUT_ENV]).write_text(json.dumps(_times))


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=15, help="how many of the slowest tests to list")
    parser.add_argument("pytest_args", nargs="*", help="passed to pytest after `--` (default: the suite)")
    args = parser.parse_args()
    out = Path(tempfile.mkstemp(prefix="keel-bench-suite-", suffix=".json")[1])
    env = {**os.environ, OUT_ENV: str(out)}
    print(f"cpus {os.cpu_count()}, load average before {_load()} (idle: < 0.5)", flush=True)
    start = time.perf_counter()
    code = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "tests.benchmarks.bench_suite",
                            *args.pytest_args], cwd=ROOT, env=env)
    wall = time.perf_counter() - start
    times = json.loads(out.read_text() or "{}")
    out.unlink(missing_ok=True)
    print(f"\nsuite: {int(wall // 60)} min {wall % 60:.0f} s wall ({wall:.0f} s), {len(times)} tests, "
          f"{sum(c for _, c in times.values()):.0f} CPU s; load average after {_load()}; pytest exit {code}")
    print(f"\n{'wall s':>7} {'CPU s':>7}  test ({args.top} slowest by wall)")
    for nodeid, (w, c) in sorted(times.items(), key=lambda kv: -kv[1][0])[: args.top]:
        print(f"{w:7.1f} {c:7.1f}  {nodeid}")
    return code


if __name__ == "__main__":
    sys.exit(main())
