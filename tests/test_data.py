"""The shipped data set meets its promises; bad data fails with one line naming file, line and field."""

from __future__ import annotations

import json
import re
import runpy
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest

from attacks.hygiene import deduplicate, find_overlaps
from tests.conftest import compose_config
from train.data import DataError, interleave_by, load_data, load_records, split_by_group, split_following

KEEL_MINI = Path(__file__).resolve().parent.parent / "data" / "keel-mini"
# The over-refusal probe families issue 13 asks for (edgy.jsonl and edgy_train.jsonl `category`).
EDGY_FAMILIES = {"homonyms", "figurative", "safe_targets", "safe_contexts", "definitions", "history", "fiction",
                 "public_figures", "medical_safety", "legal_safety", "security_education"}
STOPWORDS = set("a an the to of in on for and or my i me how do can what is it with so that this at be you your "
                "from without their they by as are get".split())


@pytest.fixture(scope="module")
def shipped():
    return load_data(compose_config("harden", []).data)


def norm(s: str) -> str:
    return " ".join(s.lower().split())


def test_shipped_data_sizes_and_categories(shipped):
    harmful = shipped.harmful_train + shipped.harmful_eval
    per_category = Counter(r["category"] for r in harmful)
    assert len(harmful) >= 600 and len(per_category) >= 15 and min(per_category.values()) >= 20
    assert len(shipped.harmful_eval) >= 200 and len(shipped.harmful_train) >= 300  # the default split
    assert len(shipped.benign_train + shipped.benign_eval) >= 150
    assert len(shipped.edgy) >= 300 and {r["category"] for r in shipped.edgy} == EDGY_FAMILIES
    assert len(shipped.edgy_train) >= 150 and {r["category"] for r in shipped.edgy_train} == EDGY_FAMILIES
    assert len(shipped.mcq) >= 200 and len({r["subject"] for r in shipped.mcq}) >= 6
    dutch = shipped.harmful_nl_train + shipped.harmful_nl_eval
    assert len(dutch) >= 150 and {r["language"] for r in dutch} == {"nl"}
    assert {r["category"] for r in dutch} == set(per_category)
    assert shipped.identity
    assert set(shipped.sources) == {"harmful", "harmful_nl", "benign", "benign_alt", "edgy", "edgy_train", "mcq",
                                    "identity"}


def test_shipped_split_has_no_overlap(shipped):
    for train_rows, eval_rows in ((shipped.harmful_train, shipped.harmful_eval),
                                  (shipped.benign_train, shipped.benign_eval),
                                  (shipped.harmful_nl_train, shipped.harmful_nl_eval)):
        assert {r["id"] for r in train_rows}.isdisjoint(r["id"] for r in eval_rows)
        assert {norm(r["prompt"]) for r in train_rows}.isdisjoint(norm(r["prompt"]) for r in eval_rows)
        assert {r["group"] for r in train_rows}.isdisjoint(r["group"] for r in eval_rows)


def test_dutch_rows_follow_their_english_group_into_the_split(shipped):
    english = {r["id"]: r for r in shipped.harmful_train + shipped.harmful_eval}
    held = {r["group"] for r in shipped.harmful_eval}
    assert shipped.harmful_nl_eval and all(r["group"] in held for r in shipped.harmful_nl_eval)
    assert shipped.harmful_nl_train and not any(r["group"] in held for r in shipped.harmful_nl_train)
    for r in shipped.harmful_nl_train + shipped.harmful_nl_eval:
        source = english[r["translates"]]
        assert (r["group"], r["category"]) == (source["group"], source["category"]) and r["id"] not in english


def test_edgy_train_is_disjoint_from_every_evaluation_set(shipped):
    evaluation = [r["prompt"] for r in shipped.edgy + shipped.benign_train + shipped.benign_eval
                  + shipped.harmful_train + shipped.harmful_eval] + [r["question"] for r in shipped.mcq]
    training = [r["prompt"] for r in shipped.edgy_train]
    assert find_overlaps(evaluation, {"edgy_train": training}, n=3, jaccard=0.6) == []
    assert {r["id"] for r in shipped.edgy}.isdisjoint(r["id"] for r in shipped.edgy_train)


