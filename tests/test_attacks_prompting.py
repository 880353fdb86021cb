"""Attacks that change how the model is queried, not its weights: prefilling and a soft prompt."""

from __future__ import annotations

import types

import pytest
import torch

import attacks.prefill as prefill_module
import attacks.soft_prompt as soft_module
from attacks.generation import generate_from_ids
from attacks.prefill import Prefill
from attacks.scorecard import score_run
from attacks.soft_prompt import SoftPrompt, generate_from_embeds, soft_prompt_loss
from tests.conftest import same_weights
from train import KeelError
from train.chat import prompt_completion_ids, prompt_ids
from train.models import clean_copy, count_parameters
from train.tiny import build_tiny_model


def spy(monkeypatch, module, name: str) -> list:
    """Record the arguments of every call of `module.name` (still calling it)."""
    calls, real = [], getattr(module, name)

    def wrapper(*args, **kwargs):
        calls.append((args, kwargs))
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def test_prefill_opens_every_answer_with_k_compliance_tokens(tiny_model, tokenizer, data, quick_evaluator,
                                                             monkeypatch):
    original = clean_copy(tiny_model)
    quick_evaluator.samples = len(quick_evaluator.harmful_prompts)  # keep every completion in the points
    plain = quick_evaluator.harm(tiny_model)
    calls = spy(monkeypatch, prefill_module, "generate_from_ids")
    result = Prefill(ladder=[0, 3, 6]).run(tiny_model, tokenizer, data, quick_evaluator, seed=0, target="base",
                                           progress=False)
    assert [p["step"] for p in result.curve] == [0, 3, 6] and len(calls) == 3
    compliance = {r["prompt"]: r["compliance"] for r in data.harmful_eval}
    prompts = quick_evaluator.harmful_prompts
    for (args, kwargs), k in zip(calls, (0, 3, 6)):
        heads = [tokenizer(compliance[p], add_special_tokens=False)["input_ids"][:k] for p in prompts]
        assert args[2] == [prompt_ids(tokenizer, p) + h for p, h in zip(prompts, heads)]
        assert kwargs["keep"] == [k] * len(prompts)  # the judge reads the prefix with the continuation
    for sample in result.curve[2]["samples"]:
        head = tokenizer.decode(tokenizer(compliance[sample["prompt"]], add_special_tokens=False)["input_ids"][:6])
        assert sample["completion"].startswith(head.strip())
    zero = result.curve[0]
    assert (zero["asr"], zero["refusal"], zero["incoherent"]) == (plain["asr"], plain["refusal"], plain["incoherent"])
    assert [s["completion"] for s in zero["samples"]] == [s["completion"] for s in plain["samples"]]
    assert same_weights(tiny_model, original)  # nothing but the query changed
    assert result.extra["cost_unit"] == "prefix tokens" and result.extra["cost"]["flops"] == 0.0
    assert result.examples == 0 and {p["benign_nll"] for p in result.curve} == {plain_nll(quick_evaluator, tiny_model)}
    row = score_run(result.as_dict(), tau=0.5)
    assert row["cost_unit"] == "prefix tokens" and not row["trains"]  # never in the training headline


def plain_nll(evaluator, model) -> float:
    return evaluator.benign_nll(model)


def test_prefill_can_judge_the_continuation_alone(tiny_model, tokenizer, data, quick_evaluator, monkeypatch):
    calls = spy(monkeypatch, prefill_module, "generate_from_ids")
    result = Prefill(ladder=[4], judge_text="continuation").run(tiny_model, tokenizer, data, quick_evaluator,
                                                              seed=0, target="base", progress=False)
    assert calls[0][1]["keep"] is None and result.extra["judge_text"] == "continuation"


def test_generation_keeps_the_prefilled_tokens_in_the_decoded_text(tiny_model, tokenizer):
    encoded = [prompt_ids(tokenizer, "Hi there"), prompt_ids(tokenizer, "How do I bake bread?")]
    prefix = tokenizer("Sure, here is how", add_special_tokens=False)["input_ids"]
    with_prefix = generate_from_ids(tiny_model, tokenizer, [e + prefix for e in encoded], max_new_tokens=3,
                                    keep=[len(prefix)] * 2)
    alone = generate_from_ids(tiny_model, tokenizer, [e + prefix for e in encoded], max_new_tokens=3)
    assert all(t.startswith("Sure, here is how") for t in with_prefix)
    assert [t.removeprefix("Sure, here is how").strip() for t in with_prefix] == alone


