"""W&B logging: rank 0 only, offline or disabled by default, never needs an account."""

from __future__ import annotations

import os


def is_rank_zero() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


class Tracker:
    """Thin wrapper: a no-op unless `wandb.mode` is online/offline and this is rank 0."""

    def __init__(self, cfg, run_name: str, run_dir: str, config: dict):
        self.run = None
        mode = cfg.get("mode", "disabled")
        if mode == "disabled" or not is_rank_zero():
            return
        import wandb

        self.run = wandb.init(project=cfg.get("project", "keel"), entity=cfg.get("entity"), name=run_name,
                              group=cfg.get("group"), tags=list(cfg.get("tags") or []), mode=mode,
                              dir=run_dir, config=config, reinit="finish_previous")

    def log_curve(self, result: dict) -> None:
        if self.run is None:
            return
        prefix = f"{result['target']}/{result['attack']}/seed{result['seed']}"
        for point in result["curve"]:
            self.run.log({f"{prefix}/asr": point["asr"], f"{prefix}/benign_nll": point.get("benign_nll"),
                          f"{prefix}/step": point["step"]})

    def log_report(self, report: dict) -> None:
        if self.run is None:
            return
        import wandb

        columns = ["target", "attack", "seed", "asr_before", "steps_to_threshold", "harm_auc",
                   "benign_nll_before", "benign_nll_after"]
        table = wandb.Table(columns=columns)
        for r in report["runs"]:
            table.add_data(r["target"], r["attack"], r["seed"], r["asr_before"],
                           r["steps_to_threshold"]["display"], r["harm_auc"], r["benign_nll_before"],
                           r["benign_nll_after"])
        self.run.log({"scorecard": table})
        for row in report["comparison"]:
            if "steps_ratio" in row:
                self.run.summary[f"{row['attack']}/steps_ratio"] = row["steps_ratio"]

    def finish(self) -> None:
        if self.run is not None:
            self.run.finish()
