"""Steps to threshold at one-step resolution vs the judged grid: wall time, S_tau, proxy agreement.
Not collected by pytest.

    .venv/bin/python tests/benchmarks/bench_resolution.py                      # SmolLM2-135M, the demo
    .venv/bin/python tests/benchmarks/bench_resolution.py --model tiny         # seconds: a quick check
    .venv/bin/python tests/benchmarks/bench_resolution.py --modes grid,proxy,bisection

The demo's attack on the demo's hardened model, in one process: refusal SFT hardening as `keel harden`
does it (30 steps; saved under --checkpoint and reused), then the full_ft attack with the demo's settings
(30 steps, ASR judged every 10 steps on 40 held-out prompts, 24 new tokens, keyword judge, tau 0.5) run
once per mode on the same model and seed:

    grid       eval.resolve_steps=false: the judged grid alone (S_tau in {0, 10, 20, 30})
    proxy      the default: snapshots + refusal log-odds proxy + judged bisection (attacks/resolution.py)
    bisection  the same without the proxy (plain bisection)

Prints each mode's wall time (the whole attack: training, every evaluation, snapshots, proxy) and CPU time
(this process, all threads: steadier than wall time on a shared machine), their ratios to the grid's
(target <= 1.5), S_tau, the judged steps, and the proxy's agreement with the judged ASR. `--repeats N`
runs the modes N times, interleaved, and reports the median. Figures and the command: docs/evaluation.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("WANDB_MODE", "disabled")

import torch  # noqa: E402
from hydra import compose, initialize_config_dir  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402

from attacks import runner  # noqa: E402
from attacks.judges.logodds import refusal_log_odds  # noqa: E402
from attacks.metrics import steps_to_threshold  # noqa: E402
from train.cli import CONF_DIR  # noqa: E402
from train.data import load_data  # noqa: E402
from train.hardening import harden  # noqa: E402
from train.models import clean_copy, load_model_and_tokenizer  # noqa: E402
from train.pipeline import build_named  # noqa: E402

# tiny: judged by refusal log-odds with a margin below every prompt's log-odds before the attack (set in
# main), so ASR starts at 0 and rises smoothly; the keyword judge's ASR on a random model does not move.
MODELS = {"smollm2-135m": ["model=smollm2-135m"],
          "tiny": ["model=tiny-random", "preset=ci", "judge=logodds", "budget.lr_scale=4"]}
MODES = {"grid": ["eval.resolve_steps=false"], "proxy": ["eval.proxy=logodds"],
         "bisection": ["eval.proxy=null"]}


def config(model: str, extra: list[str]):
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        return compose(config_name="harden", overrides=[*MODELS[model], "attack=[full_ft]", *extra])


def hardened_model(cfg, model, tokenizer, data, defenses, checkpoint: Path):
    """The demo's hardened model: loaded from `checkpoint`, or hardened as `keel harden` does and saved there."""
    if (checkpoint / "config.json").exists():
        print(f"hardened model: reusing {checkpoint}")
        return load_model_and_tokenizer(OmegaConf.create({**OmegaConf.to_container(cfg.model), "source": "hf",
                                                          "path": str(checkpoint)}))[0]
    t0 = time.perf_counter()
    hardened = clean_copy(model)
    harden(hardened, tokenizer, data, defenses, cfg.harden, str(checkpoint.with_name("trainer")))
    hardened.save_pretrained(checkpoint, safe_serialization=True)
    print(f"hardened model: {time.perf_counter() - t0:.0f} s of refusal SFT, saved to {checkpoint}")
    return hardened


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(MODELS), default="smollm2-135m")
    parser.add_argument("--modes", default="grid,proxy", help=f"comma-separated, from {', '.join(MODES)}")
    parser.add_argument("--target", choices=["hardened", "base"], default=None,
                        help="the attacked model (default: hardened for smollm2-135m, base for tiny)")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--checkpoint", type=Path, default=None,
                        help="where the hardened model is kept (default runs/bench_resolution/<model>/hardened)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    modes = [m for m in args.modes.split(",") if m]
    unknown = [m for m in modes if m not in MODES]
    if unknown or "grid" not in modes:
        parser.error(f"--modes: need grid and known modes ({', '.join(MODES)}), got {args.modes}")

    args.target = args.target or ("hardened" if args.model == "smollm2-135m" else "base")
    cfg = config(args.model, [])
    defenses = build_named(cfg.defense, "defense")
    data = load_data(cfg.data)
    runner.check_hygiene(cfg, data, defenses, build_named(cfg.attack, "attack"))  # as keel harden does
    model, tokenizer = load_model_and_tokenizer(cfg.model)
    if args.target == "hardened":
        checkpoint = args.checkpoint or Path("runs/bench_resolution") / args.model / "hardened"
        model = hardened_model(cfg, model, tokenizer, data, defenses, checkpoint)

    if args.model == "tiny":
        prompts = [r["prompt"] for r in data.harmful_eval][: cfg.eval.max_prompts]
        margin = float(refusal_log_odds(model, tokenizer, prompts).min()) - 1e-3
        MODELS["tiny"].append(f"judge.margin={margin}")
    rows: dict[str, dict] = {}
    for repeat in range(args.repeats):
        for mode in modes:
            mcfg = config(args.model, MODES[mode])
            attack = build_named(mcfg.attack, "attack")[0]
            evaluator = runner.make_evaluator(mcfg, tokenizer, data)
            t0, c0 = time.perf_counter(), time.process_time()
            result = attack.run(model, tokenizer, data, evaluator, seed=args.seed, target=args.target,
                                progress=False)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            s_tau = steps_to_threshold(result.curve, mcfg.threshold)
            row = rows.setdefault(mode, {"wall": [], "cpu": []})
            row["wall"].append(wall)
            row["cpu"].append(cpu)
            row.update(s_tau=str(s_tau), curve=[[p["step"], p["asr"]] for p in result.curve],
                       resolution=result.extra["resolution"], proxy=result.extra.get("proxy"))
            print(f"[{repeat + 1}/{args.repeats}] {mode:9s}: wall {wall:7.1f} s  cpu {cpu:7.1f} s  S_tau {str(s_tau):>4s}  "
                  f"judged {result.extra['resolution']['judged_steps']}", flush=True)

    grid = {k: statistics.median(rows["grid"][k]) for k in ("wall", "cpu")}
    print(f"\nmodel={args.model} target={args.target} attack=full_ft steps={attack.steps} eval_every={attack.eval_every} "
          f"prompts={len(evaluator.harmful_prompts)} max_new_tokens={evaluator.config.max_new_tokens} "
          f"tau={mcfg.threshold} threads={torch.get_num_threads()} repeats={args.repeats} (medians)")
    print(f"{'mode':9s} {'wall s':>8s} {'ratio':>6s} {'cpu s':>8s} {'ratio':>6s} {'S_tau':>6s}  judged steps (ASR)")
    for mode, row in rows.items():
        wall, cpu = statistics.median(row["wall"]), statistics.median(row["cpu"])
        row["ratio_wall"], row["ratio_cpu"] = wall / grid["wall"], cpu / grid["cpu"]
        curve = ", ".join(f"{s}:{a:.3f}" for s, a in row["curve"])
        print(f"{mode:9s} {wall:8.1f} {row['ratio_wall']:6.2f} {cpu:8.1f} {row['ratio_cpu']:6.2f} {row['s_tau']:>6s}  "
              f"{curve}")
        res, proxy = row["resolution"], row["proxy"]
        if res.get("bisected"):
            print(f"{'':9s} bisected {res['bisected']}: probes {res['probes']} (proxy guess {res['guess']}), "
                  f"snapshots peak {res['snapshot_peak_bytes'] / 2 ** 30:.2f} GiB")
        if proxy:
            pairs = ", ".join(f"{s}:{a:.3f}" for s, a in zip(proxy["steps"], proxy["asr"]))
            print(f"{'':9s} proxy ({proxy['name']}): {pairs}")
            print(f"{'':9s} proxy vs judged: mean |error| {proxy['mae']:.3f} over steps {proxy['judged_steps']}; "
                  f"proxy crossing {proxy['crossing_step']} vs judged {proxy['judged_crossing_step']} "
                  f"({'agree' if proxy['crossing_agrees'] else 'differ'})")
    if args.json:
        args.json.write_text(json.dumps({"model": args.model, "target": args.target, "modes": rows}, indent=1))


if __name__ == "__main__":
    main()
