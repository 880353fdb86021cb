"""Multilingual refusal data: refusal and explain-redirect SFT pairs across languages and harm categories.

A data-only defense (it adds SFT examples, no loss term). From defenses/data/refusals.json (written for
keel: 10 languages x 11 harm categories, two abstract one-sentence requests per category and language,
the same request index meaning the same thing in every language) it builds, per request, `per_request`
distinct combinations of
    prompt   = frame(request)                    e.g. "Quick question: {request}"
    response = opener + reason                    (kind "refusal": refuse and say why)
             | opener + reason + alternative      (kind "redirect": refuse, say why, offer a safe path)
drawn with a seeded RNG; the seed, the counts and a sha256 of the result are recorded in the report.

Hygiene (docs/design.md "Data hygiene"): every request and built prompt is compared with the evaluation
prompts (harmful eval, benign eval, edgy, harmful_nl eval): exact duplicates after normalization (NFKC,
casefold, no punctuation) and near-duplicates (character 4-gram Jaccard >= `near_duplicate_threshold`) are dropped,
and the overlap found is recorded. Add languages or categories with another JSON file of the same shape
listed in `data_files` (later files extend earlier ones).

    keel harden preset=ci model=tiny-random 'defense=[multilingual_refusal,refusal_sft]'
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import unicodedata
from collections import Counter, defaultdict

from defenses.base import Defense
from train import KeelError
from train.chat import sft_example
from train.data import resolve_data_path

LANGUAGE_FIELDS = ("frames", "openers", "requests", "reasons", "alternatives")
KINDS = ("refusal", "redirect")


# -- deduplication (pure functions) -----------------------------------------------------------------

def normalize(text: str) -> str:
    """NFKC, casefold, punctuation and symbols removed, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(" " if unicodedata.category(ch)[0] in "PSZ" else ch for ch in text)
    return " ".join(kept.split())


def shingles(text: str, n: int = 4) -> set[str]:
    """Character n-grams of the normalized text (script-agnostic: works for CJK without word splits)."""
    norm = normalize(text)
    return {norm[i : i + n] for i in range(max(1, len(norm) - n + 1))}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def find_overlaps(candidates: list[str], reference: list[str], threshold: float) -> dict[int, tuple[str, str]]:
    """{candidate index: ("exact" | "near", matching reference text)} for candidates duplicating a reference.
    Near-duplicate candidates come from an inverted shingle index (cost ~ shared shingles, not |C| x |R|)."""
    exact = {normalize(r): r for r in reference}
    ref_shingles = [shingles(r) for r in reference]
    index: dict[str, list[int]] = defaultdict(list)
    for j, grams in enumerate(ref_shingles):
        for gram in grams:
            index[gram].append(j)
    found = {}
    for i, text in enumerate(candidates):
        if normalize(text) in exact:
            found[i] = ("exact", exact[normalize(text)])
            continue
        mine = shingles(text)
        shared: Counter = Counter(j for gram in mine for j in index.get(gram, ()))
        for j, k in shared.most_common():
            if k / (len(mine) + len(ref_shingles[j]) - k) >= threshold:
                found[i] = ("near", reference[j])
                break
    return found


# -- the data files ---------------------------------------------------------------------------------------

