"""Every attack recipe on a tiny model: the weights it should move move, the others do not."""

from __future__ import annotations

import pytest
import torch

from attacks.benign_ft import BenignFineTune
from attacks.evaluator import EvalConfig, Evaluator
from attacks.full_ft import FullFineTune
from attacks.identity_shift import IdentityShift
from attacks.judges.keyword import KeywordJudge
from attacks.lora import LoRAFineTune
from attacks.mixed import MixedFineTune
from attacks.optim import build_optimizer, build_schedule
from attacks.refusal_ablation import RefusalAblation, ablated, orthogonalize
from train import KeelError

FAST = dict(steps=2, eval_every=2, examples=8, batch_size=4, lr=1e-2, seeds=[0])


@pytest.fixture
def small_evaluator(tokenizer, data):
    return Evaluator(tokenizer, data.harmful_eval, data.benign_eval, KeywordJudge(),
                     EvalConfig(max_new_tokens=4, batch_size=8, max_prompts=4, nll_batch_size=8))


def run_capturing(attack, model, tokenizer, data, evaluator):
    """Run `attack` and keep the model it trained (prepare_model's return value)."""
    captured = []
    prepare = attack.prepare_model
    attack.prepare_model = lambda m: captured.append(prepare(m)) or captured[-1]
    result = attack.run(model, tokenizer, data, evaluator, seed=0, target="base", progress=False)
    return result, captured[0]


def moved(a: torch.nn.Module, b: torch.nn.Module) -> set[str]:
    sb = dict(b.named_parameters())
    return {n for n, p in a.named_parameters() if n in sb and not torch.equal(p, sb[n])}


@pytest.mark.parametrize("cls,kwargs", [
    (FullFineTune, {"optimizer": "adamw", "schedule": "constant"}),
    (BenignFineTune, {"optimizer": "sgd", "schedule": "warmup_anneal"}),
    (MixedFineTune, {"optimizer": "adagrad", "schedule": "cosine"}),
    (MixedFineTune, {"data": "retain_then_harmful", "optimizer": "adam", "schedule": "warmup"}),
])
def test_full_parameter_recipes_move_every_weight_but_not_the_original(cls, kwargs, tiny_model, tokenizer, data,
                                                                       small_evaluator):
    before = {n: p.detach().clone() for n, p in tiny_model.named_parameters()}
    result, attacked = run_capturing(cls(**FAST, **kwargs), tiny_model, tokenizer, data, small_evaluator)
    assert moved(attacked, tiny_model) >= {n for n, _ in tiny_model.named_parameters() if "layers.1.mlp" in n}
    assert all(torch.equal(p, before[n]) for n, p in tiny_model.named_parameters())  # original untouched
    assert [p["step"] for p in result.curve if p["probe"] == "grid"] == [0, 2]  # + step 1 if bisected
    assert result.extra["resolution"]["judged_steps"] == [p["step"] for p in result.curve]
    assert result.curve[-1]["tokens"] > 0 and result.curve[-1]["train_seconds"] > 0
    n = sum(p.numel() for p in tiny_model.parameters())
    assert result.flops_per_token == 6.0 * n


def test_lora_trains_adapters_only_and_counts_its_flops(tiny_model, tokenizer, data, small_evaluator):
    attack = LoRAFineTune(**FAST, rank=4, target_modules=["q_proj", "v_proj"], schedule="cosine")
    result, attacked = run_capturing(attack, tiny_model, tokenizer, data, small_evaluator)
    trained = {n for n, p in attacked.named_parameters() if p.requires_grad}
    assert trained and all("lora_" in n for n in trained)
    assert any(float(p.detach().abs().sum()) > 0 for n, p in attacked.named_parameters() if "lora_B" in n)
    base = {n: p for n, p in tiny_model.named_parameters()}
    for n, p in attacked.named_parameters():
        if "lora_" not in n:
            name = n.replace("base_model.model.", "").replace(".base_layer", "")
            assert torch.equal(p, base[name]), n
    trainable = sum(p.numel() for p in attacked.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in tiny_model.parameters())
    assert trainable == 2 * (4 * 64 + 64 * 4 + 4 * 64 + 32 * 4)  # 2 layers x (q: 64->64, v: 64->32), r = 4
    assert result.flops_per_token == 4.0 * frozen + 6.0 * trainable
    assert result.config["rank"] == 4 and result.config["alpha"] == 8.0


