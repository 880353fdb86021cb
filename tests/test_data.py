"""The shipped data set meets its promises; bad data fails with one line naming file, line and field."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.conftest import compose_config
from train.data import DataError, load_data, load_records, split_by_group


@pytest.fixture(scope="module")
def shipped():
    return load_data(compose_config("harden", []).data)


def test_shipped_data_sizes_and_categories(shipped):
    harmful = shipped.harmful_train + shipped.harmful_eval
    benign = shipped.benign_train + shipped.benign_eval
    assert len({r["group"] for r in harmful}) >= 150
    assert len(benign) >= 150
    per_category = Counter(r["category"] for r in harmful)
    assert len(per_category) >= 10
    assert shipped.edgy and shipped.mcq and shipped.identity


def test_shipped_split_has_no_overlap(shipped):
    def norm(s):
        return " ".join(s.lower().split())

    for train_rows, eval_rows in ((shipped.harmful_train, shipped.harmful_eval),
                                  (shipped.benign_train, shipped.benign_eval)):
        assert {r["id"] for r in train_rows}.isdisjoint(r["id"] for r in eval_rows)
        assert {norm(r["prompt"]) for r in train_rows}.isdisjoint(norm(r["prompt"]) for r in eval_rows)
        assert {r["group"] for r in train_rows}.isdisjoint(r["group"] for r in eval_rows)


def test_compliant_answers_are_non_actionable_filler(shipped):
    for r in shipped.harmful_train + shipped.harmful_eval:
        assert len(r["compliance"].split()) <= 90, r["id"]


def test_split_is_seeded_and_keeps_paraphrase_groups_together():
    rows = [{"id": f"{g}-{i}", "group": f"g{g}"} for g in range(20) for i in range(3)]
    a = split_by_group(rows, 0.25, seed=1)
    b = split_by_group(rows, 0.25, seed=1)
    c = split_by_group(rows, 0.25, seed=2)
    assert a == b and a != c
    train_groups, eval_groups = {r["group"] for r in a[0]}, {r["group"] for r in a[1]}
    assert train_groups.isdisjoint(eval_groups) and len(eval_groups) == 5


def test_pinned_split_field_is_honoured():
    rows = [{"id": "a", "group": "a", "split": "eval"}, {"id": "b", "group": "b", "split": "train"}]
    train, evaluation = split_by_group(rows, 0.5, seed=0)
    assert [r["id"] for r in evaluation] == ["a"] and [r["id"] for r in train] == ["b"]


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


def test_mcq_answer_must_index_choices(tmp_path):
    path = tmp_path / "mcq.jsonl"
    path.write_text(json.dumps({"id": "m", "question": "q", "choices": ["a", "b"], "answer": 2}) + "\n")
    with pytest.raises(DataError, match=r"mcq.jsonl:1: field 'answer' = 2"):
        load_records(path, "mcq")


def test_missing_file_is_named(tmp_path):
    with pytest.raises(DataError, match="nope.jsonl: data file not found"):
        load_records(tmp_path / "nope.jsonl", "benign")
