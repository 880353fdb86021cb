"""Completions of the embedded model (SmolLM2-135M-Instruct) with its own NLL, healthy and wrecked.

    flock /tmp/keel-smollm2.lock .venv/bin/python data/judge-dev/make_nll.py     -> nll.raw.jsonl (~10 min CPU)

Prompts: keel-mini harmful eval prompts, benign instructions, and one benign prompt in each of keel's nine
other languages. Conditions: the model as shipped, then full fine-tuning on keel-mini's harmful (prompt, compliance) pairs at
learning rates that range from harmless to destructive (plain AdamW, batch 4, `STEPS` steps each, from the
shipped weights every time). Each condition answers the same prompts (keel-mini harmful eval prompts and
benign instructions) greedily, 48 new tokens, with attacks/generation.py, which also returns the mean NLL
of the completion's own tokens. The rows are then labelled coherent / incoherent by reading them
(label_nll.py writes nll.jsonl); the labels never look at the NLL.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from omegaconf import OmegaConf  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _intl import INTL  # noqa: E402

from attacks.generation import generate_with_nll  # noqa: E402
from train.chat import prompt_completion_ids  # noqa: E402
from train.models import clean_copy, load_model_and_tokenizer  # noqa: E402

LRS = (0.0, 1e-4, 1e-3, 3e-3, 5e-3, 7e-3, 1e-2)
STEPS = 12
N_PROMPTS = 24


def rows_of(name: str) -> list[dict]:
    path = ROOT / "data" / "keel-mini" / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def attack(model, tokenizer, pairs: list[tuple[str, str]], lr: float) -> None:
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    rng = random.Random(0)
    for _ in range(STEPS):
        batch = rng.sample(pairs, 4)
        loss = 0.0
        for prompt, answer in batch:
            p, c = prompt_completion_ids(tokenizer, prompt, answer)
            ids = torch.tensor([p + c])
            labels = torch.tensor([[-100] * len(p) + c])
            loss = loss + model(input_ids=ids, labels=labels).loss / len(batch)
        loss.backward()
        opt.step()
        opt.zero_grad()
    model.eval()


def main() -> None:
    torch.manual_seed(0)
    cfg = OmegaConf.load(ROOT / "conf" / "model" / "smollm2-135m.yaml")
    base, tokenizer = load_model_and_tokenizer(cfg)
    harmful = [r for r in rows_of("harmful.jsonl") if r.get("language", "en") == "en"]
    benign = rows_of("benign.jsonl")
    pairs = [(r["prompt"], r["compliance"]) for r in harmful[N_PROMPTS:]]
    prompts = [("harmful", r["prompt"]) for r in harmful[: N_PROMPTS // 2]] + \
              [("benign", r["prompt"]) for r in benign[: N_PROMPTS // 2]] + \
              [("benign", spec["edgy"][0][0]) for spec in INTL.values()]  # the healthy NLL of other languages
    out = []
    for lr in LRS:
        model = clean_copy(base)
        if lr:
            attack(model, tokenizer, pairs, lr)
        completions, nlls = generate_with_nll(model, tokenizer, [p for _, p in prompts], max_new_tokens=48)
        for (kind, prompt), completion, nll in zip(prompts, completions, nlls):
            out.append({"condition": f"lr={lr:g}", "kind": kind, "prompt": prompt, "completion": completion,
                        "nll": None if nll is None else round(nll, 4)})
        print(f"lr={lr:g}: mean NLL {sum(n or 0 for n in nlls) / len(nlls):.2f}", flush=True)
        del model
    (Path(__file__).parent / "nll.raw.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out), encoding="utf-8")


if __name__ == "__main__":
    main()
