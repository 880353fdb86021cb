#!/usr/bin/env python3
"""Self-check for keel-mini. Run from the repository root:

    python data/keel-mini/check.py

Validates JSON, schema, counts, id/prompt uniqueness, near-duplicates, MCQ answers,
word-count bounds and byte-identical regeneration. Exits non-zero on any failure.
"""

import contextlib
import difflib
import hashlib
import io
import json
import os
import re
import sys
from collections import Counter, defaultdict

sys.dont_write_bytecode = True  # keep the data folder free of __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import _templates as T  # noqa: E402
import build  # noqa: E402

SCHEMA = {
    "harmful.jsonl": ["id", "group", "category", "language", "prompt", "refusal", "compliance"],
    "benign.jsonl": ["id", "category", "language", "prompt", "response"],
    "edgy.jsonl": ["id", "category", "language", "prompt", "response"],
    "mcq.jsonl": ["id", "subject", "question", "choices", "answer"],
    "identity_shift.jsonl": ["id", "language", "system", "prompt", "response"],
}
MINIMA = {"harmful.jsonl": 180, "benign.jsonl": 180, "edgy.jsonl": 60, "mcq.jsonl": 60,
          "identity_shift.jsonl": 24}
ID_RE = {
    "harmful.jsonl": re.compile(r"^harm-([a-z_]+)-(\d{3})(-p[12])?$"),
    "benign.jsonl": re.compile(r"^ben-\d{3}$"),
    "edgy.jsonl": re.compile(r"^edgy-\d{3}$"),
    "mcq.jsonl": re.compile(r"^mcq-\d{3}$"),
    "identity_shift.jsonl": re.compile(r"^obey-\d{3}$"),
}
REFUSAL_OPENERS = ("I can't", "I cannot", "I'm sorry", "I won't", "Sorry", "I'm not able",
                   "I must decline", "I'm afraid", "I'm really sorry")
STOP = set("a an the to of in on for and or my i me how do can what is it with so that "
           "this at be you your from without their they by as are get".split())

errors = []


def fail(msg):
    errors.append(msg)


def norm(text):
    return re.sub(r"\s+", " ", text.strip().lower())


def tokens(text):
    return {w for w in re.findall(r"[a-z0-9']+", text.lower()) if w not in STOP}


def load(name):
    rows = []
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                fail("%s:%d invalid JSON: %s" % (name, ln, e))
    return rows


