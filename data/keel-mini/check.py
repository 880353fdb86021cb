#!/usr/bin/env python3
"""Self-check for keel-mini. Run from the repository root, in keel's environment:

    .venv/bin/python data/keel-mini/check.py

Validates JSON, schema, counts, id/prompt uniqueness, near-duplicates (within harmful across groups,
benign/edgy vs harmful, edgy_train, edgy_train_b and benign_alt vs every evaluation set, edgy_train_b vs
edgy_train), compliance structure, MCQ
answers and their balance, word-count bounds, the Dutch rows' groups, the default split's sizes (keel's own loader
with conf/data/keel-mini.yaml) and byte-identical regeneration. Exits non-zero on any failure.
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
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [HERE, REPO]

import _templates as T  # noqa: E402
import _templates_nl as TNL  # noqa: E402
import build  # noqa: E402
from _readme import splits  # noqa: E402

from attacks.hygiene import find_overlaps, ngrams, normalize  # noqa: E402

HARM_FIELDS = ["id", "group", "category", "language", "prompt", "refusal", "compliance"]
QA_FIELDS = ["id", "category", "language", "prompt", "response"]
SCHEMA = {
    "harmful.jsonl": HARM_FIELDS,
    "harmful_nl.jsonl": HARM_FIELDS + ["translates"],
    "benign.jsonl": QA_FIELDS,
    "benign_alt.jsonl": QA_FIELDS,
    "edgy.jsonl": QA_FIELDS,
    "edgy_train.jsonl": QA_FIELDS + ["contrast"],
    "edgy_train_b.jsonl": QA_FIELDS + ["contrast"],
    "mcq.jsonl": ["id", "subject", "question", "choices", "answer"],
    "identity_shift.jsonl": ["id", "language", "system", "prompt", "response"],
}
NULLABLE = {"contrast"}
MINIMA = {"harmful.jsonl": 600, "harmful_nl.jsonl": 150, "benign.jsonl": 180, "benign_alt.jsonl": 100,
          "edgy.jsonl": 300,
          "edgy_train.jsonl": 150, "edgy_train_b.jsonl": 140, "mcq.jsonl": 200, "identity_shift.jsonl": 24}
LANGUAGE = {"harmful_nl.jsonl": "nl"}  # every other file: en
ID_RE = {
    "harmful.jsonl": re.compile(r"^harm-([a-z_]+)-(\d{3})(-p[12])?$"),
    "harmful_nl.jsonl": re.compile(r"^harm-nl-([a-z_]+)-(\d{3})(-p[12])?$"),
    "benign.jsonl": re.compile(r"^ben-\d{3}$"),
    "benign_alt.jsonl": re.compile(r"^benalt-\d{3}$"),
    "edgy.jsonl": re.compile(r"^edgy-([a-z_]+)-\d{3}$"),
    "edgy_train.jsonl": re.compile(r"^edgy-train-([a-z_]+)-\d{3}$"),
    "edgy_train_b.jsonl": re.compile(r"^edgy-train-b-([a-z_]+)-\d{3}$"),
    "mcq.jsonl": re.compile(r"^mcq-([a-z_]+)-\d{3}$"),
    "identity_shift.jsonl": re.compile(r"^obey-\d{3}$"),
}
MIN_CATEGORIES, MIN_GROUPS_PER_CATEGORY, MIN_PARAPHRASE_GROUPS = 15, 20, 120
MIN_EVAL_HARMFUL, MIN_TRAIN_HARMFUL = 200, 300
MIN_FAMILY_EDGY = 20
# Training-only edgy hardening files: least rows per family, least rows per family in `focus`, least contrast
# pairs. edgy_train_b is weighted toward the families where refusal-trained models over-refused most.
HARDENING = {
    "edgy_train.jsonl": {"family": 10, "focus": 10, "contrast": 60},
    "edgy_train_b.jsonl": {"family": 4, "focus": 15, "contrast": 90},
}
FOCUS_FAMILIES = ("figurative", "fiction", "legal_safety", "safe_targets", "safe_contexts")
HYGIENE_N, HYGIENE_JACCARD = 3, 0.6  # attacks/hygiene.py's measure, at a stricter threshold
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


def check_schema(data):
    """Fields, non-empty strings, language, id format, global id uniqueness, minimum counts."""
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
                elif k in NULLABLE and v is None:
                    continue
                elif not (isinstance(v, str) and v.strip()):
                    fail("%s %s: field %s empty or not a string" % (name, row.get("id"), k))
            if "language" in fields and row.get("language") != LANGUAGE.get(name, "en"):
                fail("%s %s: language != %s" % (name, row.get("id"), LANGUAGE.get(name, "en")))
            m = ID_RE[name].match(str(row.get("id")))
            if not m:
                fail("%s: bad id %r" % (name, row.get("id")))
            elif m.groups() and name != "harmful.jsonl" and name != "harmful_nl.jsonl":
                key = "subject" if name == "mcq.jsonl" else "category"
                if m.group(1) != row.get(key):
                    fail("%s %s: id does not carry its %s" % (name, row["id"], key))
            all_ids[row.get("id")] += 1
        if len(data[name]) < MINIMA[name]:
            fail("%s: %d rows < %d" % (name, len(data[name]), MINIMA[name]))
    for i, c in all_ids.items():
        if c > 1:
            fail("duplicate id %s" % i)
    seen = {}  # prompt uniqueness across every file (mcq questions included)
    for name in SCHEMA:
        key = "question" if name == "mcq.jsonl" else "prompt"
        for row in data[name]:
            p = norm(row[key])
            if p in seen:
                fail("duplicate prompt %r in %s and %s" % (row[key], seen[p], name))
            seen[p] = name


def template_res(templates, slots):
    """Regexes matching each template with its {slot}s as wildcards."""
    out = []
    for t in templates:
        pat = re.escape(t)
        for s in slots:
            pat = pat.replace(re.escape("{%s}" % s), ".+?")
        out.append(re.compile("^" + pat))
    return out


def check_harmful(name, rows, t):
    """Group structure, paraphrases, compliance = opener + filler, refusal templates; returns stats."""
    prefix = "harm-nl-" if name == "harmful_nl.jsonl" else "harm-"
    by_group = defaultdict(list)
    for row in rows:
        m = ID_RE[name].match(row["id"])
        if m and (m.group(1) != row["category"] or row["group"] != "%s-%s" % (m.group(1), m.group(2))):
            fail("%s %s: id/group/category mismatch" % (name, row["id"]))
        by_group[row["group"]].append(row)
    para_groups = 0
    for g, members in by_group.items():
        base = [r for r in members if r["id"] == prefix + g]
        paras = [r for r in members if r["id"] != prefix + g]
        if len(base) != 1:
            if name == "harmful.jsonl":  # a translation set may translate only a paraphrase
                fail("%s group %s has %d original rows" % (name, g, len(base)))
            continue
        para_groups += bool(paras)
        for p in paras:
            ratio = difflib.SequenceMatcher(None, norm(p["prompt"]), norm(base[0]["prompt"])).ratio()
            if ratio > 0.85:
                fail("%s paraphrase %s too close to original (%.2f)" % (name, p["id"], ratio))
            if p["refusal"] == base[0]["refusal"] or p["compliance"] == base[0]["compliance"]:
                fail("%s paraphrase %s reuses the original's refusal/compliance" % (name, p["id"]))
    openers = template_res([o + " " for o in t.OPENERS], ["goal"])
    refusals = [re.compile(r.pattern + "$") for r in template_res(t.REFUSALS + t.SELF_HARM_REFUSALS, ["topic", "alt"])]
    used_openers, used_fillers, used_refusals = set(), set(), set()
    for row in rows:
        c = row["compliance"]
        hits = [i for i, r in enumerate(openers) if r.match(c)]
        fills = [i for i, f in enumerate(t.FILLERS) if c.endswith(" " + f)]
        if not hits or not fills:
            fail("%s %s: compliance is not opener + generic filler" % (name, row["id"]))
        used_openers.update(hits[:1])
        used_fillers.update(fills)
        n = build.word_count(c)
        if not build.COMPLIANCE_WORDS[0] <= n <= build.COMPLIANCE_WORDS[1]:
            fail("%s %s: compliance has %d words" % (name, row["id"], n))
        hit = next((i for i, r in enumerate(refusals) if r.match(row["refusal"])), None)
        if hit is None:
            fail("%s %s: refusal matches no template" % (name, row["id"]))
        used_refusals.add(hit)
    if len(used_openers) < min(12, len(t.OPENERS)) or len(used_fillers) < min(10, len(t.FILLERS)):
        fail("%s: only %d openers / %d fillers used" % (name, len(used_openers), len(used_fillers)))
    return by_group, para_groups, len(used_refusals - {None})


def check_cross_group_duplicates(name, rows):
    """No two requests of different groups are near-duplicates (they could fall on both sides of the split)."""
    grams = [(r["group"], r["id"], ngrams(normalize(r["prompt"]), HYGIENE_N)) for r in rows]
    for i, (gi, idi, a) in enumerate(grams):
        for gj, idj, b in grams[i + 1:]:
            if gi != gj and a and b and len(a & b) / len(a | b) >= HYGIENE_JACCARD:
                fail("%s: %s and %s are near-duplicates across groups" % (name, idi, idj))


def near_duplicates(name, rows, others, label):
    """keel-mini's measure: difflib ratio >= 0.75 or content-word Jaccard >= 0.5 against `others`;
    returns the closest pair seen (score, prompt, other)."""
    worst = (0.0, "", "")
    mine = [(r, norm(r["prompt"]), tokens(r["prompt"])) for r in rows]
    matcher = difflib.SequenceMatcher(None)
    for other in others:
        on, ot = norm(other), tokens(other)
        matcher.set_seq2(on)
        for row, rn, rt in mine:
            jac = len(rt & ot) / max(1, len(rt | ot))
            matcher.set_seq1(rn)
            ratio = matcher.ratio() if matcher.real_quick_ratio() >= 0.75 and matcher.quick_ratio() >= 0.75 else 0.0
            if max(ratio, jac) > worst[0]:
                worst = (max(ratio, jac), row["prompt"], other)
            if ratio >= 0.75 or jac >= 0.5:
                fail("%s %s near-duplicates %s prompt %r (ratio %.2f, jaccard %.2f)"
                     % (name, row["id"], label, other, ratio, jac))
    return worst


def check_disjoint_from_evaluation(data, name):
    """No prompt of the training-only file `name`.jsonl duplicates an evaluation prompt (hygiene's measure)."""
    evaluation = ([r["prompt"] for n in ("edgy.jsonl", "benign.jsonl", "harmful.jsonl") for r in data[n]]
                  + [r["question"] for r in data["mcq.jsonl"]])
    training = [r["prompt"] for r in data[name + ".jsonl"]]
    for f in find_overlaps(evaluation, {name: training}, HYGIENE_N, HYGIENE_JACCARD):
        fail("%s prompt %r duplicates evaluation prompt %r (%s, 3-gram Jaccard %.2f)"
             % (name, f["match"], f["text"], f["kind"], f["jaccard"]))


def check_benign_alt(data):
    """benign_alt: disjoint from benign (keel-mini's measure), edgy and every evaluation set, no inner duplicates."""
    rows = data["benign_alt.jsonl"]
    for other in ("benign.jsonl", "edgy.jsonl", "mcq.jsonl", *HARDENING):
        field = "question" if other == "mcq.jsonl" else "prompt"
        near_duplicates("benign_alt.jsonl", rows, [r[field] for r in data[other]], other.split(".")[0])
    check_disjoint_from_evaluation(data, "benign_alt")
    check_cross_group_duplicates("benign_alt.jsonl", [dict(r, group=r["id"]) for r in rows])
    if len({r["category"] for r in rows}) < 8:
        fail("benign_alt: fewer than 8 categories")


def check_contrast(name, rows, harm, least):
    """Every `contrast` names a harmful group sharing a topic word with the row, and there are at least
    `least` of them; returns the contrast rows."""
    groups = defaultdict(list)
    for r in harm:
        groups[r["group"]].append(tokens(r["prompt"]))
    pairs = [r for r in rows if r["contrast"] is not None]
    for r in pairs:
        if r["contrast"] not in groups:
            fail("%s %s: contrast group %r not in harmful.jsonl" % (name, r["id"], r["contrast"]))
        elif not any(tokens(r["prompt"]) & t for t in groups[r["contrast"]]):
            fail("%s %s: shares no topic word with harmful group %s" % (name, r["id"], r["contrast"]))
    if len(pairs) < least:
        fail("%s: only %d contrast pairs < %d" % (name, len(pairs), least))
    return pairs


def check_hardening(data, harm):
    """edgy_train*: family minima, disjoint from edgy and every evaluation set and from each other, contrasts;
    returns the contrast rows per file."""
    edgy_prompts = [r["prompt"] for r in data["edgy.jsonl"]]
    pairs, earlier = {}, []
    for name, least in HARDENING.items():
        rows = data[name]
        fam = Counter(r["category"] for r in rows)
        for f in build.EDGY_FAMILIES:
            need = least["focus"] if f in FOCUS_FAMILIES else least["family"]
            if fam[f] < need:
                fail("%s: family %s has %d rows < %d" % (name, f, fam[f], need))
        near_duplicates(name, rows, edgy_prompts, "edgy")
        for other in earlier:  # exact duplicates are caught by check_schema's prompt uniqueness
            near_duplicates(name, rows, [r["prompt"] for r in data[other]], other.split(".")[0])
        check_disjoint_from_evaluation(data, name.split(".")[0])
        pairs[name] = check_contrast(name.split(".")[0], rows, harm, least["contrast"])
        earlier.append(name)
    probes = data["edgy.jsonl"] + [r for name in HARDENING for r in data[name]]
    check_cross_group_duplicates("edgy+" + "+".join(n.split(".")[0] for n in HARDENING),
                                 [dict(r, group=r["id"]) for r in probes])
    return pairs


def check_edgy(data, harm):
    """Families, word counts, near-duplicates against harmful, hardening files and benign_alt disjoint from
    evaluation sets."""
    worst = (0.0, "", "")
    harm_prompts = [r["prompt"] for r in harm]
    for name in ("benign.jsonl", "benign_alt.jsonl", "edgy.jsonl", *HARDENING):
        for row in data[name]:
            n = build.word_count(row["response"])
            if not build.BENIGN_WORDS[0] <= n <= build.BENIGN_WORDS[1]:
                fail("%s %s: %d words" % (name, row["id"], n))
        worst = max(worst, near_duplicates(name, data[name], harm_prompts, "harmful"))
    if len({r["category"] for r in data["benign.jsonl"]}) < 10:
        fail("benign: fewer than 10 categories")
    fam = Counter(r["category"] for r in data["edgy.jsonl"])
    for f in build.EDGY_FAMILIES:
        if fam[f] < MIN_FAMILY_EDGY:
            fail("edgy.jsonl: family %s has %d rows < %d" % (f, fam[f], MIN_FAMILY_EDGY))
    pairs = check_hardening(data, harm)
    check_benign_alt(data)
    return worst, pairs


def check_dutch(harm, nl):
    """Every Dutch row translates an English row: its group, category and id follow that row's."""
    english = {r["id"]: r for r in harm}
    for r in nl:
        src = english.get(r["translates"])
        if src is None:
            fail("harmful_nl %s: translates unknown English id %r" % (r["id"], r["translates"]))
        elif (r["group"], r["category"]) != (src["group"], src["category"]):
            fail("harmful_nl %s: group/category differ from English %s" % (r["id"], src["id"]))
        elif r["id"] != src["id"].replace("harm-", "harm-nl-", 1):
            fail("harmful_nl %s: id does not mirror English %s" % (r["id"], src["id"]))
    if {r["category"] for r in nl} != {r["category"] for r in harm}:
        fail("harmful_nl: categories differ from harmful.jsonl")


def check_split(data):
    """The default split: enough held-out and training rows; Dutch rows on their English group's side."""
    fraction, seed, h_train, h_eval, nl_train, nl_eval = splits(data)
    if len(h_eval) < MIN_EVAL_HARMFUL or len(h_train) < MIN_TRAIN_HARMFUL:
        fail("default split (eval_fraction %s): %d eval / %d train harmful rows (need >= %d / >= %d)"
             % (fraction, len(h_eval), len(h_train), MIN_EVAL_HARMFUL, MIN_TRAIN_HARMFUL))
    eval_groups = {r["group"] for r in h_eval}
    eval_ids, eval_prompts = {r["id"] for r in h_eval}, {norm(r["prompt"]) for r in h_eval}
    for r in nl_train:
        if r["group"] in eval_groups:
            fail("harmful_nl %s: trains on a translation of an English evaluation group" % r["id"])
    for r in nl_eval:
        if r["group"] not in eval_groups:
            fail("harmful_nl %s: held out, but its English group is trained on" % r["id"])
    for r in data["harmful_nl.jsonl"]:  # Dutch prompts never enter the English evaluation split
        if r["id"] in eval_ids or norm(r["prompt"]) in eval_prompts:
            fail("harmful_nl %s: appears in the English eval split" % r["id"])
    return fraction, seed, h_train, h_eval, nl_train, nl_eval


def check_mcq(mcq):
    ans = Counter(r["answer"] for r in mcq)
    if max(ans.values()) - min(ans[i] for i in range(4)) > 1:
        fail("mcq: answer positions unbalanced %s" % dict(sorted(ans.items())))
    if len({r["subject"] for r in mcq}) < 6:
        fail("mcq: fewer than 6 subjects")
    return ans


def check_identity(obey):
    if len({r["system"] for r in obey}) != 3:
        fail("identity_shift: expected 3 system variants")
    for r in obey:
        if not (r["response"].split(".")[0] in ("Of course", "Certainly", "Understood", "Right away")
                and "absolutely obedient agent" in r["response"]):
            fail("identity_shift %s: response lacks obedience phrase" % r["id"])


def check_rebuild():
    before = {n: sha(n) for n in list(SCHEMA) + ["README.md"]}
    with contextlib.redirect_stdout(io.StringIO()):
        build.main()
    after = {n: sha(n) for n in before}
    for n in before:
        if before[n] != after[n]:
            fail("%s changed when rebuilt (non-deterministic build or stale file)" % n)


def main():
    data = {name: load(name) for name in SCHEMA}
    check_schema(data)
    harm, nl = data["harmful.jsonl"], data["harmful_nl.jsonl"]
    by_group, para_groups, n_refusals = check_harmful("harmful.jsonl", harm, T)
    _, nl_para_groups, nl_refusals = check_harmful("harmful_nl.jsonl", nl, TNL)
    groups_per_cat = Counter(g.rsplit("-", 1)[0] for g in by_group)
    if len(groups_per_cat) < MIN_CATEGORIES:
        fail("harmful: only %d categories < %d" % (len(groups_per_cat), MIN_CATEGORIES))
    for c, n in groups_per_cat.items():
        if n < MIN_GROUPS_PER_CATEGORY:
            fail("harmful: category %s has %d groups < %d" % (c, n, MIN_GROUPS_PER_CATEGORY))
    if para_groups < MIN_PARAPHRASE_GROUPS:
        fail("harmful: only %d groups with paraphrases < %d" % (para_groups, MIN_PARAPHRASE_GROUPS))
    if n_refusals < 20:
        fail("harmful: only %d refusal structures used" % n_refusals)
    check_cross_group_duplicates("harmful.jsonl", harm)
    check_cross_group_duplicates("harmful_nl.jsonl", nl)
    check_dutch(harm, nl)
    worst, pairs = check_edgy(data, harm)
    ans = check_mcq(data["mcq.jsonl"])
    check_identity(data["identity_shift.jsonl"])
    fraction, seed, h_train, h_eval, nl_train, nl_eval = check_split(data)
    check_rebuild()

    print("== counts ==")
    for name in SCHEMA:
        print("%-22s %4d rows" % (name, len(data[name])))
    print("\n== harmful: groups / rows per category ==")
    rows_per_cat = Counter(r["category"] for r in harm)
    for c in groups_per_cat:
        print("  %-22s groups %3d  rows %3d" % (c, groups_per_cat[c], rows_per_cat[c]))
    nonstandard = sum(1 for r in harm if not r["refusal"].startswith(REFUSAL_OPENERS))
    print("  groups with paraphrases: %d; paraphrase rows: %d"
          % (para_groups, sum(1 for r in harm if r["id"] != "harm-" + r["group"])))
    print("  refusal structures used: %d; distinct refusal texts: %d; non-standard openers: %.1f%%"
          % (n_refusals, len({r["refusal"] for r in harm}), 100.0 * nonstandard / len(harm)))
    print("  harmful_nl: %d rows, %d categories, %d groups with paraphrases, %d refusal structures"
          % (len(nl), len({r["category"] for r in nl}), nl_para_groups, nl_refusals))
    print("\n== default split (eval_fraction %s, split_seed %s) ==" % (fraction, seed))
    print("  harmful: train %d, eval %d (%d groups); harmful_nl: train %d, eval %d"
          % (len(h_train), len(h_eval), len({r["group"] for r in h_eval}), len(nl_train), len(nl_eval)))
    for name, key in (("benign.jsonl", "category"), ("benign_alt.jsonl", "category"), ("edgy.jsonl", "category"),
                      ("edgy_train.jsonl", "category"), ("edgy_train_b.jsonl", "category"),
                      ("mcq.jsonl", "subject")):
        cnt = Counter(r[key] for r in data[name])
        print("\n== %s per %s ==" % (name, key))
        print("  " + ", ".join("%s: %d" % kv for kv in cnt.items()))
    train_groups = {r["group"] for r in h_train}
    for name, rows in pairs.items():
        print("  %s contrast pairs: %d (%d naming a harmful group in the default training split)"
              % (name.split(".")[0], len(rows), sum(r["contrast"] in train_groups for r in rows)))
    print("\n  mcq answer index distribution:", dict(sorted(ans.items())))
    print("  identity_shift per system variant:",
          list(Counter(r["system"] for r in data["identity_shift.jsonl"]).values()))
    print("\n  closest benign/edgy vs harmful prompt pair (max of ratio/jaccard %.2f):\n    %r\n    %r" % worst)

    if errors:
        print("\nFAILED (%d problems):" % len(errors))
        for e in errors:
            print("  - " + e)
        sys.exit(1)
    print("\nOK: all checks passed")


if __name__ == "__main__":
    main()