def load_refusal_data(paths: list[str]) -> dict:
    """Merge refusal data files: categories are unioned, languages deep-merged (request lists extend)."""
    merged: dict = {"categories": [], "languages": {}}
    for path in paths:
        p = resolve_data_path(path)
        if not p.is_file():
            raise KeelError(f"defense.multilingual_refusal.data_files: file not found: {path}")
        try:
            spec = json.loads(p.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise KeelError(f"{p}: malformed JSON ({err.msg} at line {err.lineno})") from None
        merged["categories"] += [c for c in spec.get("categories", []) if c not in merged["categories"]]
        for lang, entry in spec.get("languages", {}).items():
            into = merged["languages"].setdefault(lang, {"requests": {}, "reasons": {}, "alternatives": {}})
            for key, value in entry.items():
                if key == "requests":
                    for cat, reqs in value.items():
                        into["requests"].setdefault(cat, []).extend(reqs)
                elif key in ("reasons", "alternatives"):
                    into[key].update(value)
                else:
                    into[key] = value
    for lang, entry in merged["languages"].items():
        for field in LANGUAGE_FIELDS:
            if not entry.get(field):
                raise KeelError(f"{paths}: language '{lang}': field '{field}' is missing or empty")
        for cat in entry["requests"]:
            for field in ("reasons", "alternatives"):
                if cat not in entry[field]:
                    raise KeelError(f"{paths}: language '{lang}': category '{cat}' has requests but no {field}")
        if any("{request}" not in f for f in entry["frames"]):
            raise KeelError(f"{paths}: language '{lang}': every frame must contain '{{request}}'")
    return merged


def build_pairs(spec: dict, languages: list[str] | None, categories: list[str] | None, per_request: int,
                redirect_fraction: float, seed: int) -> list[dict]:
    """Refusal / explain-redirect rows {prompt, response, request, language, category, kind, group}."""
    rng = random.Random(seed)
    rows = []
    for lang in languages or sorted(spec["languages"]):
        entry = spec["languages"][lang]
        for cat in categories or spec["categories"]:
            for j, request in enumerate(entry["requests"].get(cat, [])):
                combos = list(itertools.product(range(len(entry["frames"])), range(len(entry["openers"]))))
                for f, o in rng.sample(combos, min(per_request, len(combos))):
                    kind = "redirect" if rng.random() < redirect_fraction else "refusal"
                    parts = [entry["openers"][o], entry["reasons"][cat]]
                    if kind == "redirect":
                        parts.append(entry["alternatives"][cat])
                    sep = "" if lang in ("zh", "ja") else " "
                    rows.append({"prompt": entry["frames"][f].format(request=request),
                                 "response": sep.join(parts), "request": request, "language": lang, "category": cat, "kind": kind,
                                 "group": f"ml-{cat}-{j}"})
    return rows


def evaluation_prompts(data) -> list[str]:
    rows = list(data.harmful_eval) + list(data.benign_eval)
    rows += [r for name in ("edgy", "harmful_nl_eval") for r in getattr(data, name, None) or []]
    return [r["prompt"] for r in rows]


class MultilingualRefusal(Defense):
    name = "multilingual_refusal"

    def __init__(self, weight: float = 1.0, data_files: list[str] | None = None,
                 languages: list[str] | None = None,
                 categories: list[str] | None = None, per_request: int = 2, redirect_fraction: float = 0.5,
                 near_duplicate_threshold: float = 0.6, max_examples: int | None = None, seed: int = 0):
        super().__init__(weight)
        self.require(int(per_request) >= 1, "per_request", f"must be >= 1, got {per_request}")
        self.require(0.0 <= redirect_fraction <= 1.0, "redirect_fraction",
                     f"must be in [0, 1], got {redirect_fraction}")
        self.require(0.0 < near_duplicate_threshold <= 1.0, "near_duplicate_threshold",
                     f"must be in (0, 1], got {near_duplicate_threshold}")
        self.data_files = list(data_files or ["defenses/data/refusals.json"])
        self.spec = load_refusal_data(self.data_files)
        for lang in languages or []:
            self.require(lang in self.spec["languages"], "languages",
                         f"'{lang}' is not in the data files (have {', '.join(sorted(self.spec['languages']))})")
        for cat in categories or []:
            self.require(cat in self.spec["categories"], "categories", f"'{cat}' is not in the data files")
        self.languages, self.categories = languages, categories
        self.per_request, self.redirect_fraction = int(per_request), float(redirect_fraction)
        self.threshold, self.max_examples, self.seed = float(near_duplicate_threshold), max_examples, int(seed)
        self.rows: list[dict] = []

    def build(self, data) -> list[dict]:
        """The deduplicated rows; also fills `self.record` with what was built and dropped."""
        rows = build_pairs(self.spec, self.languages, self.categories, self.per_request,
                           self.redirect_fraction, self.seed)
        eval_prompts = evaluation_prompts(data)
        requests = sorted({r["request"] for r in rows})
        bad_requests = find_overlaps(requests, eval_prompts, self.threshold)
        dropped = {requests[i]: kind for i, (kind, _) in bad_requests.items()}
        kept = [r for r in rows if r["request"] not in dropped]
        bad_prompts = find_overlaps([r["prompt"] for r in kept], eval_prompts, self.threshold)
        kept = [r for i, r in enumerate(kept) if i not in bad_prompts]
        seen, unique = set(), []
        for r in kept:  # identical (prompt, response) pairs add nothing
            if (r["prompt"], r["response"]) not in seen:
                seen.add((r["prompt"], r["response"]))
                unique.append(r)
        if self.max_examples is not None and len(unique) > self.max_examples:
            unique = random.Random(self.seed).sample(unique, self.max_examples)
        digest = hashlib.sha256(json.dumps([(r["prompt"], r["response"]) for r in unique]).encode()).hexdigest()
        kinds = Counter(k for k, _ in bad_requests.values()) + Counter(k for k, _ in bad_prompts.values())
        self.record.update({
            "seed": self.seed, "data_files": self.data_files, "examples": len(unique), "sha256": digest,
            "languages": dict(Counter(r["language"] for r in unique)),
            "categories": dict(Counter(r["category"] for r in unique)),
            "kinds": dict(Counter(r["kind"] for r in unique)),
            "eval_overlap": {"exact": kinds.get("exact", 0), "near": kinds.get("near", 0),
                             "threshold": self.threshold, "requests_dropped": sorted(dropped)[:20]},
        })
        self.rows = unique
        return unique

    def training_examples(self, data) -> list[dict]:
        return [sft_example(r["prompt"], r["response"]) for r in self.build(data)]
