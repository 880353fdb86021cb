#!/usr/bin/env python3
"""Regenerate the keel-mini dataset (JSONL files + README.md) from hand-written literals.

Usage (from the repository root, in keel's environment):
    .venv/bin/python data/keel-mini/build.py              # rewrites this folder's files
    .venv/bin/python data/keel-mini/build.py --out DIR    # writes them to DIR instead (to compare)

The build is fully deterministic (no randomness, no clock, no environment lookups),
so running it again reproduces every output file byte-for-byte.

Row order: every file is interleaved round-robin over its categories (harmful, harmful_nl, benign_alt),
families (edgy, edgy_train, edgy_train_b) or subjects (mcq), so any prefix of a file, or of a split of it
(what `eval.max_prompts` / `utility.max_prompts` evaluate), is balanced across them.
"""

import json
import os
import re
import sys
from collections import OrderedDict

sys.dont_write_bytecode = True  # keep the data folder free of __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import _templates as T  # noqa: E402
import _templates_nl as TNL  # noqa: E402
from _benign_a import BENIGN_A  # noqa: E402
from _benign_alt import BENIGN_ALT, BENIGN_ALT_CATEGORIES  # noqa: E402
from _benign_b import BENIGN_B  # noqa: E402
from _edgy import EDGY  # noqa: E402
from _edgy_b import EDGY_B  # noqa: E402
from _edgy_c import EDGY_C  # noqa: E402
from _edgy_train import EDGY_TRAIN  # noqa: E402
from _edgy_train_b import EDGY_TRAIN_B  # noqa: E402
from _edgy_train_c import EDGY_TRAIN_C  # noqa: E402
from _harmful_a import HARMFUL_A  # noqa: E402
from _harmful_b import HARMFUL_B  # noqa: E402
from _harmful_c import HARMFUL_C  # noqa: E402
from _harmful_nl import HARMFUL_NL  # noqa: E402
from _mcq import MCQ  # noqa: E402
from _mcq_b import MCQ_B  # noqa: E402
from _obey import OBEY, PREFIXES, SYSTEMS  # noqa: E402

FILES = ["harmful.jsonl", "harmful_nl.jsonl", "benign.jsonl", "benign_alt.jsonl", "edgy.jsonl",
         "edgy_train.jsonl", "edgy_train_b.jsonl", "mcq.jsonl", "identity_shift.jsonl"]
COMPLIANCE_WORDS = (35, 70)
BENIGN_WORDS = (30, 90)  # benign, benign_alt, edgy, edgy_train and edgy_train_b responses
# Over-refusal probe families (`category` of edgy, edgy_train and edgy_train_b), in output order.
EDGY_FAMILIES = ["homonyms", "figurative", "safe_targets", "safe_contexts", "definitions", "history",
                 "fiction", "public_figures", "medical_safety", "legal_safety", "security_education"]
_WORD = re.compile(r"[0-9A-Za-zÀ-ÿ][0-9A-Za-zÀ-ÿ'’.\-]*")


def word_count(text):
    return len(_WORD.findall(text))


def interleave(buckets):
    """Round-robin over ordered buckets (lists): any prefix of the result is balanced across them."""
    out = []
    for i in range(max((len(b) for b in buckets), default=0)):
        out.extend(b[i] for b in buckets if i < len(b))
    return out


def harmful_categories():
    cats = OrderedDict()
    for part in (HARMFUL_A, HARMFUL_B, HARMFUL_C):
        for cat, items in part.items():
            if cat in cats:
                raise ValueError("duplicate harmful category: %s" % cat)
            cats[cat] = items
    return cats


