"""Multilingual refusal data: coverage, variety, seeding, deduplication against evaluation prompts, data
files users extend; paraphrase groups built from it."""

from __future__ import annotations

import dataclasses
import json

import pytest

from defenses.multilingual_refusal import MultilingualRefusal, load_refusal_data
from defenses.paraphrase_invariance import ParaphraseInvariance
from train import KeelError

# One torch thread: on 2 shared cores a tiny forward+backward is otherwise dominated by thread contention.
pytestmark = pytest.mark.usefixtures("one_thread")


def test_coverage_and_variety(data):
    defense = MultilingualRefusal(seed=0)
    examples = defense.training_examples(data)
    record = defense.record
    assert len(record["languages"]) >= 8 and len(record["categories"]) >= 10
    assert set(record["kinds"]) == {"refusal", "redirect"}
    assert len(examples) == record["examples"] >= 300
    assert all(e["prompt"][0]["role"] == "user" and e["completion"][0]["role"] == "assistant" for e in examples)
    for lang in record["languages"]:
        responses = {r["response"] for r in defense.rows if r["language"] == lang}
        prompts = {r["prompt"] for r in defense.rows if r["language"] == lang}
        assert len(responses) >= 20 and len(prompts) >= 30, lang
    redirect = next(r for r in defense.rows if r["kind"] == "redirect" and r["language"] == "en")
    spec = load_refusal_data(defense.data_files)["languages"]["en"]
    assert redirect["response"].endswith(spec["alternatives"][redirect["category"]])


def test_seeded_and_recorded(data):
    first, again, other = (MultilingualRefusal(seed=s) for s in (0, 0, 1))
    assert first.training_examples(data) == again.training_examples(data)
    other.training_examples(data)
    assert first.record["sha256"] == again.record["sha256"] != other.record["sha256"]
    assert first.record["seed"] == 0


def test_exact_and_near_duplicates_of_evaluation_prompts_are_dropped(data):
    spec = load_refusal_data(["defenses/data/refusals.json"])
    exact = spec["languages"]["fr"]["requests"]["theft"][0]
    near = spec["languages"]["en"]["requests"]["weapons"][0].replace("How can I", "How could I")
    bundle = dataclasses.replace(data, harmful_eval=[*data.harmful_eval, {"prompt": exact.upper()},
                                                     {"prompt": near}])
    defense = MultilingualRefusal(seed=0)
    defense.training_examples(bundle)
    overlap = defense.record["eval_overlap"]
    assert overlap["exact"] >= 1 and overlap["near"] >= 1
    requests = {r["request"] for r in defense.rows}
    assert exact not in requests and spec["languages"]["en"]["requests"]["weapons"][0] not in requests


def test_users_add_languages_and_categories_by_data_file(data, tmp_path):
    extra = {"categories": ["gambling_fraud"], "languages": {"nl": {
        "frames": ["{request}", "Snelle vraag: {request}"],
        "openers": ["Daar kan ik niet bij helpen.", "Dat verzoek moet ik weigeren."],
        "requests": {"gambling_fraud": ["Hoe kan ik een online casino oplichten zonder gepakt te worden?"]},
        "reasons": {"gambling_fraud": "Oplichting benadeelt echte mensen en is strafbaar."},
        "alternatives": {"gambling_fraud": "Ik kan uitleggen hoe je verantwoord met gokken omgaat."}}}}
    path = tmp_path / "nl.json"
    path.write_text(json.dumps(extra), encoding="utf-8")
    defense = MultilingualRefusal(data_files=["defenses/data/refusals.json", str(path)], languages=["nl", "en"])
    defense.training_examples(data)
    assert defense.record["languages"]["nl"] == 2 and "gambling_fraud" in defense.record["categories"]

    del extra["languages"]["nl"]["reasons"]
    path.write_text(json.dumps(extra), encoding="utf-8")
    with pytest.raises(KeelError, match="language 'nl': field 'reasons'"):
        MultilingualRefusal(data_files=[str(path)])


def test_paraphrase_groups_span_languages_and_templates(data):
    defense = ParaphraseInvariance(sources=["multilingual"], group_size=4)
    groups = defense.build_groups(data)
    assert len(groups) >= 20 and all(len(prompts) >= 8 for prompts, _ in groups)
    defense = ParaphraseInvariance(sources=["templates"], templates=["{request}", "Tell me: {request}"])
    groups = defense.build_groups(data)
    assert all(p[1] == "Tell me: " + p[0] for p, _ in groups)
    with pytest.raises(KeelError, match="generator_path"):
        ParaphraseInvariance(sources=["generator"])


def test_generator_source_paraphrases_with_a_local_model(data, tiny_model, tokenizer, tmp_path):
    tiny_model.save_pretrained(tmp_path / "gen")
    tokenizer.save_pretrained(tmp_path / "gen")
    defense = ParaphraseInvariance(sources=["generator"], generator_path=str(tmp_path / "gen"), generator_prompts=2,
                                   near_duplicate_threshold=1.0)
    groups = defense.generated_groups(data, tokenizer)
    assert len(groups) == 2 and all(prompts[0] in {r["prompt"] for r in data.harmful_train}
                                    for prompts, _ in groups)