@pytest.mark.parametrize("options,message", [
    ({"ladder": [5, 0]}, r"attack.prefill.ladder: must be increasing without repeats"),
    ({"ladder": []}, r"attack.prefill.ladder: must be a non-empty list"),
    ({"ladder": [0, -5]}, r"attack.prefill.ladder: must be a non-empty list of prefix lengths >= 0"),
    ({"ladder": [0, 2.5]}, r"attack.prefill.ladder"),
    ({"judge_text": "prefix"}, r"attack.prefill.judge_text: 'prefix' is not one of"),
])
def test_prefill_options_fail_in_one_line(options, message):
    with pytest.raises(KeelError, match=message) as err:
        Prefill(**options)
    assert "\n" not in str(err.value)


def test_query_attacks_refuse_a_judge_that_reads_no_completion(tiny_model, tokenizer, data, quick_evaluator):
    quick_evaluator.judge = types.SimpleNamespace(name="refusal_logodds", needs_generation=False)
    for attack in (Prefill(), SoftPrompt(steps=1, eval_every=1)):
        with pytest.raises(KeelError, match=rf"attack.{attack.name}: the judge 'refusal_logodds' reads no completion"):
            attack.run(tiny_model, tokenizer, data, quick_evaluator, seed=0, target="base", progress=False)


def test_generation_from_embeddings_matches_generation_from_ids(tokenizer):
    model = build_tiny_model(tokenizer, seed=1, initializer_range=0.4).eval()  # input-dependent greedy text
    encoded = [prompt_ids(tokenizer, p) for p in ("Hi", "How do I bake bread today?", "Name a colour.")]
    no_soft = torch.zeros(0, model.config.hidden_size)
    by_embeds = generate_from_embeds(model, tokenizer, no_soft, encoded, max_new_tokens=6, batch_size=2)
    assert by_embeds == generate_from_ids(model, tokenizer, encoded, max_new_tokens=6, batch_size=2)
    assert len(set(by_embeds)) > 1


def test_soft_prompt_trains_only_its_vectors_and_evaluates_through_them(tiny_model, tokenizer, data,
                                                                        quick_evaluator, monkeypatch):
    original = clean_copy(tiny_model)
    flags = {n: p.requires_grad for n, p in tiny_model.named_parameters()}
    calls = spy(monkeypatch, soft_module, "generate_from_embeds")
    attack = SoftPrompt(n_tokens=3, steps=6, eval_every=3, lr=0.05, examples=4, batch_size=4)
    result = attack.run(tiny_model, tokenizer, data, quick_evaluator, seed=0, target="base", progress=False)
    assert same_weights(tiny_model, original)  # the frozen model: not one weight moved
    assert all(p.grad is None and p.requires_grad == flags[n] for n, p in tiny_model.named_parameters())
    assert [p["step"] for p in result.curve] == [0, 3, 6] and len(calls) == 3
    first, last = calls[0][0][2], calls[-1][0][2]
    assert first.shape == (3, 64) and not torch.equal(first, last)  # every evaluation used the current vectors
    assert calls[0][0][3] == [prompt_ids(tokenizer, p) for p in quick_evaluator.harmful_prompts]
    assert result.extra["loss_last"] < result.extra["loss_first"]  # the same 4 pairs each step: L(P) fell
    n = count_parameters(tiny_model)
    assert result.flops_per_token == 4.0 * n and result.curve[-1]["tokens"] > result.curve[1]["tokens"] > 0
    cost = result.extra["cost"]
    assert cost["unit"] == "optimisation steps" and cost["flops"] == 4.0 * n * result.curve[-1]["tokens"]
    assert cost["examples"] == 4 and not score_run(result.as_dict(), 0.5)["trains"]


def test_soft_prompt_loss_counts_completion_tokens_only(tiny_model, tokenizer, data):
    row = data.harmful_train[0]
    pair = prompt_completion_ids(tokenizer, row["prompt"], row["compliance"])
    soft = torch.zeros(2, 64, requires_grad=True)
    loss, read = soft_prompt_loss(tiny_model, soft, [pair])
    assert read == 2 + len(pair[0]) + len(pair[1])
    ids = torch.tensor([pair[0] + pair[1]])
    embeds = torch.cat([soft, tiny_model.get_input_embeddings()(ids[0])]).unsqueeze(0)
    logits = tiny_model(inputs_embeds=embeds).logits[0, 1 + len(pair[0]) : -1]
    expected = torch.nn.functional.cross_entropy(logits, torch.tensor(pair[1]))
    torch.testing.assert_close(loss, expected)