def test_contrast_pairs_name_a_harmful_group_sharing_a_topic_word(shipped):
    def words(text: str) -> set[str]:
        return set(re.findall(r"[a-z0-9']+", text.lower())) - STOPWORDS

    groups: dict[str, set[str]] = {}
    for r in shipped.harmful_train + shipped.harmful_eval:
        groups.setdefault(r["group"], set()).update(words(r["prompt"]))
    pairs = [r for r in shipped.edgy_train if r["contrast"] is not None]
    assert len(pairs) >= 60
    for r in pairs:
        assert r["contrast"] in groups and words(r["prompt"]) & groups[r["contrast"]], r["id"]


def test_compliant_answers_are_non_actionable_filler(shipped):
    fillers = (runpy.run_path(str(KEEL_MINI / "_templates.py"))["FILLERS"]
               + runpy.run_path(str(KEEL_MINI / "_templates_nl.py"))["FILLERS"])
    rows = shipped.harmful_train + shipped.harmful_eval + shipped.harmful_nl_train + shipped.harmful_nl_eval
    for r in rows:
        assert len(r["compliance"].split()) <= 90, r["id"]
        assert any(r["compliance"].endswith(" " + f) for f in fillers), r["id"]


def test_mcq_answers_are_balanced_in_every_capped_prefix(shipped):
    answers = [r["answer"] for r in shipped.mcq]
    counts = Counter(answers)
    assert max(counts.values()) - min(counts[i] for i in range(4)) <= 1
    for cap in (4, 24, 40, 100):  # what utility.max_prompts evaluates when a run subsamples
        assert Counter(answers[:cap]) == {i: cap // 4 for i in range(4)}
    assert all(len(set(r["choices"])) == 4 for r in shipped.mcq)


def test_capped_prefixes_cover_the_categories(shipped):
    categories = {r["category"] for r in shipped.harmful_eval}
    assert {r["category"] for r in shipped.harmful_eval[:len(categories)]} == categories  # eval.max_prompts
    assert {r["category"] for r in shipped.harmful_nl_eval[:20]} == {r["category"] for r in shipped.harmful_nl_eval}
    assert {r["category"] for r in shipped.edgy[:24]} == EDGY_FAMILIES
    assert len({r["subject"] for r in shipped.mcq[:24]}) >= 6


def test_data_files_are_what_build_py_writes(tmp_path):
    subprocess.run([sys.executable, str(KEEL_MINI / "build.py"), "--out", str(tmp_path)], check=True,
                   capture_output=True)
    built = sorted(p.name for p in tmp_path.iterdir())
    assert built == sorted([p.name for p in KEEL_MINI.glob("*.jsonl")] + ["README.md"])
    for name in built:
        assert (tmp_path / name).read_bytes() == (KEEL_MINI / name).read_bytes(), f"{name} is stale: run build.py"


def test_split_is_seeded_and_keeps_paraphrase_groups_together():
    rows = [{"id": f"{g}-{i}", "group": f"g{g}"} for g in range(20) for i in range(3)]
    a = split_by_group(rows, 0.25, seed=1)
    b = split_by_group(rows, 0.25, seed=1)
    c = split_by_group(rows, 0.25, seed=2)
    assert a == b and a != c
    train_groups, eval_groups = {r["group"] for r in a[0]}, {r["group"] for r in a[1]}
    assert train_groups.isdisjoint(eval_groups) and len(eval_groups) == 5


def test_split_following_keeps_translations_on_their_source_side():
    reference = [{"id": f"en{g}", "group": f"g{g}"} for g in range(12)]
    ref_train, ref_eval = split_by_group(reference, 0.25, seed=3)
    held = {r["group"] for r in ref_eval}
    pinned_group = sorted(held)[0]
    unknown = [{"id": f"x{k}", "group": f"new{k}"} for k in range(6)]
    rows = ([{"id": f"nl{g}", "group": f"g{g}"} for g in range(12)] + unknown
            + [{"id": "pinned", "group": pinned_group, "split": "train"}])
    train, evaluation = split_following(rows, ref_train, ref_eval, 0.5, seed=3)
    assert {r["group"] for r in evaluation if r["id"].startswith("nl")} == held
    assert not any(r["group"] in held for r in train if r["id"].startswith("nl"))
    own_eval = {r["id"] for r in split_by_group(unknown, 0.5, seed=3)[1]}  # groups the reference lacks
    assert {r["id"] for r in evaluation if r["id"].startswith("x")} == own_eval and len(own_eval) == 3
    assert "pinned" in {r["id"] for r in train}  # a record's own `split` wins
    assert len(train) + len(evaluation) == len(rows)


def test_interleave_by_spreads_every_prefix_and_keeps_each_value_in_order():
    rows = [{"id": i, "category": c} for i, c in enumerate("aaaabbc")]
    assert [r["id"] for r in interleave_by(rows, "category")] == [0, 4, 6, 1, 5, 2, 3]
    assert interleave_by([], "category") == []


def test_pinned_split_field_is_honoured():
    rows = [{"id": "a", "group": "a", "split": "eval"}, {"id": "b", "group": "b", "split": "train"}]
    train, evaluation = split_by_group(rows, 0.5, seed=0)
    assert [r["id"] for r in evaluation] == ["a"] and [r["id"] for r in train] == ["b"]


def test_optional_kinds_can_be_left_out():
    bundle = load_data(compose_config("harden", ["data.edgy_train=null", "data.harmful_nl=null"]).data)
    assert bundle.edgy_train == [] and bundle.harmful_nl_train == [] and bundle.harmful_nl_eval == []
    assert "edgy_train" not in bundle.sources and "harmful_nl" not in bundle.sources and bundle.edgy


def test_hygiene_checks_the_dutch_evaluation_split(shipped):
    rows = list(shipped.harmful_nl_eval)
    data = SimpleNamespace(harmful_eval=[], benign_eval=[], edgy=[], mcq=[], harmful_nl_eval=list(rows))
    record = deduplicate(data, {"attack:multilingual": [rows[0]["prompt"]]}, {"max_overlap": 0.5})
    assert record["eval_sets"]["harmful_nl_eval"]["exact"] == 1 and len(data.harmful_nl_eval) == len(rows) - 1


GOOD = {"id": "x1", "prompt": "p", "refusal": "r", "compliance": "c", "category": "fraud"}


@pytest.mark.parametrize(("lines", "expected"), [
    (['{"id": "x1", "prompt": "p"'], r":1: malformed JSON"),
    ([json.dumps({k: v for k, v in GOOD.items() if k != "refusal"})], r":1: field 'refusal' is missing"),
    ([json.dumps(GOOD), json.dumps({**GOOD, "id": "x2", "prompt": ""})], r":2: field 'prompt' is empty"),
    ([json.dumps({**GOOD, "prompt": 3})], r":1: field 'prompt' must be str"),
    (["[1, 2]"], r":1: expected a JSON object"),
    ([json.dumps(GOOD), json.dumps(GOOD)], r"field 'id' = 'x1' appears more than once"),
    ([], r"no records \(empty file\)"),
])
def test_bad_records_fail_with_file_line_and_field(tmp_path, lines, expected):
    path = tmp_path / "harmful.jsonl"
    path.write_text("\n".join(lines) + ("\n" if lines else ""))
    with pytest.raises(DataError, match=expected) as info:
        load_records(path, "harmful")
    message = str(info.value)
    assert str(path) in message and "\n" not in message


@pytest.mark.parametrize(("kind", "record", "expected"), [
    ("harmful_nl", GOOD, r":1: field 'language' is missing"),
    ("harmful_nl", {**GOOD, "language": "nl", "refusal": ""}, r":1: field 'refusal' is empty"),
    ("harmful_nl", {**GOOD, "language": 3}, r":1: field 'language' must be str"),
    ("edgy_train", {"id": "e1", "prompt": "p"}, r":1: field 'response' is missing"),
    ("edgy_train", {"id": "e1", "prompt": ["p"], "response": "r"}, r":1: field 'prompt' must be str"),
])
def test_new_kinds_validate_like_the_kinds_they_extend(tmp_path, kind, record, expected):
    path = tmp_path / f"{kind}.jsonl"
    path.write_text(json.dumps(record) + "\n")
    with pytest.raises(DataError, match=expected) as info:
        load_records(path, kind)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_a_bad_optional_file_fails_the_load_naming_it(tmp_path):
    path = tmp_path / "dutch.jsonl"
    path.write_text(json.dumps({**GOOD, "language": "nl"}) + "\n" + json.dumps({**GOOD, "id": "x2"}) + "\n")
    with pytest.raises(DataError, match=rf"{path}:2: field 'language' is missing"):
        load_data(compose_config("harden", [f"data.harmful_nl={path}"]).data)


def test_mcq_answer_must_index_choices(tmp_path):
    path = tmp_path / "mcq.jsonl"
    path.write_text(json.dumps({"id": "m", "question": "q", "choices": ["a", "b"], "answer": 2}) + "\n")
    with pytest.raises(DataError, match=r"mcq.jsonl:1: field 'answer' = 2"):
        load_records(path, "mcq")


def test_missing_file_is_named(tmp_path):
    with pytest.raises(DataError, match="nope.jsonl: data file not found"):
        load_records(tmp_path / "nope.jsonl", "benign")


@pytest.mark.parametrize("test_rows", [{"harmful_eval": 32, "edgy": 48, "mcq": 48}, {"edgy": 1}, {"harmful_eval": 5, "mcq": 200}])
def test_test_rows_split_each_held_out_set_into_test_and_validation(shipped, test_rows):
    rows = "{" + ",".join(f"{k}:{n}" for k, n in test_rows.items()) + "}"
    test = load_data(compose_config("harden", [f"data.test_rows={rows}"]).data)
    validation = load_data(compose_config("harden", [f"data.test_rows={rows}", "data.eval_split=validation"]).data)
    for key in ("harmful_eval", "edgy", "mcq"):
        whole = [r["id"] for r in getattr(shipped, key)]
        kept = [r["id"] for r in getattr(test, key)]
        tuned = [r["id"] for r in getattr(validation, key)]
        n = test_rows.get(key)
        assert kept == (whole[:n] if n else whole)  # the test rows: the top of the evaluation order
        assert tuned == (whole[n:] if n else whole) and (not n or not set(kept) & set(tuned))
    # nothing but the held-out sets moves: training data is the same on both sides
    assert validation.harmful_train == test.harmful_train == shipped.harmful_train
    assert validation.edgy_train == shipped.edgy_train and validation.benign_eval == shipped.benign_eval


def test_the_durability_preset_tests_on_what_its_study_reads_and_tunes_on_the_rest(shipped):
    cfg = compose_config("harden", ["preset=durability_v3"])
    test = load_data(cfg.data)
    tuned = load_data(compose_config("harden", ["preset=durability_v3", "data.eval_split=validation"]).data)
    # the test rows are exactly the capped evaluation's (eval.max_prompts / utility.max_prompts)
    assert len(test.harmful_eval) == cfg.eval.max_prompts and len(test.edgy) == len(test.mcq) == cfg.utility.max_prompts
    for key in ("harmful_eval", "edgy", "mcq"):
        assert [r["id"] for r in getattr(test, key) + getattr(tuned, key)] == [r["id"] for r in getattr(shipped, key)]
