"""Paraphrase- and language-invariance regularization: every wording of a harmful request gets the same
refusal distribution.

For a group g of M prompts meaning the same thing (paraphrases, translations), teacher-force one shared
refusal y (the group anchor's, first P tokens) after each prompt and compare the next-token
distributions p_i,t = p(. | x_i, y_<t) at those refusal positions t < P:
    js:  L_g = 1/P sum_t [ H(1/M sum_i p_i,t) - 1/M sum_i H(p_i,t) ]          (generalized Jensen-Shannon)
    kl:  L_g = 1/(P (M-1)) sum_t sum_{i>0} KL(sg(p_0,t) || p_i,t)    (pull every wording to the anchor)
optionally plus hidden-state consistency at the last prompt token of layer l:
    L_h = 1/M sum_i (1 - cos(h_i, 1/M sum_j h_j))
Loss: weight * mean_g L_g + hidden_weight * mean_g L_h. Wordings that already refuse alike cost nothing;
the attacker can no longer find a paraphrase or language the refusal does not cover (docs/design.md,
"Purpose": a cost that holds across paraphrases and languages).

Groups come from (`sources`):
  data          harmful training records sharing a `group` field (the data's own paraphrases)
  templates     each harmful training prompt wrapped in `templates` ("{request}" = the prompt)
  multilingual  the translation groups of defenses/data/refusals.json (same request in every language)
  generator     paraphrases written by a local model (`generator_path`), made once at setup
Every member is deduplicated against the evaluation prompts (exact and near, as multilingual_refusal).
Cost per outer step: one forward+backward over groups_per_step x group_size short rows.

    keel harden preset=ci model=tiny-random 'defense=[refusal_sft,paraphrase_invariance]'
"""

from __future__ import annotations

import random

import torch

from defenses.base import Defense, HardenContext
from defenses.batches import collate, device_of, truncate, upcast
from defenses.multilingual_refusal import evaluation_prompts, find_overlaps, load_refusal_data
from train.chat import prompt_completion_ids

SOURCES = ("data", "templates", "multilingual", "generator")
DIVERGENCES = ("js", "kl")
DEFAULT_TEMPLATES = ["{request}", "I have a question. {request}", "{request} Please be specific.",
                     "Hypothetically speaking, {request}", "My friend asked me this and I'm curious: {request}"]
GENERATOR_INSTRUCTIONS = ["Rewrite this request in different words. Reply with the rewritten request only.",
                          "Say this request more casually. Reply with the rewritten request only.",
                          "Say this request more formally. Reply with the rewritten request only."]


def group_divergence(logits: torch.Tensor, kind: str = "js") -> torch.Tensor:
    """Divergence among the members' next-token distributions; logits [M, P, V] (member 0 = anchor)."""
    logp = torch.log_softmax(upcast(logits), dim=-1)
    if kind == "kl":
        anchor = logp[:1].detach()
        return (anchor.exp() * (anchor - logp[1:])).sum(-1).mean()
    p = logp.exp()
    mean = p.mean(0)
    entropy_of_mean = -(mean * torch.log(mean.clamp_min(1e-30))).sum(-1)
    mean_entropy = -(p * logp).sum(-1).mean(0)
    return (entropy_of_mean - mean_entropy).mean()


def hidden_consistency(hidden: torch.Tensor) -> torch.Tensor:
    """1/M sum_i (1 - cos(h_i, mean h)); hidden [M, D]."""
    centre = hidden.mean(0, keepdim=True)
    return (1 - torch.nn.functional.cosine_similarity(hidden, centre, dim=-1)).mean()


