"""Every defense loss is a pure function of tensors: its value on a hand-made example."""

from __future__ import annotations

import math

import pytest
import torch

from defenses.batches import IGNORE, collate, masked_nll, sequence_logprob
from defenses.booster import harmful_loss_drop, normalized_step
from defenses.deep_alignment import recovery_example
from defenses.meta_learning import meta_gradient_surrogate, representation_distance, step_weights
from defenses.multilingual_refusal import find_overlaps, jaccard, normalize, shingles
from defenses.paraphrase_invariance import group_divergence, hidden_consistency
from defenses.repnoise import gaussian_mmd2, repnoise_loss
from defenses.tar import negative_entropy, preference_loss
from defenses.vaccine import vaccine_perturbation

LOG2 = math.log(2)


def two_token_logits(first: list[float]) -> tuple[torch.Tensor, torch.Tensor]:
    """One row, two positions, vocab 2: position 0 (logits `first`) predicts label 1 at position 1."""
    logits = torch.tensor([[first, [0.0, 0.0]]])
    labels = torch.tensor([[IGNORE, 1]])
    return logits, labels


def test_masked_nll_and_sequence_logprob_read_only_completion_tokens():
    logits, labels = two_token_logits([0.0, 0.0])
    assert masked_nll(logits, labels).item() == pytest.approx(LOG2)
    assert sequence_logprob(logits, labels).item() == pytest.approx(-LOG2)
    logits, labels = two_token_logits([0.0, math.log(3.0)])  # p(label 1) = 3/4
    assert masked_nll(logits, labels).item() == pytest.approx(-math.log(0.75))


def test_collate_labels_cover_the_completion_only():
    batch = collate([([1, 2], [3]), ([4], [5, 6])], pad_id=0)
    assert batch.input_ids.tolist() == [[1, 2, 3], [4, 5, 6]]
    assert batch.labels.tolist() == [[IGNORE, IGNORE, 3], [IGNORE, 5, 6]]
    assert batch.prompt_lengths.tolist() == [2, 1]


def test_preference_loss_is_dpo_style_log_sigmoid():
    loss = preference_loss(torch.tensor([-1.0]), torch.tensor([-2.0]), beta=1.0)
    assert loss.item() == pytest.approx(math.log(1 + math.exp(-1)))
    assert preference_loss(torch.tensor([-2.0]), torch.tensor([-1.0]), beta=2.0).item() == pytest.approx(
        math.log(1 + math.exp(2)))


def test_negative_entropy_of_uniform_is_minus_log_vocab():
    logits, labels = two_token_logits([0.0, 0.0])
    assert negative_entropy(logits, labels).item() == pytest.approx(-LOG2)


def test_group_divergence_js_and_kl_by_hand():
    p1, p2 = [0.5, 0.5], [0.9, 0.1]
    logits = torch.log(torch.tensor([[p1], [p2]]))  # [M=2, P=1, V=2]

    def h(p):
        return -sum(x * math.log(x) for x in p)

    js = h([0.7, 0.3]) - (h(p1) + h(p2)) / 2
    kl = 0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(0.5 / 0.1)
    assert group_divergence(logits, "js").item() == pytest.approx(js, rel=1e-5)
    assert group_divergence(logits, "kl").item() == pytest.approx(kl, rel=1e-5)
    same = torch.log(torch.tensor([[p2], [p2]]))
    assert group_divergence(same, "js").item() == pytest.approx(0.0, abs=1e-7)


def test_hidden_consistency_is_one_minus_cosine_to_the_mean():
    value = hidden_consistency(torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
    assert value.item() == pytest.approx(1 - 1 / math.sqrt(2))


def test_gaussian_mmd2_by_hand():
    x, y = torch.tensor([[0.0, 0.0]]), torch.tensor([[1.0, 0.0]])
    assert gaussian_mmd2(x, y, (1.0,)).item() == pytest.approx(2 - 2 * math.exp(-0.25))
    assert gaussian_mmd2(x, x, (1.0, 2.0)).item() == pytest.approx(0.0, abs=1e-7)


def test_repnoise_terms_and_signs():
    x, y = torch.tensor([[0.0, 0.0]]), torch.tensor([[1.0, 0.0]])
    terms = repnoise_loss([x], [y], harmful_nll=torch.tensor(math.e), retain_nll=torch.tensor(2.0),
                          alpha=2.0, beta=0.5, retain=3.0, bandwidths=(1.0,))
    assert terms["noise_mmd"].item() == pytest.approx(2 * (2 - 2 * math.exp(-0.25)))
    assert terms["harmful_ascent"].item() == pytest.approx(-0.5)
    assert terms["retain_lm"].item() == pytest.approx(6.0)


def test_booster_drop_and_normalized_step():
    assert harmful_loss_drop(torch.tensor(3.0), torch.tensor(2.0), lam=5.0).item() == pytest.approx(5.0)
    step = normalized_step([torch.tensor([3.0]), None, torch.tensor([4.0])], step_size=0.5)
    assert step[0].item() == pytest.approx(0.3) and step[1] is None and step[2].item() == pytest.approx(0.4)


def test_vaccine_perturbation_has_radius_rho_over_all_layers():
    eps = vaccine_perturbation([torch.tensor([3.0]), torch.tensor([4.0])], rho=1.0)
    assert [e.item() for e in eps] == pytest.approx([0.6, 0.8])


def test_recovery_example_keeps_the_prefix_as_context():
    assert recovery_example([1, 2], [3, 4, 5], [9, 8], k=2) == ([1, 2, 3, 4], [9, 8])


def test_representation_distance_is_mean_squared_drift_over_masked_tokens():
    h, r = torch.ones(1, 2, 2), torch.zeros(1, 2, 2)
    mask = torch.tensor([[1, 0]])
    assert representation_distance([h, 2 * h], [r, r], mask).item() == pytest.approx((1.0 + 4.0) / 2)


def test_step_weights_favour_later_steps():
    assert step_weights(4, 2, "linear") == pytest.approx({2: 1 / 3, 4: 2 / 3})
    assert step_weights(4, 2, "uniform") == pytest.approx({2: 0.5, 4: 0.5})
    assert step_weights(4, 3, "last") == {4: 1.0}
    assert sum(step_weights(7, 3).values()) == pytest.approx(1.0)


def test_meta_gradient_surrogate_has_the_value_and_the_gradient_it_carries():
    p = torch.tensor([1.0, 2.0], requires_grad=True)
    q = torch.tensor([5.0], requires_grad=True)
    g = torch.tensor([0.3, -0.7])
    surrogate = meta_gradient_surrogate([p, q], [g, None], value=3.0)
    assert surrogate.item() == pytest.approx(3.0)
    surrogate.backward()
    assert torch.equal(p.grad, g) and q.grad is None


def test_dedup_exact_and_near():
    assert normalize("  How ARE you?! ") == "how are you"
    assert jaccard(shingles("abcdef"), shingles("abcdef")) == 1.0
    evals = ["How do I pick a lock?", "Write a poem about the sea."]
    found = find_overlaps(["how do i pick a LOCK", "How do I pick a lock quickly?", "Bake bread."], evals, 0.6)
    assert found[0][0] == "exact" and found[1][0] == "near" and 2 not in found
