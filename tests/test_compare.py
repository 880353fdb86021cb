"""`keel compare` on hand-made run directories: pooling over seeds, CIs, bounds, outputs, errors."""

from __future__ import annotations

import json

import pytest

from train.cli import main
from train.compare import bootstrap_mean_ci, load_run, summarize


def make_run(root, name, defense, seed, base, hardened, *, censored=False, mcq=None):
    """A run dir as `keel harden` leaves it, reduced to what compare reads."""
    run = root / name
    run.mkdir(parents=True)
    utility = None
    if mcq is not None:  # headline utility probe: MCQ accuracy change (negative = worse)
        utility = {"change": {"headline_metric": "mcq_accuracy", "headline_percent": mcq}}
    report = {
        "model": {"name": "tiny"}, "threshold": 0.5, "utility": utility,
        "defenses": [{"name": d} for d in defense],
        "headline": {"cost": {"base_mean": base, "treated_mean": hardened, "base_censored": 0,
                              "treated_censored": int(censored), "display": "x"}},
        "comparison": [{"attack": "full_ft", "base": {"benign_nll_before_mean": 2.0},
                        "hardened": {"benign_nll_before_mean": 2.1}}],
    }
    (run / "report.json").write_text(json.dumps(report))
    (run / "config.yaml").write_text(f"harden:\n  seed: {seed}\n")
    return run


def test_pooled_ratio_ci_and_utility(tmp_path):
    make_run(tmp_path, "a0", ["tar"], 0, 10, 30, mcq=-4.0)
    make_run(tmp_path, "a1", ["tar"], 1, 10, 50, mcq=-6.0)
    make_run(tmp_path, "b0", [], 0, 10, 10)
    rows = {r["defense"]: r for r in summarize([load_run(p / "report.json") for p in sorted(tmp_path.iterdir())])}
    tar = rows["tar"]
    assert tar["runs"] == 2 and tar["seeds"] == [0, 1]
    assert tar["attacker_cost"] == pytest.approx(4.0)  # (30 + 50) / (10 + 10)
    assert tar["cost_low"] <= 4.0 <= tar["cost_high"] and tar["cost_bound"] == "exact"
    assert tar["utility_drop_pct"] == pytest.approx(5.0) and tar["utility_metric"] == "mcq_accuracy"
    none = rows["none"]  # no defense, no utility probes: perplexity from the attack's step-0 benign NLL
    assert none["attacker_cost"] == pytest.approx(1.0) and none["cost_low"] is None
    assert none["utility_drop_pct"] == pytest.approx(100 * (2.718281828 ** 0.1 - 1), rel=1e-6)
    assert none["utility_metric"] == "perplexity (attack step 0)"


def test_censored_hardened_run_makes_a_lower_bound(tmp_path):
    make_run(tmp_path, "a0", ["tar"], 0, 10, 40, censored=True)
    make_run(tmp_path, "a1", ["tar"], 1, 10, 20)
    (row,) = summarize([load_run(p / "report.json") for p in sorted(tmp_path.iterdir())])
    assert row["cost_bound"] == "lower" and row["cost_display"].startswith(">=x3.00")  # (40 + 20) / 20


def test_bootstrap_mean_ci():
    assert bootstrap_mean_ci([1.0]) is None
    lo, hi = bootstrap_mean_ci([1.0, 2.0, 3.0, 4.0])
    assert 1.0 <= lo <= 2.5 <= hi <= 4.0
    assert bootstrap_mean_ci([1.0, 2.0, 3.0, 4.0]) == (lo, hi)  # seeded


def test_cli_writes_table_csv_json_and_plot(tmp_path, capsys):
    runs = tmp_path / "sweep"
    for i, (defense, seed) in enumerate([(["refusal_sft"], 0), (["refusal_sft"], 1), (["tar"], 0), (["tar"], 1)]):
        make_run(runs, f"r{i}", defense, seed, 10, 10 + 10 * i, mcq=-float(i))
    out = tmp_path / "cmp"
    assert main(["compare", str(runs), f"out={out}"]) == 0  # a folder is searched for run dirs
    assert "4 runs compared" in capsys.readouterr().out
    table = (out / "compare.md").read_text()
    assert "| tiny | refusal_sft | 2 | 0, 1 |" in table and "| tiny | tar | 2 | 0, 1 |" in table
    assert (out / "compare.csv").read_text().splitlines()[0].startswith("model,defense,runs,seeds,attacker_cost")
    assert len(json.loads((out / "compare.json").read_text())["runs"]) == 4
    assert (out / "compare.png").read_bytes()[:4] == b"\x89PNG"
    # Named run directories work as well.
    assert main(["compare", str(runs / "r0"), str(runs / "r2"), f"out={out}"]) == 0


def test_cli_errors_are_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit, match="2"):
        main(["compare", str(tmp_path / "missing"), f"out={tmp_path}/o"])
    assert capsys.readouterr().err.strip() == f"keel: error: runs: no such directory: {tmp_path}/missing"
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit, match="2"):
        main(["compare", str(tmp_path / "empty"), f"out={tmp_path}/o"])
    assert "no report.json under" in capsys.readouterr().err
