"""The run directory: every write is atomic (temp file + rename), results are an append-only JSONL.

    runs/<name>/
      config.yaml      the resolved config (secrets redacted); a resumed run must match it
      status.json      {"status": "running" | "done" | "failed" | "interrupted", "pid", "started", "host",
                       "time", "error"}: `started` (the process start time) tells a live keel run from
                       an unrelated process that reused its pid
      trainer/         hardening checkpoints (HF Trainer), removed once checkpoint/ is written
      hardening.json   what hardening measured (steps, loss), kept for reports rebuilt on resume
      eval_sets.json   sha256 of the evaluation rows (train/shared_base.py)
      utility.json, search.json   utility probes and the adaptive search, per target
      checkpoint/      hardened weights (safetensors) + manifest.sha256 (+ README.md after `keel release`)
      results.jsonl    one finished attack run per line
      report.json, report.md, *.png

KEEL_TEST_KILL_AT=<point>[@<n>] makes the process SIGKILL itself the n-th time it reaches <point>
(tests/test_resume.py): `write:<file name>` (after the temp file, before the rename), `append:<file name>`
(half a line written), and the points named by the pipeline (`harden_step`, `harden_save`, ...); a
`:INT` or `:TERM` suffix sends Ctrl-C or SIGTERM there instead (tests/test_reliability.py).
Every state file is read through train/state.py, which checks it (`keel doctor RUN_DIR` lists problems).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from train import KeelError

KILL_ENV = "KEEL_TEST_KILL_AT"
_kill_hits: Counter = Counter()
# Every kill point reached, with its count, when a test sets this to a Counter (tests/test_resume_kill_points.py
# kills a run at each point an uninterrupted run reached).
points_reached: Counter | None = None
INTERRUPTED = "interrupted (Ctrl-C); run the same command again to resume"
TERMINATED = "Terminated: SIGTERM received; run the same command again to resume"
# A key is secret when its last word (split on anything but letters and digits) is one of these: hub_token, api_key, client_secret,
# but not max_new_tokens or pad_token_id (whose values runs must record to be compared and resumed).
SECRET_WORDS = ("apikey", "token", "password", "passwd", "secret", "credential", "credentials")
SECRET_ENV = ("KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL")
_KILL_SIGNALS = {"KILL": signal.SIGKILL, "INT": signal.SIGINT, "TERM": signal.SIGTERM}
_UMASK = os.umask(0)
os.umask(_UMASK)


def kill_point(point: str) -> None:
    """Test hook: signal this process at a named point. SIGKILL by default (no cleanup runs, exactly like
    `kill -9`); KEEL_TEST_KILL_AT=<point>@<n>:INT or :TERM sends SIGINT (Ctrl-C) or SIGTERM instead, so an
    interruption test lands mid-run at a known place instead of racing a timer."""
    if dies_at(point):
        os.kill(os.getpid(), _KILL_SIGNALS[_kill_target()[1]])


def dies_at(point: str) -> bool:
    """Count a hit of `point` (and note it in `points_reached` when a test collects them); True when
    KEEL_TEST_KILL_AT names this hit."""
    if points_reached is not None:
        points_reached[point] += 1
    target = os.environ.get(KILL_ENV)
    if not target:
        return False
    name, _, nth = _kill_target()[0].partition("@")
    if name != point:
        return False
    _kill_hits[point] += 1
    return _kill_hits[point] == int(nth or 1)


def _kill_target() -> tuple[str, str]:
    """KEEL_TEST_KILL_AT split into (<point>[@n], signal name): `write:status.json@2` -> KILL,
    `harden_step@3:INT` -> INT (point names may hold colons; only a known signal name is a suffix)."""
    target = os.environ.get(KILL_ENV, "")
    head, _, tail = target.rpartition(":")
    return (head, tail) if head and tail in _KILL_SIGNALS else (target, "KILL")


def write_error(path: Path, err: OSError) -> Exception:
    """A one-line KeelError for the OS errors a user can fix (disk full, read-only or forbidden run dir);
    any other OS error comes back unchanged (a bug, worth its traceback)."""
    hint = {errno.ENOSPC: "free some space or point run.dir at another disk",
            errno.EDQUOT: "free some space or point run.dir at another disk",
            errno.EACCES: "choose a writable run.dir", errno.EPERM: "choose a writable run.dir",
            errno.EROFS: "choose a writable run.dir", errno.ENOTDIR: "choose a writable run.dir"}.get(err.errno)
    if hint is None:
        return err
    return KeelError(f"{path}: cannot write ({os.strerror(err.errno)}); {hint}")


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as err:
        raise write_error(path, err) from None
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; results should read like any other file
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        kill_point(f"write:{path.name}")
        os.replace(tmp, path)
    except BaseException as err:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise write_error(path, err) from None
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n")


def append_jsonl(path: str | Path, record: dict) -> None:
    """Append one line in a single write + fsync. A line torn by a kill is cut off first, so the new
    record never glues onto it; `read_jsonl` also skips a torn last line."""
    path = Path(path)
    line = (json.dumps(record, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _cut_torn_tail(path)
        with path.open("ab") as fh:
            if dies_at(f"append:{path.name}"):  # test hook: half a line written, then kill -9
                fh.write(line[: len(line) // 2])
                fh.flush()
                os.kill(os.getpid(), signal.SIGKILL)
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as err:
        raise write_error(path, err) from None


def _cut_torn_tail(path: Path) -> None:
    if not path.exists() or path.stat().st_size == 0:
        return
    data = path.read_bytes()
    if not data.endswith(b"\n"):
        with path.open("r+b") as fh:
            fh.truncate(data.rfind(b"\n") + 1)


def read_jsonl(path: str | Path) -> list[dict]:
    path = Path(path)
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line torn by a kill mid-write: that attack simply did not finish
    return records


def result_key(target: str, attack: str, seed: int) -> str:
    """The key of one finished attack run in results.jsonl: `<target>/<attack>/seed<seed>`."""
    return f"{target}/{attack}/seed{seed}"


def secret_key(key: str) -> bool:
    """Whether a config key names a secret: its last word is a secret word, or it ends in `api_key`."""
    words = re.split(r"[^a-z0-9]+", key.lower())  # also `+wandb.api_key` as a command-line override
    return words[-1] in SECRET_WORDS or words[-2:] == ["api", "key"]


def redact(node: Any, env: dict[str, str] | None = None) -> Any:
    """A copy of a config container with secrets masked: values under secret-looking keys, and any string
    holding the value of a secret-looking environment variable (WANDB_API_KEY, OPENAI_API_KEY, HF_TOKEN...)."""
    env = os.environ if env is None else env
    secrets = [v for k, v in env.items() if any(s in k.upper() for s in SECRET_ENV) and len(v) >= 8]

    def scrub(value, key=""):
        if isinstance(value, dict):
            return {k: scrub(v, str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [scrub(v) for v in value]
        if value and secret_key(key):
            return "***"
        if isinstance(value, str) and any(s in value for s in secrets):
            return "***"
        return value

    return scrub(node)


def redact_argv(argv: list[str]) -> list[str]:
    """Command-line overrides with secret values masked (`+wandb.api_key=...` -> `+wandb.api_key=***`)."""
    out = []
    for arg in argv:
        key, eq, value = arg.partition("=")
        masked = redact({key: value})[key] if eq else arg
        out.append(f"{key}={masked}" if eq else arg)
    return out


@contextlib.contextmanager
def argv_redacted():
    """Libraries that record sys.argv (W&B's run metadata) see the command line with secrets masked."""
    saved = sys.argv
    sys.argv = redact_argv(sys.argv)
    try:
        yield
    finally:
        sys.argv = saved


class RunDir:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise write_error(self.root, err) from None
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise KeelError(f"run.dir: {self.root} is not writable; choose a writable run.dir")

    checkpoint = property(lambda self: self.root / "checkpoint")
    trainer = property(lambda self: self.root / "trainer")
    config = property(lambda self: self.root / "config.yaml")
    hardening = property(lambda self: self.root / "hardening.json")
    results = property(lambda self: self.root / "results.jsonl")
    report_json = property(lambda self: self.root / "report.json")
    report_md = property(lambda self: self.root / "report.md")

    def set_status(self, status: str, **details) -> None:
        atomic_write_json(self.root / "status.json", {"status": status, "pid": os.getpid(),
                                                      "started": process_started(os.getpid()),
                                                      "host": socket.gethostname(), "time": time.time(),
                                                      **details})

    def record_end(self, status: str, **details) -> None:
        """set_status for a run that is ending: never raises (the error that ended the run is the one to
        report). On a full disk, where no temp file can be made, status.json is rewritten in place: its
        few bytes fit the block it already holds, so the run is never left marked `running`."""
        record = {"status": status, "pid": os.getpid(), "started": process_started(os.getpid()),
                  "host": socket.gethostname(), "time": time.time(), **details}
        try:
            self.set_status(status, **details)
        except (OSError, KeelError):
            data = (json.dumps(record, default=str) + "\n").encode()
            with contextlib.suppress(OSError), (self.root / "status.json").open("r+b") as fh:
                fh.write(data)
                fh.truncate()
                fh.flush()
                os.fsync(fh.fileno())

    def status_record(self) -> dict:
        """status.json, or {} when it is missing or unreadable (every run rewrites it first thing)."""
        path = self.root / "status.json"
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            return {}
        return record if isinstance(record, dict) else {}

    def status(self) -> str | None:
        return self.status_record().get("status")

    def owner_alive(self) -> int | None:
        """The pid of another live keel process on this host that is running this run dir, if any. A live
        pid alone proves nothing (pids are reused): the process must have the start time status.json
        recorded, or, for a status written without one, a command line that runs keel."""
        rec = self.status_record()
        pid = rec.get("pid")
        if rec.get("status") != "running" or not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0 \
                or pid == os.getpid() or rec.get("host") != socket.gethostname():
            return None
        try:
            os.kill(pid, 0)
        except (ProcessLookupError, OverflowError):
            return None
        except PermissionError:
            pass
        started, now = rec.get("started"), process_started(pid)
        if started is not None and now is not None:
            return pid if started == now else None
        command = process_command(pid)
        if command is not None:
            return pid if runs_keel(command) else None
        return pid  # no /proc (not Linux): a live pid on this host is taken as the owner

    def remove_stale_temp_files(self) -> None:
        """Temp files of writes a kill interrupted (the renamed-to file is intact: old or absent)."""
        for stale in self.root.glob(".*.tmp"):
            stale.unlink(missing_ok=True)

    def has_outputs(self) -> bool:
        """Anything a resumed run would build on (a config alone, from a run that failed at once, is not)."""
        return any(p.exists() for p in (self.trainer, self.hardening, self.checkpoint, self.results))

    def finished_results(self) -> dict[str, dict]:
        """Finished attack runs by key (result_key); the last record of a key wins. A broken line is an
        error naming it (train/state.py), never skipped: skipping would silently redo or drop a result."""
        from train.state import read_results

        return {result_key(r["target"], r["attack"], r["seed"]): r for r in read_results(self.results)}

    def add_result(self, record: dict) -> None:
        append_jsonl(self.results, record)


# -- a set of files replaced as one (keel rejudge): staged, committed by one rename, then applied --------
STAGED, READY, PREVIOUS = ".staged", ".staged.ready", "previous"


def staging_dir(root: str | Path) -> Path:
    """An empty folder in which to write the new versions of files under `root` (at their relative paths);
    `commit_staged` then replaces them all, so a kill leaves either every old file or every new one."""
    stage = Path(root) / STAGED
    shutil.rmtree(stage, ignore_errors=True)  # an uncommitted stage of a killed earlier attempt
    stage.mkdir(parents=True)
    return stage


def commit_staged(root: str | Path, keep_previous: str | None = None) -> list[str]:
    """Commit the stage (one atomic rename: from here on the new files win), then apply it. With
    `keep_previous`, the files replaced are first copied to <root>/<keep_previous>/. Returns the paths."""
    root = Path(root)
    stage = root / STAGED
    names = sorted(str(p.relative_to(stage)) for p in stage.rglob("*") if p.is_file())
    if keep_previous:
        for name in names:
            if (root / name).is_file():
                (stage / PREVIOUS / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(root / name, stage / PREVIOUS / name)
        (stage / PREVIOUS / ".target").write_text(keep_previous)
    os.replace(stage, root / READY)
    kill_point("staged_committed")
    apply_staged(root)
    return names


def apply_staged(root: str | Path) -> bool:
    """Finish a committed stage (a kill may have stopped it half-way); drop an uncommitted one. Every run
    command calls this on the run dir before reading it. True when something was applied."""
    root = Path(root)
    ready = root / READY
    shutil.rmtree(root / STAGED, ignore_errors=True)
    if not ready.is_dir():
        return False
    previous = ready / PREVIOUS
    files = [p for p in ready.rglob("*") if p.is_file() and previous not in p.parents]
    for path in sorted(files, key=lambda p: (p.name.startswith("report."), str(p))):  # the report last
        dest = root / path.relative_to(ready)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, dest)
        kill_point("staged_apply")
    if previous.is_dir():
        target = root / (previous / ".target").read_text().strip()
        shutil.rmtree(target, ignore_errors=True)
        os.replace(previous, target)
    shutil.rmtree(ready, ignore_errors=True)
    return True


class Terminated(SystemExit):
    """SIGTERM (a scheduler's preemption, `kill`, timeout) turned into an exception, so the run records it."""


def process_started(pid: int) -> int | None:
    """The start time of a process (clock ticks after boot, /proc/PID/stat field 22); None without /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return int(stat[stat.rindex(")") + 2:].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def process_command(pid: int) -> list[str] | None:
    """The command line (argv) of a process, or None where /proc is not there to tell."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return raw.decode("utf-8", "replace").split("\0")


def runs_keel(argv: list[str]) -> bool:
    """Whether a command line runs keel: the `keel` script, `-m train.cli`, or a launcher running either."""
    return any(Path(arg).name == "keel" or arg == "train.cli" for arg in argv)


@contextlib.contextmanager
def records_failure(run: RunDir):
    """When the body raises, status.json says how the run ended before the exception goes on: `failed`
    with a one-line error, or with TERMINATED on SIGTERM, or `interrupted` on Ctrl-C."""
    try:
        yield
    except Terminated:
        run.record_end("failed", error=TERMINATED)
        raise
    except KeyboardInterrupt:
        run.record_end("interrupted", error=INTERRUPTED)
        raise
    except BaseException as err:
        run.record_end("failed", error=(f"{type(err).__name__}: {err}".splitlines() or [""])[0])
        raise


@contextlib.contextmanager
def finishes_run(run: RunDir, tracker):
    """The body's outcome lands in status.json: `done` when it returns, else as records_failure says
    (SIGTERM ends the body as `Terminated`, exit status 143, so a preempted job is not left marked
    `running`; Ctrl-C as `interrupted`, exit status 130); the tracker (W&B) is closed either way. A later
    run of the same command resumes it."""
    def terminate(signum, _frame):
        raise Terminated(128 + signum)

    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, terminate) if main_thread else None
    try:
        with records_failure(run):
            yield
            run.set_status("done")
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
        if tracker is not None:
            tracker.finish()
