"""Data-free weight attacks (hardening delta, its SVD, merging with benign fine-tunes, GGUF quantization):
each edits exactly the weights it should, records its cost, and says when there was nothing to edit."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from attacks.base import AttackResult
from attacks.delta import HardeningDelta
from attacks.delta_svd import DeltaSVD
from attacks.full_ft import FullFineTune
from attacks.grid import run_grid
from attacks.merge import BenignMerge, ties_merge
from attacks.quantize import QuantizeRoundTrip, gguf_round_trip
from attacks.scorecard import score_run
from tests.conftest import same_weights
from train import KeelError
from train.models import clean_copy, count_parameters
from train.tiny import build_tiny_model

DOWN, NORM, EMBED = "model.layers.1.mlp.down_proj.weight", "model.norm.weight", "model.embed_tokens.weight"


def keep_edits(monkeypatch, attack) -> list:
    """Copies of every edited model the ladder evaluates, in rung order."""
    kept, edit = [], attack.edit

    def spy(edited, state, rung):
        flops = edit(edited, state, rung)
        kept.append(clean_copy(edited))
        return flops

    monkeypatch.setattr(attack, "edit", spy)
    return kept


def params(model) -> dict[str, torch.Tensor]:
    return {n: p.detach() for n, p in model.named_parameters()}


@pytest.fixture
def base_of(tiny_model):
    """A 'public base' that differs from the target (tiny_model) in two tensors only."""
    base = clean_copy(tiny_model)
    with torch.no_grad():
        g = torch.Generator().manual_seed(0)
        dict(base.named_parameters())[DOWN].add_(0.05 * torch.randn(64, 128, generator=g))
        dict(base.named_parameters())[NORM].add_(0.1)
    return base


def test_delta_moves_along_the_hardening_delta_only(tiny_model, base_of, tokenizer, data, quick_evaluator,
                                                    monkeypatch):
    attack = HardeningDelta(coefficients=[0.5, 1.0, 2.0])
    kept = keep_edits(monkeypatch, attack)
    result = attack.run(tiny_model, tokenizer, data, quick_evaluator, seed=0, target="hardened", progress=False,
                        reference=base_of)
    hardened, base = params(tiny_model), params(base_of)
    for c, edited in zip((0.5, 1.0, 2.0), kept):
        for name, p in params(edited).items():
            if name in (DOWN, NORM):
                torch.testing.assert_close(p, hardened[name] - c * (hardened[name] - base[name]))
            else:
                assert torch.equal(p, hardened[name]), name  # zero delta: untouched
    assert same_weights(kept[1], base_of)  # c = 1 is the base itself, exactly
    assert [p["step"] for p in result.curve] == [0, 1, 2, 3]
    assert [p.get("coefficient") for p in result.curve] == [None, 0.5, 1.0, 2.0]
    n = count_parameters(tiny_model)
    assert [p["flops"] for p in result.curve] == [0.0, 3.0 * n, 3.0 * n, 3.0 * n]
    assert result.examples == 0 and result.extra["cost"] == {**result.extra["cost"], "flops": 9.0 * n, "examples": 0}
    assert result.extra["delta_norm"] > 0 and not score_run(result.as_dict(), 0.5)["trains"]


def test_delta_on_the_base_itself_records_that_no_attack_ran(tiny_model, tokenizer, data, quick_evaluator):
    for attack in (HardeningDelta(), DeltaSVD()):
        result = attack.run(tiny_model, tokenizer, data, quick_evaluator, seed=0, target="base", progress=False,
                            reference=tiny_model)
        assert [p["step"] for p in result.curve] == [0]
        assert "delta is zero" in result.extra["no_attack"] and result.extra["cost"]["flops"] == 0.0


def test_delta_needs_the_same_architecture(tiny_model, tokenizer, data, quick_evaluator):
    other = build_tiny_model(tokenizer, hidden_size=32, intermediate_size=64)
    with pytest.raises(KeelError, match=r"attack.delta: the base model's parameter 'model.embed_tokens.weight' is "
                                        r"shape \(\d+, 32\)"):
        HardeningDelta().run(tiny_model, tokenizer, data, quick_evaluator, seed=0, target="hardened",
                             progress=False, reference=other)


def test_the_grid_hands_the_base_to_delta_attacks_and_refuses_without_one(tiny_model, base_of, tokenizer, data,
                                                                          quick_evaluator):
    records = run_grid([HardeningDelta(coefficients=[1.0])], {"base": base_of, "hardened": tiny_model}, tokenizer,
                       data, quick_evaluator, done={}, progress=False)
    by_target = {r["target"]: r for r in records}
    assert "no_attack" in by_target["base"]["extra"] and len(by_target["hardened"]["curve"]) == 2
    assert "baseline=BASE_PATH" in by_target["hardened"]["extra"]["command"]
    with pytest.raises(KeelError, match=r"attack.delta: needs the public base model .* pass baseline=PATH"):
        run_grid([HardeningDelta()], {"checkpoint": tiny_model}, tokenizer, data, quick_evaluator, done={},
                 progress=False)


def test_svd_removes_the_top_directions_of_each_matrix_delta(tiny_model, tokenizer, data, quick_evaluator,
                                                             monkeypatch):
    base = clean_copy(tiny_model)
    u, v = torch.randn(64, 1), torch.randn(1, 128)
    with torch.no_grad():
        dict(base.named_parameters())[DOWN].sub_(0.1 * u @ v)  # a rank-1 hardening delta on one matrix
        dict(base.named_parameters())[NORM].add_(0.1)  # and a 1-D one, which the SVD attack leaves alone
        dict(base.named_parameters())[EMBED].add_(0.01)
    attack = DeltaSVD(ranks=[1, 2], include_embeddings=False)
    kept = keep_edits(monkeypatch, attack)
    result = attack.run(tiny_model, tokenizer, data, quick_evaluator, seed=0, target="hardened", progress=False,
                        reference=base)
    hardened, reference = params(tiny_model), params(base)
    for edited in kept:
        got = params(edited)
        torch.testing.assert_close(got[DOWN], reference[DOWN], atol=1e-5, rtol=1e-5)  # rank 1 removes all of it
        assert all(torch.equal(p, hardened[n]) for n, p in got.items() if n != DOWN)  # norm, embedding kept
    assert result.extra["matrices_edited"] == [DOWN]
    assert result.extra["delta_energy_removed"]["1"] == pytest.approx(1.0, abs=1e-5)
    assert result.extra["cost"]["flops"] > 0 and result.examples == 0
    assert [p["rank"] for p in result.curve[1:]] == [1, 2]


@pytest.mark.parametrize("cls,options,message", [
    (HardeningDelta, {"coefficients": []}, r"attack.delta.coefficients: must be a non-empty, increasing list"),
    (HardeningDelta, {"coefficients": [1.0, 0.5]}, r"attack.delta.coefficients: must be a non-empty, increasing"),
    (HardeningDelta, {"coefficients": [0.0, 1.0]}, r"attack.delta.coefficients: .*positive numbers"),
    (DeltaSVD, {"ranks": [0, 2]}, r"attack.delta_svd.ranks: .*positive integers"),
    (DeltaSVD, {"ranks": [1.5]}, r"attack.delta_svd.ranks: .*positive integers"),
    (BenignMerge, {"method": "dare"}, r"attack.merge.method: 'dare' is not one of task_arithmetic, ties"),
    (BenignMerge, {"finetune": "qlora"}, r"attack.merge.finetune: 'qlora' is not one of full, lora"),
    (BenignMerge, {"finetunes": 0}, r"attack.merge.finetunes: must be a positive integer"),
    (BenignMerge, {"density": 0.0}, r"attack.merge.density: must be in \(0, 1\]"),
    (BenignMerge, {"steps": 0}, r"attack.merge.steps: must be a positive integer"),
    (QuantizeRoundTrip, {"format": "q4_k"}, r"attack.quantize.format: 'q4_k' is not one of q8_0, q4_0"),
    (QuantizeRoundTrip, {"then": "dpo"}, r"attack.quantize.then: 'dpo' is not one of full_ft, lora or null"),
    (QuantizeRoundTrip, {"lr": -1.0}, r"attack.quantize.lr: must be positive"),
])
def test_weight_attack_options_fail_in_one_line(cls, options, message):
    with pytest.raises(KeelError, match=message) as err:
        cls(**options)
    assert "\n" not in str(err.value)


def test_ties_trims_elects_a_sign_and_averages_the_agreeing_entries():
    t1, t2 = torch.tensor([3.0, -1.0, 0.5, 0.0]), torch.tensor([1.0, 2.0, -0.4, 0.0])
    # density 0.5 keeps |3|, |-1| and |2|, |1|; signs (+, +); entry 1: only t2 agrees with +
    torch.testing.assert_close(ties_merge([t1, t2], 0.5), torch.tensor([2.0, 2.0, 0.0, 0.0]))
    torch.testing.assert_close(ties_merge([t1], 1.0), t1)


class _FakeTune:
    """A 'benign fine-tune' that adds a known vector to one matrix, at a known cost."""

    def __init__(self, shift: float):
        self.shift, self.kept = shift, None

    def run(self, model, tokenizer, data, evaluator, *, seed, target, progress):
        self.kept = clean_copy(model)
        with torch.no_grad():
            dict(self.kept.named_parameters())[DOWN].add_(self.shift)
        curve = [{"step": 0, "tokens": 0, "train_seconds": 0.0}, {"step": 2, "tokens": 100, "train_seconds": 1.5}]
        return AttackResult("t", "benign_ft", "heldout", target, seed, {}, curve, 10.0, 8)


def test_task_arithmetic_adds_lambda_times_the_summed_task_vectors(tiny_model, tokenizer, data, quick_evaluator,
                                                                   monkeypatch):
    attack = BenignMerge(method="task_arithmetic", finetunes=2, coefficients=[0.5, 2.0])
    tunes = iter([_FakeTune(0.1), _FakeTune(0.3)])
    monkeypatch.setattr(attack, "tuner", lambda seed: next(tunes))
    kept = keep_edits(monkeypatch, attack)
    result = attack.run(tiny_model, tokenizer, data, quick_evaluator, seed=0, target="hardened", progress=False)
    original = params(tiny_model)
    for lam, edited in zip((0.5, 2.0), kept):
        got = params(edited)
        torch.testing.assert_close(got[DOWN], original[DOWN] + lam * 0.4)
        assert all(torch.equal(p, original[n]) for n, p in got.items() if n != DOWN)
    n = count_parameters(tiny_model)
    assert [p["flops"] for p in result.curve[1:]] == [2 * 10.0 * 100 + 2.0 * n] * 2  # fine-tunes + the merge
    assert result.examples == 16 and result.curve[1]["tokens"] == 200
    assert result.extra["cost"]["flops"] == 2 * 10.0 * 100 + 2 * 2.0 * n
    assert [f["seed"] for f in result.extra["cost"]["finetunes"]] == [0, 1]


def test_lora_merge_changes_only_the_adapted_projections(tiny_model, tokenizer, data, quick_evaluator, monkeypatch):
    attack = BenignMerge(finetune="lora", finetunes=1, coefficients=[1.0], steps=2, examples=8, lr=1e-2)
    kept = keep_edits(monkeypatch, attack)
    result = attack.run(tiny_model, tokenizer, data, quick_evaluator, seed=0, target="hardened", progress=False)
    original = params(tiny_model)
    changed = {n for n, p in params(kept[0]).items() if not torch.equal(p, original[n])}
    assert changed and all(n.rsplit(".", 2)[-2] in ("q_proj", "k_proj", "v_proj", "o_proj") for n in changed)
    frozen = count_parameters(tiny_model)
    ft = result.extra["cost"]["finetunes"][0]
    assert ft["tokens"] > 0 and ft["flops"] > 4.0 * frozen * ft["tokens"]  # 4N + 6N_lora per token


def test_gguf_round_trip_rounds_the_block_weights_only(tiny_model):
    from gguf import GGMLQuantizationType, quants

    errors = {}
    for fmt in ("q8_0", "q4_0"):
        copy = clean_copy(tiny_model)
        info = gguf_round_trip(copy, fmt)
        original = params(tiny_model)
        for name, p in params(copy).items():
            if original[name].dim() == 2:
                x = original[name].numpy()
                qtype = GGMLQuantizationType[fmt.upper()]
                expected = quants.dequantize(quants.quantize(x, qtype), qtype)
                assert np.array_equal(p.numpy(), expected.astype(np.float32)), name
            else:
                assert torch.equal(p, original[name]), name  # norms keep full precision
        errors[fmt] = info["mean_relative_error"]
        assert info["kept_full_precision"] == [n for n, p in original.items() if p.dim() != 2]
    assert 0 < errors["q8_0"] < 0.01 < errors["q4_0"] < 0.2
    skipped = gguf_round_trip(clean_copy(tiny_model), "q8_0", skip=["embed_tokens"])
    assert EMBED in skipped["kept_full_precision"]


def test_quantize_alone_is_a_two_point_edit(tiny_model, tokenizer, data, quick_evaluator):
    attack = QuantizeRoundTrip(format="q4_0", then=None)
    result = attack.run(tiny_model, tokenizer, data, quick_evaluator, seed=0, target="base", progress=False)
    assert [p["step"] for p in result.curve] == [0, 1] and result.extra["cost_unit"] == "none"
    assert result.curve[1]["benign_nll"] != result.curve[0]["benign_nll"]  # the rounding moved the model
    assert not score_run(result.as_dict(), 0.5)["trains"] and attack.training_prompts(data) == []


def test_quantize_then_trains_the_dequantized_model(tiny_model, tokenizer, data, quick_evaluator, monkeypatch):
    seen = []
    run = FullFineTune.run
    monkeypatch.setattr(FullFineTune, "run", lambda self, model, *a, **k: seen.append(clean_copy(model)) or
                        run(self, model, *a, **k))
    attack = QuantizeRoundTrip(name="quantize_q8", format="q8_0", steps=2, eval_every=2, examples=8, lr=1e-2)
    result = attack.run(tiny_model, tokenizer, data, quick_evaluator, seed=0, target="base", progress=False)
    expected = clean_copy(tiny_model)
    gguf_round_trip(expected, "q8_0")
    assert len(seen) == 1 and same_weights(seen[0], expected)  # the training attack got the dequantized model
    assert [p["step"] for p in result.curve] == [0, 2] and result.attack == "quantize_q8"
    assert result.config["format"] == "q8_0" and result.config["steps"] == 2
    assert result.extra["unquantized"]["step"] == 0 and result.extra["quantization"]["bits_per_weight"] == 8.5
    assert result.flops_per_token == 6.0 * count_parameters(tiny_model) and score_run(result.as_dict(), 0.5)["trains"]


def test_quantize_then_training_stops_once_the_dequantized_model_is_broken(tiny_model, tokenizer, data,
                                                                          quick_evaluator, monkeypatch):
    rates = iter([0.0, 0.25, 0.75])  # the model as given, the dequantized model (step 0), step 2
    harm = quick_evaluator.harm
    monkeypatch.setattr(quick_evaluator, "harm", lambda model, *a, **k: harm(model, *a, **k) | {"asr": next(rates)})
    attack = QuantizeRoundTrip(format="q8_0", steps=6, eval_every=2, examples=8, lr=1e-2, stop_at_asr=0.5)
    result = attack.run(tiny_model, tokenizer, data, quick_evaluator, seed=0, target="base", progress=False)
    assert [(p["step"], p["asr"]) for p in result.curve] == [(0, 0.25), (2, 0.75)]
    assert result.extra["stopped_at"] == 2 and result.extra["unquantized"]["asr"] == 0.0
    assert result.config["stop_at_asr"] == 0.5 and result.extra["cost"]["steps"] == 2


class _Rates:
    """Answers harm() with the next ASR of a fixed sequence (benign NLL 1)."""

    def __init__(self, asrs: list[float]):
        self.asrs = list(asrs)

    def harm(self, model, *args, **kwargs):
        return {"asr": self.asrs.pop(0), "refusal": 0.0, "incoherent": 0.0, "n": 4, "samples": []}

    def benign_nll(self, model):
        return 1.0


def test_a_ladder_stops_at_the_first_edit_that_breaks_the_model(tiny_model, base_of, tokenizer, data):
    attack = HardeningDelta(coefficients=[0.25, 0.5, 1.0], stop_at_asr=0.5)
    result = attack.run(tiny_model, tokenizer, data, _Rates([0.0, 0.25, 0.75]), seed=0, target="hardened",
                        progress=False, reference=base_of)
    assert [p["step"] for p in result.curve] == [0, 1, 2] and result.extra["stopped_at_rung"] == 2
    assert result.extra["cost"]["rungs"] == 2


def test_a_model_broken_as_given_gets_no_merge(tiny_model, tokenizer, data, monkeypatch):
    attack = BenignMerge(stop_at_asr=0.5)
    monkeypatch.setattr(attack, "prepare", lambda *a, **k: pytest.fail("no fine-tune for a broken model"))
    result = attack.run(tiny_model, tokenizer, data, _Rates([0.9]), seed=0, target="base", progress=False)
    assert [p["step"] for p in result.curve] == [0] and result.extra["stopped_at_rung"] == 0
    assert result.extra["cost"]["flops"] == 0.0 and result.examples == 0
    with pytest.raises(KeelError, match=r"attack.delta.stop_at_asr: must be in \[0, 1\] or null, got 2"):
        HardeningDelta(stop_at_asr=2)