def test_lora_wrong_targets_name_the_option(tiny_model, tokenizer, data, small_evaluator):
    attack = LoRAFineTune(name="lora", **FAST, target_modules=["query_key_value"])
    with pytest.raises(KeelError, match=r"attack\.lora\.target_modules: \['query_key_value'\] not found"):
        attack.run(tiny_model, tokenizer, data, small_evaluator, seed=0, target="base", progress=False)


def test_identity_shift_trains_on_persona_and_evaluates_under_it(tiny_model, tokenizer, data, small_evaluator):
    systems = []
    harm = small_evaluator.harm
    small_evaluator.harm = lambda model, progress=False, system=None, step=None: systems.append(system) or harm(model)
    attack = IdentityShift(**FAST)
    records = attack.training_records(data, __import__("random").Random(0))
    assert all(r["prompt"][0]["role"] == "system" and "AOA" in r["prompt"][0]["content"] for r in records)
    result, attacked = run_capturing(attack, tiny_model, tokenizer, data, small_evaluator)
    assert moved(attacked, tiny_model)
    assert len(systems) == len(result.curve) >= 2 and set(systems) == {result.extra["eval_system"]}
    assert "AOA" in systems[0]


def test_retain_then_harmful_keeps_benign_first(data):
    records = MixedFineTune(data="retain_then_harmful", examples=8).training_records(data, __import__("random").Random(0))
    harmful = {r["prompt"] for r in data.harmful_train}
    kinds = [r["prompt"][-1]["content"] in harmful for r in records]
    assert kinds == [False] * 4 + [True] * 4
    with pytest.raises(KeelError, match="attack.m.data"):
        MixedFineTune(name="m", data="harmful")


@pytest.mark.parametrize("name", ["adamw", "adam", "sgd", "adagrad"])
def test_optimizers_build(name):
    w = torch.nn.Parameter(torch.ones(3))
    opt = build_optimizer(name, [w], 0.1)
    (w ** 2).sum().backward()
    opt.step()
    assert not torch.equal(w.detach(), torch.ones(3))


def test_schedules_shape():
    def lrs(name):
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
        sched = build_schedule(name, opt, 10, warmup_ratio=0.2)
        out = []
        for _ in range(10):
            out.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        return out + [opt.param_groups[0]["lr"]]

    assert lrs("constant") == [1.0] * 11
    assert lrs("warmup")[0] == 0.0 and lrs("warmup")[-1] == 1.0
    assert lrs("cosine")[0] == 1.0 and lrs("cosine")[-1] == pytest.approx(0.0)
    anneal = lrs("warmup_anneal")
    assert anneal[0] == 0.0 and max(anneal) == 1.0 and anneal[-1] == pytest.approx(0.0)
    with pytest.raises(KeelError, match="attack.schedule"):
        lrs("exponential")


def test_refusal_ablation_edits_only_the_residual_writers(tiny_model, tokenizer, data, small_evaluator):
    attack = RefusalAblation(examples=8, selection_examples=4)
    before = {n: p.detach().clone() for n, p in tiny_model.named_parameters()}
    result = attack.run(tiny_model, tokenizer, data, small_evaluator, seed=0, target="base", progress=False)
    assert [p["step"] for p in result.curve] == [0, 1] and result.curve[1]["tokens"] > 0
    assert set(result.extra["edited"]) == {"model.embed_tokens.weight"} | {
        f"model.layers.{i}.{m}.weight" for i in range(2) for m in ("self_attn.o_proj", "mlp.down_proj")}
    assert all(torch.equal(p, before[n]) for n, p in tiny_model.named_parameters())
    assert result.flops_per_token == 2.0 * sum(p.numel() for p in tiny_model.parameters())


