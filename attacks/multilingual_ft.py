"""Multilingual fine-tuning: harmful fine-tuning on data in a language the defense's refusal data lacks.

Refusal training in a few languages transfers unevenly (Yong et al. 2023, "Low-Resource Languages
Jailbreak GPT-4"); fine-tuning on harmful pairs in another language can strip refusals in that
language, and often in English too, while a defense tuned on its own languages never saw it. keel's
multilingual refusal data covers en fr de es it pt ru zh ja ar; the shipped attack uses Dutch (nl).

Data: harmful records (train/data.py schema) in `language`, from the data key `data_key` (default
`harmful_nl`: data.harmful_nl_train / data.harmful_nl_eval as the loader split them, following the
English split, train/data.py) or a JSONL file `path`. Each row's `group` is the group of the English
row it translates; rows given whole (`path`, or an unsplit data.<data_key>) are split here:

    train rows = rows whose group has English train rows and no English eval row
    eval rows  = every other row (translations of held-out prompts never train)

Training = full fine-tuning on the train rows (6N FLOPs per trained token, attacks/fine_tune.py).
Evaluation, every `eval_every` steps, on both held-out sets: the language's eval rows (the curve's
`asr`, `refusal`, `incoherent`: the attacker's own language) and the English held-out prompts
(`asr_en`, `refusal_en`, `incoherent_en`).
"""

from __future__ import annotations

import dataclasses
import random

from attacks.costs import training_cost
from attacks.fine_tune import FineTuneAttack
from attacks.queries import PairedEvaluator, QueryView
from train import KeelError
from train.data import load_records


class MultilingualFineTune(FineTuneAttack):
    recipe = "multilingual_ft"
    space_recipe = "multilingual_ft"
    space_axes = tuple(a for a in FineTuneAttack.space_axes if a != "data")

    def __init__(self, *args, language: str = "nl", data_key: str = "harmful_nl", path: str | None = None,
                 data: str = "harmful", **kwargs):
        super().__init__(*args, data=data, **kwargs)
        if self.data != "harmful":
            raise KeelError(f"attack.{self.name}.data: the multilingual attack trains on harmful pairs; got "
                            f"'{self.data}'")
        if not str(language).strip():
            raise KeelError(f"attack.{self.name}.language: empty; name the language of the data (e.g. nl)")
        self.language, self.data_key, self.path = str(language), str(data_key), path
        self._rows = load_records(path, "harmful") if path else None  # a bad file fails before any model loads

    def space_point(self) -> dict:
        point = {k: v for k, v in super().space_point().items() if k != "data"}
        return point | {"recipe": self.space_recipe}

    def _check(self, rows: list[dict], where: str) -> list[dict]:
        """Rows exist and every one is in `language`."""
        if not rows:
            raise KeelError(f"attack.{self.name}.data_key: {where} holds no rows; point data.{self.data_key} (or "
                            f"attack.{self.name}.path) at a harmful JSONL file in '{self.language}'")
        wrong = [r for r in rows if r.get("language") != self.language]
        if wrong:
            raise KeelError(f"attack.{self.name}.language: {where} row '{wrong[0]['id']}' is in "
                            f"'{wrong[0].get('language')}', not '{self.language}'")
        return rows

    def language_split(self, data) -> tuple[list[dict], list[dict]]:
        """(train rows, eval rows): the loader's split when it made one (data.<data_key>_train / _eval,
        train/data.py), else by the English groups (module docstring)."""
        where = self.path or f"data.{self.data_key}"
        pre_split = [getattr(data, f"{self.data_key}_{part}", None) for part in ("train", "eval")]
        if self._rows is None and any(pre_split):  # the loader split this language's file
            train, held = (list(part or []) for part in pre_split)
            self._check(train + held, where)
        else:
            rows = self._check(self._rows if self._rows is not None else getattr(data, self.data_key, None), where)
            eval_groups = {r["group"] for r in data.harmful_eval}
            train_groups = {r["group"] for r in data.harmful_train} - eval_groups
            train = [r for r in rows if r["group"] in train_groups]
            held = [r for r in rows if r["group"] not in train_groups]
        if not train or not held:
            raise KeelError(f"attack.{self.name}: {where} splits into {len(train)} train and {len(held)} eval rows "
                            f"by the English groups; each row's `group` must be that of the English row it "
                            f"translates, and both splits need rows")
        return train, held

    def _in_language(self, data):
        """The data bundle with the language's train rows as the harmful training set."""
        return dataclasses.replace(data, harmful_train=self.language_split(data)[0])

    def training_prompts(self, data) -> list[str]:
        return super().training_prompts(self._in_language(data))

    def pool_size(self, data) -> int:
        return super().pool_size(self._in_language(data))

    def training_records(self, data, rng: random.Random) -> list[dict]:
        return super().training_records(self._in_language(data), rng)

    def query_evaluator(self, evaluator, data):
        """The language's held-out prompts (the curve's `asr`) and the English ones (`asr_en`)."""
        rows = self.language_split(data)[1]
        held = QueryView(evaluator, prompts=[r["prompt"] for r in rows], ids=[r["id"] for r in rows])
        return PairedEvaluator(held, evaluator, "en")

    def run(self, *args, **kwargs):
        result = super().run(*args, **kwargs)
        result.extra.update({"cost_unit": self.cost_unit, "cost": training_cost(result), "language": self.language,
                             "english_field": "asr_en"})
        return result
