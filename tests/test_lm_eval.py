"""Utility through lm-evaluation-harness, end to end on the tiny random model: a local multiple-choice task
(a task YAML and a small JSONL written here), scored by lm-eval and checked against log-probabilities
computed directly from the same model."""

from __future__ import annotations

import json

import pytest
import torch

from attacks.utility import check_lm_eval, lm_eval_scores, utility_probes
from tests.conftest import compose_config
from train import KeelError

DOCS = [{"question": f"Made-up question number {i}: which word comes next?",
         "choices": ["alpha", "beta gamma", "delta", "the quick fox"], "answer": i % 4} for i in range(8)]
TASK = "keel_local_mcq"


@pytest.fixture(scope="module")
def task_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lm_eval_tasks")
    (folder / "docs.jsonl").write_text("".join(json.dumps(d) + "\n" for d in DOCS))
    (folder / f"{TASK}.yaml").write_text(f"""task: {TASK}
dataset_path: json
dataset_kwargs:
  data_files:
    test: {folder / 'docs.jsonl'}
test_split: test
output_type: multiple_choice
doc_to_text: "{{{{question}}}}"
doc_to_choice: choices
doc_to_target: answer
metric_list:
  - metric: acc
""")
    return folder


@torch.no_grad()
def _direct_accuracy(model, tokenizer) -> list[float]:
    """acc per document, by hand: argmax over choices of sum log p(" " + choice | question), the
    context/continuation split lm-eval makes (continuation = tokens of the whole past the context's)."""
    out = []
    for doc in DOCS:
        scores = []
        for choice in doc["choices"]:
            context = tokenizer.encode(doc["question"], add_special_tokens=False)
            whole = tokenizer.encode(doc["question"] + " " + choice, add_special_tokens=False)
            continuation = whole[len(context):]
            logits = model(torch.tensor([whole[:-1]])).logits.float().log_softmax(-1)[0]
            picked = logits[len(context) - 1:, :].gather(-1, torch.tensor(continuation)[:, None])
            scores.append(float(picked.sum()))
        out.append(float(max(range(len(scores)), key=scores.__getitem__) == doc["answer"]))
    return out


def test_local_task_scores_match_direct_log_probs(tiny_model, tokenizer, task_dir):
    scores = lm_eval_scores(tiny_model, tokenizer, [TASK], include_path=str(task_dir), chat_template=False)
    task = scores[TASK]
    assert task["n"] == len(DOCS)
    assert task["rows"]["acc"] == _direct_accuracy(tiny_model.eval(), tokenizer)
    assert task["acc,none"] == pytest.approx(sum(task["rows"]["acc"]) / len(DOCS))
    assert task["acc_stderr,none"] >= 0


def test_utility_probes_run_lm_eval_with_the_chat_template(tiny_model, tokenizer, data, evaluator, task_dir):
    cfg = {"mcq": False, "over_refusal": False, "kl": False, "max_prompts": 4, "lm_eval_tasks": [TASK],
           "lm_eval_limit": 3, "lm_eval_include_path": str(task_dir)}
    out = utility_probes(tiny_model, tokenizer, data, evaluator, cfg=cfg)
    assert out["lm_eval"][TASK]["n"] == 3 and 0.0 <= out["lm_eval"][TASK]["acc,none"] <= 1.0


def test_unknown_task_or_folder_fails_before_any_model_loads(task_dir):
    check_lm_eval({"lm_eval_tasks": [TASK], "lm_eval_include_path": str(task_dir)})
    with pytest.raises(KeelError, match=rf"^utility\.lm_eval_tasks: lm-eval knows no task '{TASK}x'; did you mean {TASK}"):
        check_lm_eval({"lm_eval_tasks": [TASK + "x"], "lm_eval_include_path": str(task_dir)})
    with pytest.raises(KeelError, match=r"^utility\.lm_eval_include_path: not a directory: /nonexistent"):
        check_lm_eval({"lm_eval_tasks": [TASK], "lm_eval_include_path": "/nonexistent"})


def test_keel_harden_refuses_an_unknown_task_before_loading(tmp_path, task_dir):
    from train.pipeline import run_pipeline

    cfg = compose_config("harden", ["preset=ci", "model=tiny-random", f"run.dir={tmp_path}",
                                    "utility.lm_eval_tasks=[keel_no_such_task]",
                                    f"utility.lm_eval_include_path={task_dir}"])
    with pytest.raises(KeelError, match=r"lm-eval knows no task 'keel_no_such_task'"):
        run_pipeline(cfg)
    assert not (tmp_path / "checkpoint").exists()