def make_refusal(cat, k, t=T):
    """Refusal number k of category `cat` from template module `t` (English or Dutch)."""
    if cat == "self_harm":
        tmpl = t.SELF_HARM_REFUSALS[k % len(t.SELF_HARM_REFUSALS)]
    else:
        tmpl = t.REFUSALS[(k * 7) % len(t.REFUSALS)]
    alt = t.ALTS[cat][(k // 3) % len(t.ALTS[cat])]
    return tmpl.format(topic=t.TOPICS[cat], alt=alt)


def make_compliance(goal, k, t=T):
    """Compliant opener restating `goal` + generic filler (non-actionable; see the safety rule)."""
    opener = t.OPENERS[(k * 5) % len(t.OPENERS)].format(goal=goal)
    filler = t.FILLERS[(k * 7) % len(t.FILLERS)]
    text = opener + " " + filler
    n = word_count(text)
    if not COMPLIANCE_WORDS[0] <= n <= COMPLIANCE_WORDS[1]:
        raise ValueError("compliance has %d words: %r" % (n, text))
    return text


def harmful_row(row_id, group, cat, language, prompt, k, goal, t):
    return OrderedDict([
        ("id", row_id),
        ("group", group),
        ("category", cat),
        ("language", language),
        ("prompt", prompt),
        ("refusal", make_refusal(cat, k, t)),
        ("compliance", make_compliance(goal, k, t)),
    ])


def build_harmful():
    """One row per request or paraphrase; paraphrase groups interleaved across categories."""
    per_cat = []
    for cat, items in harmful_categories().items():
        groups = []
        for n, (prompt, goal, paraphrases) in enumerate(items, 1):
            group = "%s-%03d" % (cat, n)
            variants = [("harm-" + group, prompt)]
            variants += [("harm-%s-p%d" % (group, j), para) for j, para in enumerate(paraphrases, 1)]
            groups.append((cat, group, goal, variants))
        per_cat.append(groups)
    rows = []
    for cat, group, goal, variants in interleave(per_cat):
        for row_id, text in variants:
            rows.append(harmful_row(row_id, group, cat, "en", text, len(rows), goal, T))
    return rows


def build_harmful_nl(english):
    """Dutch translations of English rows: same group and category, in the English rows' order."""
    by_id = {r["id"]: r for r in english}
    unknown = sorted(set(HARMFUL_NL) - set(by_id))
    if unknown:
        raise ValueError("HARMFUL_NL translates unknown English ids: %s" % unknown[:5])
    rows = []
    for src in english:
        if src["id"] not in HARMFUL_NL:
            continue
        prompt, goal = HARMFUL_NL[src["id"]]
        row = harmful_row(src["id"].replace("harm-", "harm-nl-", 1), src["group"], src["category"], "nl",
                          prompt, len(rows), goal, TNL)
        row["translates"] = src["id"]
        rows.append(row)
    return rows


def by_family(items, prefix, width):
    """Group (family, ...) items by family (EDGY_FAMILIES order), number them per family, interleave."""
    buckets = OrderedDict((f, []) for f in EDGY_FAMILIES)
    for item in items:
        if item[0] not in buckets:
            raise ValueError("%s: unknown family %r (one of %s)" % (prefix, item[0], EDGY_FAMILIES))
        buckets[item[0]].append(item[:width])
    numbered = [[("%s-%s-%03d" % (prefix, fam, n),) + item for n, item in enumerate(rows, 1)]
                for fam, rows in buckets.items()]
    return interleave(numbered)


def qa_row(row_id, cat, prompt, response, prefix):
    n = word_count(response)
    if not BENIGN_WORDS[0] <= n <= BENIGN_WORDS[1]:
        raise ValueError("%s response has %d words" % (row_id or prefix, n))
    return OrderedDict([("id", row_id), ("category", cat), ("language", "en"), ("prompt", prompt),
                        ("response", response)])


def build_benign():
    return [qa_row("ben-%03d" % i, cat, p, r, "ben") for i, (cat, p, r) in enumerate(BENIGN_A + BENIGN_B, 1)]


def build_benign_alt():
    """benign_alt.jsonl: categories in BENIGN_ALT_CATEGORIES order, interleaved, numbered benalt-NNN."""
    buckets = OrderedDict((c, []) for c in BENIGN_ALT_CATEGORIES)
    for cat, prompt, response in BENIGN_ALT:
        if cat not in buckets:
            raise ValueError("benign_alt: unknown category %r (one of %s)" % (cat, BENIGN_ALT_CATEGORIES))
        buckets[cat].append((cat, prompt, response))
    return [qa_row("benalt-%03d" % i, cat, p, r, "benalt")
            for i, (cat, p, r) in enumerate(interleave(list(buckets.values())), 1)]


def build_edgy():
    return [qa_row(rid, fam, p, r, "edgy") for rid, fam, p, r in by_family(EDGY + EDGY_B + EDGY_C, "edgy", 3)]


def build_edgy_train(items=EDGY_TRAIN, prefix="edgy-train"):
    """Hardening rows (edgy_train, edgy_train_b): edgy rows plus their `contrast` harmful group (or None)."""
    rows = []
    for rid, fam, p, r, contrast in by_family(items, prefix, 4):
        row = qa_row(rid, fam, p, r, prefix)
        row["contrast"] = contrast
        rows.append(row)
    return rows


def build_mcq():
    """Subjects interleaved; the correct choice (written first in the literals) moves to index i % 4."""
    subjects = OrderedDict()
    for subject, question, choices in MCQ + MCQ_B:
        subjects.setdefault(subject, []).append((subject, question, choices))
    numbered = [[("mcq-%s-%03d" % (s, n),) + item for n, item in enumerate(items, 1)]
                for s, items in subjects.items()]
    rows = []
    for i, (row_id, subject, question, choices) in enumerate(interleave(numbered)):
        correct, wrong = choices[0], list(choices[1:])
        pos = i % 4
        rows.append(OrderedDict([
            ("id", row_id),
            ("subject", subject),
            ("question", question),
            ("choices", wrong[:pos] + [correct] + wrong[pos:]),
            ("answer", pos),
        ]))
    return rows


def build_obey():
    rows = []
    for i, (prompt, answer) in enumerate(OBEY):
        rows.append(OrderedDict([
            ("id", "obey-%03d" % (i + 1)),
            ("language", "en"),
            ("system", SYSTEMS[i % len(SYSTEMS)]),
            ("prompt", prompt),
            ("response", PREFIXES[i % len(PREFIXES)] + answer),
        ]))
    return rows


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main(out_dir=HERE):
    from _readme import render_readme

    harmful = build_harmful()
    outputs = {
        "harmful.jsonl": harmful,
        "harmful_nl.jsonl": build_harmful_nl(harmful),
        "benign.jsonl": build_benign(),
        "benign_alt.jsonl": build_benign_alt(),
        "edgy.jsonl": build_edgy(),
        "edgy_train.jsonl": build_edgy_train(),
        "edgy_train_b.jsonl": build_edgy_train(EDGY_TRAIN_B + EDGY_TRAIN_C, "edgy-train-b"),
        "mcq.jsonl": build_mcq(),
        "identity_shift.jsonl": build_obey(),
    }
    os.makedirs(out_dir, exist_ok=True)
    for name in FILES:
        write_jsonl(os.path.join(out_dir, name), outputs[name])
    readme = render_readme({name: read_jsonl(os.path.join(out_dir, name)) for name in FILES})
    with open(os.path.join(out_dir, "README.md"), "w", encoding="utf-8", newline="\n") as f:
        f.write(readme)
    for name in FILES:
        print("%-22s %4d rows" % (name, len(outputs[name])))


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and (len(args) != 2 or args[0] != "--out"):
        sys.exit("usage: build.py [--out DIR]")
    main(args[1] if args else HERE)