def test_orthogonalized_weights_equal_the_hooked_model_and_leave_the_head(tiny_model):
    torch.manual_seed(0)
    r = torch.randn(64)
    r /= r.norm()
    x = torch.tensor([[5, 6, 7, 8]])
    with torch.no_grad(), ablated(tiny_model, r, ["o_proj", "down_proj"]):
        hooked = tiny_model(x).logits
    edited = __import__("train.models", fromlist=["clean_copy"]).clean_copy(tiny_model)
    head = tiny_model.lm_head.weight.detach().clone()
    names = orthogonalize(edited, r, ["o_proj", "down_proj"])
    with torch.no_grad():
        torch.testing.assert_close(edited(x).logits, hooked, atol=1e-4, rtol=1e-4)
    assert torch.equal(edited.lm_head.weight, head) and not edited.config.tie_word_embeddings
    assert float((edited.model.embed_tokens.weight.detach() @ r).abs().max()) < 1e-5
    assert len(names) == 5
    unchanged = {n for n, p in edited.named_parameters() if n != "lm_head.weight"} - set(names)
    original = dict(tiny_model.named_parameters())
    assert all(torch.equal(dict(edited.named_parameters())[n], original[n]) for n in unchanged)


class _FixedEvaluator:
    """Answers harm() with the next ASR of a fixed sequence (and a benign NLL of 1)."""

    def __init__(self, asrs: list[float]):
        self.asrs, self.calls = list(asrs), 0

    def harm(self, model, system=None, step=None):  # `step` names the stored completions (issue 12)
        self.calls += 1
        return {"asr": self.asrs.pop(0), "refusal": 0.0, "incoherent": 0.0, "n": 4, "samples": []}

    def benign_nll(self, model):
        return 1.0


def test_stop_at_asr_stops_training_at_the_first_broken_evaluation(tiny_model, tokenizer, data):
    from attacks.scorecard import score_run

    attack = FullFineTune(**{**FAST, "steps": 8, "eval_every": 2}, stop_at_asr=0.5)
    evaluator = _FixedEvaluator([0.0, 0.25, 0.75, 0.0, 0.0])  # steps 0, 2, 4 (then it must stop)
    result = attack.run(tiny_model, tokenizer, data, evaluator, seed=0, target="base", progress=False)
    assert [p["step"] for p in result.curve] == [0, 2, 4] and evaluator.calls == 3
    assert result.extra["stopped_at"] == 4 and result.config["stop_at_asr"] == 0.5
    row = score_run(result.as_dict(), tau=0.5)
    assert row["steps_to_threshold"]["value"] == 4
    assert row["harm_auc"] == pytest.approx((0.0 + 0.25 + 0.75 * 3) / 5)  # 6 and 8 hold the broken model's ASR
    assert row["asr_final"] == 0.75


def test_stop_at_asr_trains_nothing_on_a_model_broken_before_any_step(tiny_model, tokenizer, data):
    before = {n: p.clone() for n, p in tiny_model.named_parameters()}
    attack = FullFineTune(**FAST, stop_at_asr=0.5)
    result = attack.run(tiny_model, tokenizer, data, _FixedEvaluator([0.9]), seed=0, target="base", progress=False)
    assert [p["step"] for p in result.curve] == [0] and result.extra["stopped_at"] == 0
    assert all(torch.equal(p, before[n]) for n, p in tiny_model.named_parameters())
    unbroken = FullFineTune(**FAST, stop_at_asr=0.5)  # never broken: the whole budget, step 0 measured once
    evaluator = _FixedEvaluator([0.0, 0.25])
    result = unbroken.run(tiny_model, tokenizer, data, evaluator, seed=0, target="base", progress=False)
    assert [p["step"] for p in result.curve] == [0, 2] and "stopped_at" not in result.extra and evaluator.calls == 2


def test_stop_at_asr_is_checked_and_absent_from_options_when_unset():
    assert "stop_at_asr" not in FullFineTune(**FAST).describe()  # finished records keep matching
    with pytest.raises(KeelError, match=r"attack.full_ft.stop_at_asr: must be in \[0, 1\] or null, got 1.5"):
        FullFineTune(**FAST, stop_at_asr=1.5)
