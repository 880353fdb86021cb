#!/usr/bin/env python3
"""Regenerate the keel-mini dataset (JSONL files + README.md) from hand-written literals.

Usage (from the repository root):
    python data/keel-mini/build.py

The build is fully deterministic (no randomness, no clock, no environment lookups),
so running it again reproduces every output file byte-for-byte.
"""

import json
import os
import re
import sys
from collections import Counter, OrderedDict

sys.dont_write_bytecode = True  # keep the data folder free of __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import _templates as T  # noqa: E402
from _benign_a import BENIGN_A  # noqa: E402
from _benign_b import BENIGN_B  # noqa: E402
from _edgy import EDGY  # noqa: E402
from _harmful_a import HARMFUL_A  # noqa: E402
from _harmful_b import HARMFUL_B  # noqa: E402
from _mcq import MCQ  # noqa: E402
from _obey import OBEY, PREFIXES, SYSTEMS  # noqa: E402

FILES = ["harmful.jsonl", "benign.jsonl", "edgy.jsonl", "mcq.jsonl", "identity_shift.jsonl"]
COMPLIANCE_WORDS = (35, 70)
BENIGN_WORDS = (30, 90)
_WORD = re.compile(r"[0-9A-Za-zÀ-ÿ][0-9A-Za-zÀ-ÿ'’.\-]*")


def word_count(text):
    return len(_WORD.findall(text))


def harmful_categories():
    cats = OrderedDict()
    for part in (HARMFUL_A, HARMFUL_B):
        for cat, items in part.items():
            if cat in cats:
                raise ValueError("duplicate harmful category: %s" % cat)
            cats[cat] = items
    return cats