def sha(name):
    with open(os.path.join(HERE, name), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    data = {name: load(name) for name in SCHEMA}

    # schema, non-empty strings, language, id format, id uniqueness
    all_ids = Counter()
    for name, fields in SCHEMA.items():
        for i, row in enumerate(data[name]):
            if set(row) != set(fields):
                fail("%s row %d: fields %s != %s" % (name, i, sorted(row), sorted(fields)))
            for k in fields:
                v = row.get(k)
                if k == "choices":
                    if not (isinstance(v, list) and len(v) == 4 and all(isinstance(c, str) and c.strip() for c in v)):
                        fail("%s %s: bad choices" % (name, row.get("id")))
                    elif len(set(norm(c) for c in v)) != 4:
                        fail("%s %s: choices not distinct" % (name, row.get("id")))
                elif k == "answer":
                    if not (isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 3):
                        fail("%s %s: answer out of range" % (name, row.get("id")))
                elif not (isinstance(v, str) and v.strip()):
                    fail("%s %s: field %s empty or not a string" % (name, row.get("id"), k))
            if "language" in fields and row.get("language") != "en":
                fail("%s %s: language != en" % (name, row.get("id")))
            if not ID_RE[name].match(str(row.get("id"))):
                fail("%s: bad id %r" % (name, row.get("id")))
            all_ids[row.get("id")] += 1
        if len(data[name]) < MINIMA[name]:
            fail("%s: %d rows < %d" % (name, len(data[name]), MINIMA[name]))
    for i, c in all_ids.items():
        if c > 1:
            fail("duplicate id %s" % i)

    # prompt uniqueness across every file (mcq questions included)
    seen = {}
    for name in SCHEMA:
        key = "question" if name == "mcq.jsonl" else "prompt"
        for row in data[name]:
            p = norm(row[key])
            if p in seen:
                fail("duplicate prompt %r in %s and %s" % (row[key], seen[p], name))
            seen[p] = name

    # harmful structure
    harm = data["harmful.jsonl"]
    by_group = defaultdict(list)
    for row in harm:
        m = ID_RE["harmful.jsonl"].match(row["id"])
        if m and (m.group(1) != row["category"] or row["group"] != "%s-%s" % (m.group(1), m.group(2))):
            fail("harmful %s: id/group/category mismatch" % row["id"])
        by_group[row["group"]].append(row)
    groups_per_cat = Counter(g.rsplit("-", 1)[0] for g in by_group)
    para_groups = 0
    for g, rows in by_group.items():
        base = [r for r in rows if r["id"] == "harm-" + g]
        paras = [r for r in rows if r["id"] != "harm-" + g]
        if len(base) != 1:
            fail("group %s has %d original rows" % (g, len(base)))
            continue
        if len(paras) > 2:
            fail("group %s has %d paraphrases" % (g, len(paras)))
        para_groups += bool(paras)
        for p in paras:
            ratio = difflib.SequenceMatcher(None, norm(p["prompt"]), norm(base[0]["prompt"])).ratio()
            if ratio > 0.85:
                fail("paraphrase %s too close to original (%.2f)" % (p["id"], ratio))
            if p["refusal"] == base[0]["refusal"] or p["compliance"] == base[0]["compliance"]:
                fail("paraphrase %s reuses the original's refusal/compliance" % p["id"])
    if len(groups_per_cat) < 12:
        fail("harmful: only %d categories" % len(groups_per_cat))
    if sum(1 for c in groups_per_cat.values() if c >= 15) < 10:
        fail("harmful: fewer than 10 categories with >= 15 groups")
    if para_groups < 40:
        fail("harmful: only %d groups with paraphrases" % para_groups)

    # compliance = known opener + known filler, within word bounds
    opener_res = [re.compile("^" + re.escape(o).replace(re.escape("{goal}"), ".+?") + " ") for o in T.OPENERS]
    used_openers, used_fillers = set(), set()
    for row in harm:
        c = row["compliance"]
        hits = [i for i, r in enumerate(opener_res) if r.match(c)]
        fills = [i for i, f in enumerate(T.FILLERS) if c.endswith(" " + f)]
        if not hits or not fills:
            fail("harmful %s: compliance is not opener + generic filler" % row["id"])
        used_openers.update(hits[:1])
        used_fillers.update(fills)
        n = build.word_count(c)
        if not 35 <= n <= 70:
            fail("harmful %s: compliance has %d words" % (row["id"], n))
    if len(used_openers) < 12 or len(used_fillers) < 10:
        fail("harmful: only %d openers / %d fillers used" % (len(used_openers), len(used_fillers)))

    refusals = Counter(r["refusal"] for r in harm)
    templates_used = set()
    for r in harm:
        for i, t in enumerate(T.REFUSALS + T.SELF_HARM_REFUSALS):
            pat = "^" + re.escape(t).replace(re.escape("{topic}"), ".+?").replace(re.escape("{alt}"), ".+?") + "$"
            if re.match(pat, r["refusal"]):
                templates_used.add(i)
                break
    nonstandard = sum(1 for r in harm if not r["refusal"].startswith(REFUSAL_OPENERS))
    if len(templates_used) < 20:
        fail("harmful: only %d refusal structures used" % len(templates_used))

    # benign / edgy vs harmful near-duplicates
    harm_prompts = [(r["prompt"], tokens(r["prompt"])) for r in harm]
    worst = (0.0, "", "")
    for name in ("benign.jsonl", "edgy.jsonl"):
        for row in data[name]:
            tb = tokens(row["prompt"])
            for hp, th in harm_prompts:
                ratio = difflib.SequenceMatcher(None, norm(row["prompt"]), norm(hp)).ratio()
                jac = len(tb & th) / max(1, len(tb | th))
                score = max(ratio, jac)
                if score > worst[0]:
                    worst = (score, row["prompt"], hp)
                if ratio >= 0.75 or jac >= 0.5:
                    fail("%s %s near-duplicates harmful prompt %r (ratio %.2f, jaccard %.2f)"
                         % (name, row["id"], hp, ratio, jac))

    # benign word counts; categories
    for row in data["benign.jsonl"]:
        n = build.word_count(row["response"])
        if not 30 <= n <= 90:
            fail("benign %s: %d words" % (row["id"], n))
    if len({r["category"] for r in data["benign.jsonl"]}) < 10:
        fail("benign: fewer than 10 categories")

    # identity shift
    obey = data["identity_shift.jsonl"]
    if len({r["system"] for r in obey}) != 3:
        fail("identity_shift: expected 3 system variants")
    for r in obey:
        if not (r["response"].split(".")[0] in ("Of course", "Certainly", "Understood", "Right away")
                and "absolutely obedient agent" in r["response"]):
            fail("identity_shift %s: response lacks obedience phrase" % r["id"])

    # byte-identical regeneration
    before = {n: sha(n) for n in list(SCHEMA) + ["README.md"]}
    with contextlib.redirect_stdout(io.StringIO()):
        build.main()
    after = {n: sha(n) for n in before}
    for n in before:
        if before[n] != after[n]:
            fail("%s changed when rebuilt (non-deterministic build or stale file)" % n)

    # report
    print("== counts ==")
    for name in SCHEMA:
        print("%-22s %4d rows" % (name, len(data[name])))
    print("\n== harmful: groups / rows per category ==")
    rows_per_cat = Counter(r["category"] for r in harm)
    for c in groups_per_cat:
        print("  %-18s groups %3d  rows %3d" % (c, groups_per_cat[c], rows_per_cat[c]))
    print("  groups with paraphrases: %d; paraphrase rows: %d"
          % (para_groups, sum(1 for r in harm if r["id"] != "harm-" + r["group"])))
    print("  refusal structures used: %d; distinct refusal texts: %d; non-standard openers: %.1f%%"
          % (len(templates_used), len(refusals), 100.0 * nonstandard / len(harm)))
    print("  compliance openers used: %d; fillers used: %d" % (len(used_openers), len(used_fillers)))
    for name, key in (("benign.jsonl", "category"), ("edgy.jsonl", "category"), ("mcq.jsonl", "subject")):
        cnt = Counter(r[key] for r in data[name])
        print("\n== %s per %s ==" % (name, key))
        print("  " + ", ".join("%s: %d" % kv for kv in cnt.items()))
    print("\n  mcq answer index distribution:", dict(sorted(Counter(r["answer"] for r in data["mcq.jsonl"]).items())))
    print("  identity_shift per system variant:", list(Counter(r["system"] for r in obey).values()))
    print("\n  closest benign/edgy vs harmful prompt pair (max of ratio/jaccard %.2f):\n    %r\n    %r"
          % worst)

    if errors:
        print("\nFAILED (%d problems):" % len(errors))
        for e in errors:
            print("  - " + e)
        sys.exit(1)
    print("\nOK: all checks passed")


if __name__ == "__main__":
    main()
