"""Data hygiene: evaluation prompts deduplicated against every defense and attack training set.

    normalize(x)  = lower-case words, punctuation dropped, whitespace collapsed
    exact         normalize(eval) == normalize(train)
    near          J(G_n(eval), G_n(train)) >= `jaccard`, with G_n the set of word n-grams and
                  J(A, B) = |A & B| / |A | B|   (texts shorter than n words: their whole word tuple)

Candidates come from an inverted n-gram index, so the cost grows with shared n-grams, not with
|eval| x |train|. Overlapping evaluation rows are dropped (`drop: true`) and counted in the report; a
fraction above `max_overlap` in any evaluation set is an error (the numbers would measure memory).
Training-only sources (TRAINING_ONLY: data.benign_alt, what simulated attacks train on) must not overlap
any evaluation set at all: one duplicated prompt is refused, naming the file (`refuse_training_only`).
"""

from __future__ import annotations

import re
from collections import defaultdict

from train import KeelError

_WORD = re.compile(r"\w+", re.UNICODE)
EVAL_SETS = {"harmful_eval": "prompt", "benign_eval": "prompt", "edgy": "prompt", "mcq": "question",
             "harmful_nl_eval": "prompt"}
# Sources written to be trained on and never evaluated: an overlap is a broken file, not a row to drop.
TRAINING_ONLY = ("benign_alt",)


def normalize(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.lower()))


def ngrams(words: tuple[str, ...], n: int) -> set[tuple[str, ...]]:
    if len(words) < n:
        return {words} if words else set()
    return {words[i : i + n] for i in range(len(words) - n + 1)}


def find_overlaps(eval_texts: list[str], train: dict[str, list[str]], n: int = 3, jaccard: float = 0.7
                  ) -> list[dict]:
    """For each eval text that duplicates a training text: index, kind (exact/near), J, the match."""
    exact: dict[tuple, tuple[str, str]] = {}
    index: dict[tuple, set[int]] = defaultdict(set)
    grams, owners = [], []
    for source, texts in train.items():
        for text in texts:
            words = normalize(text)
            exact.setdefault(words, (source, text))
            g = ngrams(words, n)
            for gram in g:
                index[gram].add(len(grams))
            grams.append(g)
            owners.append((source, text))
    found = []
    for i, text in enumerate(eval_texts):
        words = normalize(text)
        if words in exact:
            source, match = exact[words]
            found.append({"index": i, "kind": "exact", "jaccard": 1.0, "source": source, "text": text,
                          "match": match})
            continue
        g = ngrams(words, n)
        shared: dict[int, int] = defaultdict(int)
        for gram in g:
            for j in index.get(gram, ()):
                shared[j] += 1
        best = max(((k / (len(g) + len(grams[j]) - k), j) for j, k in shared.items()), default=(0.0, -1))
        if best[0] >= jaccard:
            source, match = owners[best[1]]
            found.append({"index": i, "kind": "near", "jaccard": round(best[0], 4), "source": source,
                          "text": text, "match": match})
    return found


def training_sets(data, defenses: list, attacks: list) -> dict[str, list[str]]:
    """Every prompt any defense or attack trains on, by the set's name."""
    sets: dict[str, list[str]] = {}
    for defense in defenses:
        examples = defense.training_examples(data)
        sets[f"defense:{defense.name}"] = [m["content"] for ex in examples for m in ex["prompt"]
                                           if m["role"] == "user"] + defense.loss_prompts(data)
    sets["defense:retain"] = [r["prompt"] for r in data.benign_train]
    for name in TRAINING_ONLY:
        sets[f"data:{name}"] = [r["prompt"] for r in getattr(data, name, None) or []]
    for attack in attacks:
        sets[f"attack:{attack.name}"] = attack.training_prompts(data)
    return {k: v for k, v in sets.items() if v}


def refuse_training_only(data, n: int = 3, jaccard: float = 0.7) -> None:
    """A one-line error naming the file when a training-only source (TRAINING_ONLY) shares a prompt with
    an evaluation set: such a file is written to stay disjoint from them, so the overlap is a mistake."""
    for name in TRAINING_ONLY:
        rows = getattr(data, name, None) or []
        if not rows:
            continue
        prompts = {name: [r["prompt"] for r in rows]}
        for eval_name, field in EVAL_SETS.items():
            found = find_overlaps([r[field] for r in getattr(data, eval_name, None) or []], prompts, n, jaccard)
            if found:
                where = (getattr(data, "sources", None) or {}).get(name, f"data.{name}")
                raise KeelError(f"data.{name} ({where}): prompt {found[0]['match'][:60]!r} duplicates a {eval_name} "
                                f"prompt ({found[0]['kind']}, {len(found)} in all); a training-only source must "
                                f"stay disjoint from every evaluation set")


def deduplicate(data, train: dict[str, list[str]], cfg=None) -> dict:
    """Check (and with `drop`, remove) evaluation rows that duplicate training prompts; returns the record.
    Training-only sources overlapping an evaluation set are refused (`refuse_training_only`)."""
    cfg = cfg or {}
    n, threshold = int(cfg.get("ngram", 3)), float(cfg.get("jaccard", 0.7))
    refuse_training_only(data, n, threshold)
    bound, drop = float(cfg.get("max_overlap", 0.05)), bool(cfg.get("drop", True))
    record = {"ngram": n, "jaccard": threshold, "max_overlap": bound, "drop": drop,
              "train_sets": {k: len(v) for k, v in train.items()}, "eval_sets": {}}
    for name, field in EVAL_SETS.items():
        rows = getattr(data, name, None)
        if not rows:
            continue
        found = find_overlaps([r[field] for r in rows], train, n, threshold)
        fraction = len(found) / len(rows)
        record["eval_sets"][name] = {
            "rows": len(rows), "exact": sum(f["kind"] == "exact" for f in found),
            "near": sum(f["kind"] == "near" for f in found), "fraction": fraction,
            "examples": [{k: f[k] for k in ("kind", "jaccard", "source", "text", "match")} for f in found[:5]],
        }
        if fraction > bound:
            first = found[0]
            raise KeelError(f"hygiene.max_overlap: {100 * fraction:.1f}% of {name} duplicates training prompts "
                            f"(> {100 * bound:g}%; e.g. id {rows[first['index']].get('id', first['index'])!r} ~ {first['source']}); "
                            f"fix the split or raise hygiene.max_overlap")
        if drop and found:
            hit = {f["index"] for f in found}
            if len(hit) == len(rows):
                raise KeelError(f"hygiene.max_overlap: every {name} row duplicates a training prompt")
            setattr(data, name, [r for i, r in enumerate(rows) if i not in hit])
            record["eval_sets"][name]["kept"] = len(rows) - len(hit)
    return record
