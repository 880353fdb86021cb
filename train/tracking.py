"""W&B logging: rank 0 only, offline or disabled by default, never needs an account.

`wandb.mode=online` first checks in a few seconds that the W&B server answers (WANDB_BASE_URL, default
https://api.wandb.ai); when it does not, the run logs offline into RUN_DIR/wandb with a one-line warning
(upload later with `wandb sync`), instead of waiting ~90 s for wandb.init to give up with a traceback.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from urllib.parse import urlparse

from train import KeelError
from train.distributed import is_rank_zero
from train.run_dir import result_key

log = logging.getLogger("keel")
PROBE_SECONDS = 5.0


def server_unreachable(url: str, timeout: float = PROBE_SECONDS) -> str | None:
    """Why `url`'s host cannot be reached within `timeout` seconds (name lookup included), or None."""
    parsed = urlparse(url)
    host, port = parsed.hostname, parsed.port or (443 if parsed.scheme == "https" else 80)
    if not host:
        return f"'{url}' names no host"
    outcome: list[str | None] = []

    def connect():
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            outcome.append(None)
        except OSError as err:
            outcome.append(str(err) or type(err).__name__)

    worker = threading.Thread(target=connect, daemon=True)  # a name lookup ignores the socket timeout
    worker.start()
    worker.join(timeout)
    return outcome[0] if outcome else f"no answer within {timeout:.0f} s"


class Tracker:
    """Thin wrapper: a no-op unless `wandb.mode` is online/offline and this is rank 0."""

    def __init__(self, cfg, run_name: str, run_dir: str, config: dict):
        self.run = None
        mode = cfg.get("mode", "disabled")
        if mode == "disabled" or not is_rank_zero():
            return
        import wandb

        if mode == "online":
            if cfg.get("api_key"):  # prefer the WANDB_API_KEY environment variable; this one is redacted too
                os.environ.setdefault("WANDB_API_KEY", str(cfg.api_key))
            server = os.environ.get("WANDB_BASE_URL", "https://api.wandb.ai")
            why = server_unreachable(server)
            if why:
                log.warning("wandb.mode=online: cannot reach %s (%s); logging offline to %s/wandb instead "
                            "(upload later: wandb sync)", server, why, run_dir)
                mode = "offline"
        try:
            self.run = wandb.init(project=cfg.get("project", "keel"), entity=cfg.get("entity"), name=run_name,
                                  group=cfg.get("group"), tags=list(cfg.get("tags") or []),
                                  notes=(config.get("wandb") or {}).get("notes"),  # redacted, like config
                                  mode=mode, dir=run_dir, config=config, reinit="finish_previous",
                                  settings=wandb.Settings(init_timeout=60))
        except Exception as err:  # wandb raises its own errors (CommError, UsageError, ...): one line
            first = (str(err).strip().splitlines() or [type(err).__name__])[0]
            raise KeelError(f"wandb.mode={mode}: W&B did not start ({first}); use wandb.mode=offline "
                            f"(no account needed) or disabled") from None

    def log_curve(self, result: dict) -> None:
        if self.run is None:
            return
        prefix = result_key(result["target"], result["attack"], result["seed"])
        for point in result["curve"]:
            self.run.log({f"{prefix}/asr": point["asr"], f"{prefix}/benign_nll": point.get("benign_nll"),
                          f"{prefix}/step": point["step"]})

    def log_report(self, report: dict, run_root=None) -> None:
        """The scorecard as W&B tables (runs, ratios with CIs, utility, curves), the plots, and the
        headline figures in the run summary."""
        if self.run is None:
            return
        import wandb

        columns = ["target", "attack", "split", "seed", "asr_before", "asr_final", "steps_to_threshold",
                   "flops_to_threshold", "harm_auc", "benign_nll_before", "benign_nll_after"]
        table = wandb.Table(columns=columns)
        for r in report["runs"]:
            table.add_data(r["target"], r["attack"], r["split"], r["seed"], r["asr_before"], r["asr_final"],
                           r["steps_to_threshold"]["display"], r["flops_to_threshold"]["display"], r["harm_auc"],
                           r["benign_nll_before"], r["benign_nll_after"])
        ratios = wandb.Table(columns=["attack", "split", "metric", "ratio", "ci_low", "ci_high", "bound", "display"])
        for row in report["comparison"]:
            for metric, r in (row.get("ratios") or {}).items():
                ci = r.get("ci") or (None, None)
                ratios.add_data(row["attack"], row["split"], metric, r["ratio"], ci[0], ci[1], r["bound"], r["display"])
            if "steps_ratio" in row:
                self.run.summary[f"{row['attack']}/steps_ratio"] = row["steps_ratio"]
        curves = wandb.Table(columns=["target", "attack", "seed", "step", "asr", "benign_nll"])
        for c in report.get("curves", []):
            for p in c["curve"]:
                curves.add_data(c["target"], c["attack"], c["seed"], p["step"], p["asr"], p.get("benign_nll"))
        logged = {"scorecard": table, "effort_ratios": ratios, "curves": curves}
        util = report.get("utility") or {}
        probes = sorted({k for v in util.values() if isinstance(v, dict) for k, x in v.items()
                         if isinstance(x, (int, float))})
        if probes:
            utable = wandb.Table(columns=["target", *probes])
            for target, v in util.items():
                if target != "change":
                    utable.add_data(target, *[v.get(k) for k in probes])
            logged["utility"] = utable
        if run_root is not None:
            from pathlib import Path

            for name, file in (report.get("plots") or {}).items():
                if (Path(run_root) / file).exists():
                    logged[f"plots/{name}"] = wandb.Image(str(Path(run_root) / file))
        self.run.log(logged)
        head = report.get("headline") or {}
        self.run.summary["headline"] = head.get("text")
        if head.get("cost") and head["cost"].get("ratio") is not None:
            self.run.summary["attacker_cost_ratio"] = head["cost"]["ratio"]
        worst = (head.get("utility") or {}).get("worst")
        if worst:  # the probe hardening hurt most, its change in its own unit (attacks/utility.py)
            self.run.summary["utility_worst_probe"] = worst
            self.run.summary["utility_worst_change"] = head["utility"]["probes"][worst]["change"]

    def finish(self) -> None:
        if self.run is not None:
            self.run.finish()