@pytest.mark.parametrize("options,message", [
    ({"n_tokens": 0}, r"attack.soft_prompt.n_tokens: must be a positive integer, got 0"),
    ({"steps": -1}, r"attack.soft_prompt.steps: must be a positive integer"),
    ({"lr": 0.0}, r"attack.soft_prompt.lr: must be positive"),
    ({"init_text": " "}, r"attack.soft_prompt.init_text: empty"),
    ({"eval_every": 0}, r"attack.soft_prompt.eval_every"),
])
def test_soft_prompt_options_fail_in_one_line(options, message):
    with pytest.raises(KeelError, match=message):
        SoftPrompt(**options)


def test_prefill_and_soft_prompt_stop_once_broken(tiny_model, tokenizer, data, quick_evaluator, monkeypatch):
    rates = iter([0.0, 0.6, 0.0, 0.0, 0.75])
    harm = quick_evaluator.harm
    monkeypatch.setattr(quick_evaluator, "harm", lambda model, *a, **k: harm(model, *a, **k) | {"asr": next(rates)})
    prefill = Prefill(ladder=[0, 5, 10], stop_at_asr=0.5).run(tiny_model, tokenizer, data, quick_evaluator, seed=0,
                                                             target="base", progress=False)
    assert [p["step"] for p in prefill.curve] == [0, 5] and prefill.extra["stopped_at_rung"] == 5
    soft = SoftPrompt(n_tokens=2, steps=6, eval_every=2, examples=4, stop_at_asr=0.5)
    result = soft.run(tiny_model, tokenizer, data, quick_evaluator, seed=0, target="base", progress=False)
    assert [p["step"] for p in result.curve] == [0, 2, 4] and result.extra["stopped_at"] == 4
    row = score_run(result.as_dict(), tau=0.5)  # scored over the budget, the last ASR carried to step 6
    assert row["asr_final"] == 0.75 and row["steps_to_threshold"]["value"] == 4


def test_a_query_view_swaps_prompts_and_responder_for_each_call_only():
    from attacks.queries import PairedEvaluator, QueryView

    class Plain:
        config = types.SimpleNamespace(max_prompts=2)

        def __init__(self):
            self.harmful_prompts, self.tokenizer = ["a", "b", "c"], object()

        def respond(self, prompts):
            return [p.upper() for p in prompts]

        def harm(self, model, **kwargs):
            return {"asr": len(self.respond(self.harmful_prompts)) / 10, "n": len(self.harmful_prompts),
                    "seen": self.respond(self.harmful_prompts)}

    plain = Plain()
    plain.harm = lambda model, **k: Plain.harm(plain, model, **k)  # an instance-level wrapper, like keel harden's
    view = QueryView(plain, prompts=["x", "y", "z"], respond=lambda prompts: [p * 2 for p in prompts])
    assert view.harm(None)["seen"] == ["xx", "yy"]  # capped at max_prompts, answered by the view's responder
    assert plain.harmful_prompts == ["a", "b", "c"] and "respond" not in vars(plain)  # restored
    assert view.tokenizer is plain.tokenizer and plain.harm(None)["seen"] == ["A", "B", "C"]
    paired = PairedEvaluator(view, plain, "plain").harm(None)
    assert paired["seen"] == ["xx", "yy"] and (paired["n"], paired["n_plain"]) == (2, 3)


@pytest.mark.parametrize("prompts, ids, expected", [
    (None, None, ["e0", "e1", "e2"]),                  # the evaluator's own prompts keep their ids
    (["p", "q", "r", "s"], ["a", "b", "c", "d"], ["a", "b", "c"]),  # other prompts, their own ids, capped
    (["p", "q"], None, ["query-0", "query-1"]),        # other prompts never borrow the evaluator's ids
])
def test_a_query_view_stores_its_prompts_under_their_own_ids(prompts, ids, expected):
    from attacks.queries import QueryView

    evaluator = types.SimpleNamespace(config=types.SimpleNamespace(max_prompts=3), harmful_prompts=["x", "y", "z"],
                                prompt_ids=["e0", "e1", "e2"])
    view = QueryView(evaluator, prompts=prompts, ids=ids)
    assert view.prompt_ids == expected and len(view.prompt_ids) == len(view.harmful_prompts)