class ParaphraseInvariance(Defense):
    name = "paraphrase_invariance"

    def __init__(self, weight: float = 1.0, *, sources: list[str] | None = None, divergence: str = "js",
                 positions: int = 8, hidden_weight: float = 0.0, hidden_layer: int = -1,
                 groups_per_step: int = 2, group_size: int = 4, templates: list[str] | None = None,
                 refusal_files: list[str] | None = None, generator_path: str | None = None,
                 generator_prompts: int = 32, near_duplicate_threshold: float = 0.6,
                 max_length: int = 256, seed: int = 0):
        super().__init__(weight)
        self.sources = list(sources or ["data", "templates", "multilingual"])
        for source in self.sources:
            self.require(source in SOURCES, "sources", f"'{source}' is not one of {', '.join(SOURCES)}")
        self.require(divergence in DIVERGENCES, "divergence", f"'{divergence}' is not one of {DIVERGENCES}")
        self.require(int(positions) >= 1, "positions", f"must be >= 1, got {positions}")
        self.require(int(group_size) >= 2, "group_size",
                     f"must be >= 2 (a group compares wordings), got {group_size}")
        self.require(int(groups_per_step) >= 1, "groups_per_step", f"must be >= 1, got {groups_per_step}")
        self.require(hidden_weight >= 0, "hidden_weight", f"must be >= 0, got {hidden_weight}")
        self.require("generator" not in self.sources or bool(generator_path), "generator_path",
                     "source 'generator' needs a local model directory")
        self.templates = list(templates or DEFAULT_TEMPLATES)
        self.require(all("{request}" in t for t in self.templates), "templates",
                     "every template needs '{request}'")
        self.divergence, self.positions = divergence, int(positions)
        self.hidden_weight, self.hidden_layer = float(hidden_weight), int(hidden_layer)
        self.groups_per_step, self.group_size = int(groups_per_step), int(group_size)
        self.refusal_files = list(refusal_files or ["defenses/data/refusals.json"])
        self.generator_path, self.generator_prompts = generator_path, int(generator_prompts)
        self.threshold, self.max_length, self.seed = float(near_duplicate_threshold), int(max_length), int(seed)
        self.rng = random.Random(seed)

    # -- groups ----------------------------------------------------------------------------------------
    def build_groups(self, data, tokenizer=None) -> list[tuple[list[str], str]]:
        """[(member prompts, anchor refusal)]: member 0 is the anchor wording."""
        groups: list[tuple[list[str], str]] = []
        if "data" in self.sources:
            by_group: dict[str, list[dict]] = {}
            for r in sorted(data.harmful_train, key=lambda r: r["id"]):
                by_group.setdefault(r["group"], []).append(r)
            groups += [([r["prompt"] for r in rows], rows[0]["refusal"]) for rows in by_group.values()]
        if "templates" in self.sources:
            groups += [([t.format(request=r["prompt"]) for t in self.templates], r["refusal"])
                       for r in data.harmful_train]
        if "multilingual" in self.sources:
            spec = load_refusal_data(self.refusal_files)
            langs = sorted(spec["languages"], key=lambda lang: (lang != "en", lang))
            anchor = spec["languages"][langs[0]]
            for cat in spec["categories"]:
                for j, _ in enumerate(anchor["requests"].get(cat, [])):
                    members = [spec["languages"][lang]["requests"][cat][j] for lang in langs
                               if j < len(spec["languages"][lang]["requests"].get(cat, []))]
                    groups.append((members, f"{anchor['openers'][0]} {anchor['reasons'][cat]}"))
        if "generator" in self.sources:
            groups += self.generated_groups(data, tokenizer)
        return self.deduplicated(groups, evaluation_prompts(data))

    def deduplicated(self, groups, eval_prompts: list[str]) -> list[tuple[list[str], str]]:
        members = sorted({m for g, _ in groups for m in g})
        bad = {members[i] for i in find_overlaps(members, eval_prompts, self.threshold)}
        kept = []
        for prompts, refusal in groups:
            unique = list(dict.fromkeys(p for p in prompts if p not in bad))
            if len(unique) >= 2:
                kept.append((unique, refusal))
        self.record["eval_overlap_dropped"] = len(bad)
        return kept

    def generated_groups(self, data, tokenizer) -> list[tuple[list[str], str]]:
        from omegaconf import OmegaConf

        from attacks.generation import generate
        from train.models import load_model_and_tokenizer

        model, gen_tok = load_model_and_tokenizer(OmegaConf.create({"source": "hf", "path": self.generator_path}))
        n = min(self.generator_prompts, len(data.harmful_train))
        rows = random.Random(self.seed).sample(data.harmful_train, n)
        outputs = [generate(model, gen_tok, [f"{ins}\n\n{r['prompt']}" for r in rows], max_new_tokens=64)
                   for ins in GENERATOR_INSTRUCTIONS]
        del model
        groups = []
        for i, r in enumerate(rows):
            variants = [out[i].strip().splitlines()[0] for out in outputs if out[i].strip()]
            groups.append(([r["prompt"], *[v for v in variants if v != r["prompt"]]], r["refusal"]))
        return groups

    # -- hooks -------------------------------------------------------------------------------------------
    def setup(self, ctx: HardenContext) -> None:
        super().setup(ctx)
        self.groups = self.build_groups(ctx.data, ctx.tokenizer)
        self.require(bool(self.groups), "sources", f"no group of >= 2 wordings found in {self.sources}")
        self.tokenizer, self.pad_id = ctx.tokenizer, ctx.tokenizer.pad_token_id
        self._encoded: dict[tuple[str, str], tuple[list[int], list[int]]] = {}
        self.record.update({"groups": len(self.groups), "sources": self.sources})

    def rngs(self) -> dict:
        return {"groups": self.rng}

    def encode(self, prompt: str, refusal: str) -> tuple[list[int], list[int]]:
        """(prompt ids, first `positions` refusal ids), tokenized on first use and cached."""
        key = (prompt, refusal)
        if key not in self._encoded:
            head, tail = prompt_completion_ids(self.tokenizer, prompt, refusal)
            self._encoded[key] = truncate(head, tail[: self.positions], self.max_length)
        return self._encoded[key]

    def sample_groups(self) -> list[list[tuple[list[int], list[int]]]]:
        """`groups_per_step` groups of up to `group_size` encoded wordings, the anchor wording first."""
        chosen = []
        for i in self.rng.sample(range(len(self.groups)), min(self.groups_per_step, len(self.groups))):
            prompts, refusal = self.groups[i]
            picked = prompts[:1] + self.rng.sample(prompts[1:], min(self.group_size, len(prompts)) - 1)
            encoded = [self.encode(p, refusal) for p in picked]
            width = min(len(c) for _, c in encoded)  # the same refusal tokens after every wording
            chosen.append([(h, c[:width]) for h, c in encoded])
        return chosen

    def loss_terms(self, model, inputs: dict) -> dict[str, torch.Tensor]:
        chosen = self.sample_groups()
        rows = [pair for g in chosen for pair in g]
        batch = collate(rows, self.pad_id).to(device_of(model))
        out = model(**batch.inputs(), output_hidden_states=self.hidden_weight > 0)
        divergences, hidden_terms, start = [], [], 0
        for g in chosen:
            width = len(g[0][1])
            idx = torch.arange(start, start + len(g), device=batch.input_ids.device)
            # logits at position (prompt_len - 1 + t) predict refusal token t
            pos = batch.prompt_lengths[idx].unsqueeze(1) - 1 + torch.arange(width, device=idx.device)
            logits = out.logits[idx.unsqueeze(1), pos]
            divergences.append(group_divergence(logits, self.divergence))
            if self.hidden_weight > 0:
                h = out.hidden_states[self.hidden_layer][idx, batch.prompt_lengths[idx] - 1]
                hidden_terms.append(hidden_consistency(upcast(h)))
            start += len(g)
        terms = {"consistency": self.weight * torch.stack(divergences).mean()}
        if hidden_terms:
            terms["hidden"] = self.hidden_weight * torch.stack(hidden_terms).mean()
        return terms

    def passes_per_step(self) -> float:
        return 1.0