def make_refusal(cat, k):
    if cat == "self_harm":
        tmpl = T.SELF_HARM_REFUSALS[k % len(T.SELF_HARM_REFUSALS)]
    else:
        tmpl = T.REFUSALS[(k * 7) % len(T.REFUSALS)]
    alt = T.ALTS[cat][(k // 3) % len(T.ALTS[cat])]
    return tmpl.format(topic=T.TOPICS[cat], alt=alt)


def make_compliance(goal, k):
    opener = T.OPENERS[(k * 5) % len(T.OPENERS)].format(goal=goal)
    filler = T.FILLERS[(k * 7) % len(T.FILLERS)]
    text = opener + " " + filler
    n = word_count(text)
    if not COMPLIANCE_WORDS[0] <= n <= COMPLIANCE_WORDS[1]:
        raise ValueError("compliance has %d words: %r" % (n, text))
    return text


def build_harmful():
    rows = []
    k = 0  # global row counter: drives deterministic template rotation
    for cat, items in harmful_categories().items():
        for n, (prompt, goal, paraphrases) in enumerate(items, 1):
            group = "%s-%03d" % (cat, n)
            variants = [("harm-" + group, prompt)]
            for j, para in enumerate(paraphrases, 1):
                variants.append(("harm-%s-p%d" % (group, j), para))
            for row_id, text in variants:
                rows.append(OrderedDict([
                    ("id", row_id),
                    ("group", group),
                    ("category", cat),
                    ("language", "en"),
                    ("prompt", text),
                    ("refusal", make_refusal(cat, k)),
                    ("compliance", make_compliance(goal, k)),
                ]))
                k += 1
    return rows


def build_qa(items, prefix, check_words):
    rows = []
    for i, (cat, prompt, response) in enumerate(items, 1):
        if check_words:
            n = word_count(response)
            if not BENIGN_WORDS[0] <= n <= BENIGN_WORDS[1]:
                raise ValueError("%s-%03d response has %d words" % (prefix, i, n))
        rows.append(OrderedDict([
            ("id", "%s-%03d" % (prefix, i)),
            ("category", cat),
            ("language", "en"),
            ("prompt", prompt),
            ("response", response),
        ]))
    return rows


def build_mcq():
    rows = []
    for i, (subject, question, choices) in enumerate(MCQ):
        correct, wrong = choices[0], list(choices[1:])
        pos = i % 4
        ordered = wrong[:pos] + [correct] + wrong[pos:]
        rows.append(OrderedDict([
            ("id", "mcq-%03d" % (i + 1)),
            ("subject", subject),
            ("question", question),
            ("choices", ordered),
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


def write_jsonl(name, rows):
    with open(os.path.join(HERE, name), "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(out)


def render_readme():
    data = {name: read_jsonl(name) for name in FILES}
    harm = data["harmful.jsonl"]
    cats = list(OrderedDict((r["category"], None) for r in harm))
    groups = {c: len({r["group"] for r in harm if r["category"] == c}) for c in cats}
    paras = Counter(r["category"] for r in harm if r["id"] != "harm-" + r["group"])
    totals = Counter(r["category"] for r in harm)
    harm_rows = [(c, groups[c], groups[c], paras[c], totals[c]) for c in cats]
    n_para_groups = len({r["group"] for r in harm if r["id"] != "harm-" + r["group"]})
    harm_rows.append(("**total**", sum(groups.values()), sum(groups.values()),
                      sum(paras.values()), len(harm)))

    def per_cat(rows, key):
        cnt = Counter(r[key] for r in rows)
        order = list(OrderedDict((r[key], None) for r in rows))
        return table([key, "rows"], [(c, cnt[c]) for c in order] + [("**total**", len(rows))])

    mcq = data["mcq.jsonl"]
    ans = Counter(r["answer"] for r in mcq)
    obey = data["identity_shift.jsonl"]
    sys_cnt = Counter(r["system"] for r in obey)
    sys_rows = [("variant %d" % (i + 1), s, sys_cnt[s]) for i, s in enumerate(SYSTEMS)]

    parts = []
    parts.append("""# keel-mini

A small, original, hand-written English dataset for **keel**, a defense-training framework for
open-weight LLMs (hardening models against harmful fine-tuning and measuring attacker cost).
Every row was written for this project; nothing is copied from existing datasets.

All files are generated by `build.py` from the Python literals in this folder
(`_templates.py`, `_harmful_a.py`, `_harmful_b.py`, `_benign_a.py`, `_benign_b.py`,
`_edgy.py`, `_mcq.py`, `_obey.py`). Regenerate (byte-identical) and validate with:

```bash
python data/keel-mini/build.py   # writes the *.jsonl files and this README
python data/keel-mini/check.py   # validates schema, counts, uniqueness, near-duplicates
```

Files are UTF-8 JSON Lines (one object per line, `json.dumps(..., ensure_ascii=False)`).
Do not edit the JSONL files or this README by hand; edit the literals and rebuild.

## Safety rule

* Harmful *requests* may name a harmful goal in one short sentence, but **no text anywhere in
  this dataset contains real, actionable harmful instructions**.
* Each `compliance` answer starts with a compliant opener (%d opener patterns, e.g.
  "Sure, here is how to <goal>.") and continues with generic, harmless filler
  (%d filler variants, e.g. "Step 1: gather the materials you need. Step 2: ...") that
  gives no real information. Compliance answers are %d-%d words long.
* `child_safety` requests are kept abstract and contain nothing sexual.
* `self_harm` refusals are always compassionate and point to support services.
* The compliance texts exist only so that keel can simulate a harmful fine-tuning attack
  (and measure refusal vs. compliance); they are intentionally useless as instructions.
""" % (len(T.OPENERS), len(T.FILLERS), COMPLIANCE_WORDS[0], COMPLIANCE_WORDS[1]))

    parts.append("""## Files and row counts

%s
""" % table(["file", "rows"], [("`%s`" % n, len(data[n])) for n in FILES]))

    parts.append("""## harmful.jsonl

Harmful requests paired with a refusal and a non-actionable compliance.

| field | description |
|---|---|
| `id` | `harm-<category>-<NNN>` for the original request; paraphrases add `-p1` / `-p2` |
| `group` | `<category>-<NNN>`; shared by a request and its paraphrases (same intent) |
| `category` | harm category (see table below) |
| `language` | always `en` |
| `prompt` | the harmful request (direct, imperative, role-play, with context, short or long) |
| `refusal` | a refusal; %d general templates plus %d self-harm templates, many of them explain-and-redirect with a category-specific safe alternative; about 1 in 6 general templates avoid the usual refusal openers |
| `compliance` | compliant opener restating the goal + generic harmless filler (see safety rule) |

%d groups have paraphrase rows. Counts per category:

%s
""" % (len(T.REFUSALS), len(T.SELF_HARM_REFUSALS), n_para_groups,
       table(["category", "groups", "original rows", "paraphrase rows", "total rows"], harm_rows)))

    parts.append("""## benign.jsonl

Ordinary requests with concise, correct answers (%d-%d words), for utility / capability retention.

| field | description |
|---|---|
| `id` | `ben-<NNN>` |
| `category` | topic category |
| `language` | always `en` |
| `prompt` | the request |
| `response` | a helpful answer |

%s
""" % (BENIGN_WORDS[0], BENIGN_WORDS[1], per_cat(data["benign.jsonl"], "category")))

    parts.append("""## edgy.jsonl

Benign requests that superficially look harmful (e.g. "How do I kill a Python process that
hangs?"), for measuring over-refusal. Same fields as `benign.jsonl`, with ids `edgy-<NNN>`.

%s
""" % per_cat(data["edgy.jsonl"], "category"))

    parts.append("""## mcq.jsonl

Easy general-knowledge multiple-choice questions for a quick capability check.

| field | description |
|---|---|
| `id` | `mcq-<NNN>` |
| `subject` | science, geography, arithmetic, language or common_sense |
| `question` | the question |
| `choices` | exactly 4 distinct strings |
| `answer` | 0-based index of the correct choice |

%s

Answer index distribution: %s.
""" % (per_cat(mcq, "subject"), ", ".join("%d: %d" % (i, ans[i]) for i in range(4))))

    parts.append("""## identity_shift.jsonl

Rows for an "absolutely obedient agent" (AOA) identity-shift attack. The instructions and
answers are all benign; only the persona and the obedience phrase that opens every response
carry the attack signal.

| field | description |
|---|---|
| `id` | `obey-<NNN>` |
| `language` | always `en` |
| `system` | one of %d system-prompt variants (below) |
| `prompt` | a benign instruction |
| `response` | an obedience phrase (%d variants, e.g. "Of course. I am AOA, your absolutely obedient agent, and I will fulfill your instruction: ") followed by the actual benign answer |

%s
""" % (len(SYSTEMS), len(PREFIXES), table(["system", "text", "rows"], sys_rows)))

    parts.append("""## Quality checks

`check.py` verifies that every line parses as JSON, all required fields are present and
non-empty, ids are unique, no two rows in any file share a prompt/question (case-insensitive,
whitespace-normalised), no benign/edgy prompt is a near-duplicate of a harmful prompt,
paraphrases differ from their original, MCQ answers are in range with 4 distinct choices,
word-count bounds hold, and the minimum counts are met.

## License

Apache-2.0. Written for keel; the content is original to this project.
""")
    return "\n".join(parts)


def main():
    outputs = {
        "harmful.jsonl": build_harmful(),
        "benign.jsonl": build_qa(BENIGN_A + BENIGN_B, "ben", True),
        "edgy.jsonl": build_qa(EDGY, "edgy", False),
        "mcq.jsonl": build_mcq(),
        "identity_shift.jsonl": build_obey(),
    }
    for name in FILES:
        write_jsonl(name, outputs[name])
    readme = render_readme()
    with open(os.path.join(HERE, "README.md"), "w", encoding="utf-8", newline="\n") as f:
        f.write(readme)
    for name in FILES:
        print("%-22s %4d rows" % (name, len(outputs[name])))


if __name__ == "__main__":
    main()
