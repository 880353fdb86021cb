"""Bad-input cases: the command line and the options (train/options.py), by family. Each family tries many
variants of one mistake; tests/test_bad_inputs.py runs every case and writes docs/bad_inputs.md.

A case is Case(family, what is wrong, build(tmp, monkeypatch) -> overrides, a substring of the line).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Case:
    family: str
    what: str
    build: Callable  # (tmp, monkeypatch) -> extra overrides (keel harden) or the whole argv (other commands)
    expected: str
    command: str = "harden"  # "harden": the runner adds `harden`, the fast options and run.dir; else argv as built


def args(*overrides: str) -> Callable:
    return lambda tmp, mp: list(overrides)


def family(name: str, variants: dict[str, tuple[str, tuple[str, ...], str]]) -> dict[str, Case]:
    """id -> Case for variants given as id -> (what, overrides, expected substring)."""
    return {key: Case(name, what, args(*overrides), expected) for key, (what, overrides, expected) in variants.items()}


NAME = "run.name: must be a plain name"
CASES: dict[str, Case] = {
    **family("command line", {
        "unknown_defense": ("unknown defense name", ("defense=[nope]",), "defense: no option 'nope' in conf/defense/"),
        "unknown_attack": ("unknown attack name", ("attack=[nope]",), "attack: no option 'nope' in conf/attack/"),
        "unknown_judge": ("unknown judge name", ("judge=nope",), "judge: no option 'nope' in conf/judge/"),
        "unknown_model_config": ("unknown model config", ("model=nope",), "model: no option 'nope'"),
        "unknown_deepspeed_config": ("unknown ZeRO config", ("deepspeed=zero9",), "deepspeed: no option 'zero9'"),
        "mistyped_override": ("misspelled option", ("harden.stpes=5",), "harden.stpes: no such option"),
        "override_syntax": ("unparsable override", ("harden.steps=[1,",), "cannot parse the override 'harden.steps=[1,'"),
        "override_nul": ("a NUL byte in an override", ("run.name=a\0b",), "cannot parse the override 'run.name=a\\x00b'"),
        "missing_model_path": ("model=hf without model.path", ("model=hf",), "model.path: no value given"),
        "added_unknown_option": ("an unknown option added with +", ("+budget.stepz=3",), "budget.stepz: not an option of budget"),
        "added_unknown_section": ("an unknown top-level section added with +", ("+notes.x=1",), "notes: not an option of the config"),
    }),
    **family("run name (path traversal)", {
        "run_name_parent": ("run.name climbs out of runs/", ("run.name=../escape",), NAME),
        "run_name_nested_parent": ("run.name with a '..' segment inside", ("run.name=a/../../escape",), NAME),
        "run_name_absolute": ("absolute run.name", ("run.name=/tmp/escape",), NAME),
        "run_name_slash": ("run.name with a slash", ("run.name=sweep/1",), NAME),
        "run_name_dot": ("run.name '.'", ("run.name=.",), NAME),
        "run_name_dotdot": ("run.name '..'", ("run.name=..",), NAME),
        "run_name_empty": ("empty run.name", ("run.name=''",), NAME),
        "run_name_space": ("run.name with a space", ("run.name='my run'",), NAME),
        "run_name_home": ("run.name starting with ~", ("run.name='~root'",), NAME),
        "run_name_dash": ("run.name starting with '-'", ("run.name=-rf",), NAME),
        "run_name_backslash": ("run.name with a backslash", ("run.name='a\\\\b'",), NAME),
        "run_name_long": ("run.name of 300 characters", ("run.name=" + "x" * 300,), NAME),
        "run_name_number_list": ("run.name given as a list", ("run.name=[a,b]",), "run.name: must be a string"),
        "run_dir_empty": ("empty run.dir", ("run.dir=''",), "run.dir: must be a path"),
        "run_dir_long_component": ("run.dir with a 300-character component", ("run.dir=/tmp/" + "d" * 300,), "cannot write (File name too long); choose a shorter run.dir"),
    }),
    **family("seeds", {
        "no_seeds": ("empty seed list", ("budget.seeds=[]",), "budget.seeds: must be a non-empty list of distinct integers"),
        "seed_text": ("a seed that is text", ("budget.seeds=[abc]",), "budget.seeds[0]: must be an integer, got 'abc'"),
        "seed_float": ("a fractional seed", ("budget.seeds=[0.5]",), "budget.seeds[0]: must be an integer, got 0.5"),
        "seed_bool": ("a boolean seed", ("budget.seeds=[true]",), "budget.seeds[0]: must be an integer, got True"),
        "seed_not_list": ("seeds not a list", ("budget.seeds=abc",), "budget.seeds: must be a list, got 'abc'"),
        "seed_duplicate": ("the same seed twice", ("budget.seeds=[1,1]",), "budget.seeds: must be a non-empty list of distinct integers"),
        "attack_seed_duplicate": ("one attack's own seeds repeat", ("attack.full_ft.seeds=[2,2]",), "attack.full_ft.seeds: must be distinct integers"),
        "attack_seed_empty": ("one attack's own seed list empty", ("attack.full_ft.seeds=[]",), "attack.full_ft.seeds: empty"),
        "search_seed_text": ("adaptive-search seed that is text", ("search.seeds=[x]",), "search.seeds[0]: must be an integer"),
    }),
    **family("numeric options", {
        "harden_steps_zero": ("zero hardening steps", ("harden.steps=0",), "harden.steps: must be positive, got 0"),
        "harden_steps_negative": ("negative hardening steps", ("harden.steps=-3",), "harden.steps: must be positive, got -3"),
        "harden_steps_text": ("non-numeric steps", ("harden.steps=many",), "harden.steps: must be an integer, got 'many'"),
        "harden_steps_float": ("fractional hardening steps", ("harden.steps=2.5",), "harden.steps: must be an integer, got 2.5"),
        "harden_lr_negative": ("negative learning rate", ("harden.lr=-0.001",), "harden.lr: must be positive"),
        "harden_lr_nan": ("nan learning rate", ("harden.lr=nan",), "harden.lr: must be a number, got nan"),
        "harden_batch_zero": ("zero hardening batch", ("harden.batch_size=0",), "harden.batch_size: must be positive"),
        "harden_save_negative": ("negative checkpoint interval", ("harden.save_steps=-1",), "harden.save_steps: must be non-negative"),
        "harden_warmup_negative": ("negative warmup", ("harden.warmup_steps=-2",), "harden.warmup_steps: must be non-negative"),
        "harden_seed_text": ("hardening seed that is text", ("harden.seed=abc",), "harden.seed: must be an integer"),
        "harden_logging_zero": ("zero logging interval", ("harden.logging_steps=0",), "harden.logging_steps: must be positive"),
        "attack_steps_zero": ("zero attack steps", ("budget.steps=0",), "budget.steps: must be positive, got 0"),
        "budget_eval_every_zero": ("zero evaluation interval", ("budget.eval_every=0",), "budget.eval_every: must be positive"),
        "budget_examples_negative": ("negative example budget", ("budget.examples=-1",), "budget.examples: must be positive"),
        "lr_scale_text": ("learning-rate scale that is text", ("budget.lr_scale=abc",), "budget.lr_scale: must be a number, got 'abc'"),
        "lr_scale_zero": ("zero learning-rate scale", ("budget.lr_scale=0",), "budget.lr_scale: must be positive"),
        "stop_at_asr_range": ("stop_at_asr above 1", ("budget.stop_at_asr=2",), "budget.stop_at_asr: must be in [0, 1]"),
        "threshold_above_one": ("threshold above 1", ("threshold=1.5",), "threshold: must be in [0, 1], got 1.5"),
        "threshold_negative": ("threshold below 0", ("threshold=-0.1",), "threshold: must be in [0, 1]"),
        "threshold_text": ("threshold that is text", ("threshold=high",), "threshold: must be a number, got 'high'"),
        "eval_batch_zero": ("zero eval batch size", ("eval.batch_size=0",), "eval.batch_size: must be positive"),
        "eval_tokens_zero": ("zero generated tokens", ("eval.max_new_tokens=0",), "eval.max_new_tokens: must be positive"),
        "eval_nll_batch_negative": ("negative NLL batch", ("eval.nll_batch_size=-1",), "eval.nll_batch_size: must be positive"),
        "eval_max_prompts_text": ("prompt cap that is text", ("eval.max_prompts=all",), "eval.max_prompts: must be an integer"),
        "eval_fraction": ("eval fraction outside (0, 1)", ("data.eval_fraction=1.5",), "data.eval_fraction: must be in (0, 1)"),
        "eval_fraction_zero": ("eval fraction 0", ("data.eval_fraction=0",), "data.eval_fraction: must be in (0, 1)"),
        "split_seed_text": ("split seed that is text", ("data.split_seed=x",), "data.split_seed: must be an integer"),
        "max_chars_zero": ("zero text-length cap", ("+data.max_chars=0",), "data.max_chars: must be positive"),
        "eval_split_unknown": ("evaluation split that is neither test nor validation", ("data.eval_split=dev",), "data.eval_split: 'dev' is not one of test, validation"),
        "test_rows_unknown_set": ("test rows for a set that has none", ("data.test_rows={benign:4}",), "data.test_rows: must be a map from harmful_eval / edgy / mcq"),
        "test_rows_zero": ("zero test rows", ("data.test_rows={edgy:0}",), "data.test_rows: must be a map from harmful_eval / edgy / mcq to a row count >= 1"),
        "test_rows_negative": ("negative test rows", ("data.test_rows={harmful_eval:-3}",), "data.test_rows: must be a map"),
        "test_rows_text": ("test rows that are text", ("data.test_rows={mcq:all}",), "data.test_rows: must be a map"),
        "test_rows_bool": ("test rows that are a boolean", ("data.test_rows={mcq:true}",), "data.test_rows: must be a map"),
        "test_rows_list": ("test rows given as a list", ("data.test_rows=[32,48]",), "data.test_rows: must be"),
        "validation_without_test_rows": ("validation split without test rows", ("data.eval_split=validation",), "data.eval_split=validation: needs data.test_rows"),
        "test_rows_take_all": ("test rows that leave no validation rows", ("data.eval_split=validation", "data.test_rows={edgy:100000}"), "data.test_rows.edgy: 100000 test rows leave no validation rows in data.edgy"),
    }),
    **family("effort, utility, hygiene and search options", {
        "utility_eps_negative": ("negative utility bound", ("effort.utility_eps=-1",), "effort.utility_eps: must be non-negative"),
        "ladder_zero": ("examples ladder with 0", ("effort.examples_ladder=[0,10]",), "effort.examples_ladder: must be a list of distinct positive integers"),
        "ladder_duplicate": ("examples ladder with a repeat", ("effort.examples_ladder=[10,10]",), "effort.examples_ladder: must be a list of distinct positive integers"),
        "ladder_text": ("examples ladder with text", ("effort.examples_ladder=[ten]",), "effort.examples_ladder[0]: must be an integer"),
        "validation_unknown": ("validation attack not in the run", ("effort.validation_attacks=[nope]",), "effort.validation_attacks: ['nope'] not among"),
        "hygiene_ngram_zero": ("zero n-gram size", ("hygiene.ngram=0",), "hygiene.ngram: must be positive"),
        "hygiene_jaccard_zero": ("Jaccard threshold 0", ("hygiene.jaccard=0",), "hygiene.jaccard: must be in (0, 1]"),
        "hygiene_jaccard_above_one": ("Jaccard threshold above 1", ("hygiene.jaccard=1.5",), "hygiene.jaccard: must be in (0, 1]"),
        "hygiene_overlap_range": ("overlap bound above 1", ("hygiene.max_overlap=2",), "hygiene.max_overlap: must be in [0, 1]"),
        "hygiene_drop_text": ("hygiene.drop not a boolean", ("hygiene.drop=maybe",), "hygiene.drop: must be true or false"),
        "utility_enabled_text": ("utility.enabled not a boolean", ("utility.enabled=maybe",), "utility.enabled: must be true or false"),
        "utility_max_prompts_zero": ("zero utility rows", ("utility.max_prompts=0",), "utility.max_prompts: must be positive"),
        "search_trials_zero": ("zero search trials", ("search.n_trials=0",), "search.n_trials: must be positive"),
        "wandb_mode": ("unknown W&B mode", ("wandb.mode=loud",), "wandb.mode: 'loud' is not one of"),
        "resume_value": ("unknown resume mode", ("resume=maybe",), "resume: 'maybe' is not one of"),
    }),
    **family("trainer keys and schedules", {
        "harden_schedule": ("unknown hardening schedule", ("harden.schedule=cosin",), "harden.schedule: must be one of the transformers schedules"),
        "harden_trainer_key": ("misspelled SFTConfig key", ("+harden.trainer.bff16=true",), "harden.trainer.bff16: not a field of TRL's SFTConfig"),
        "harden_trainer_key2": ("TrainingArguments key that does not exist", ("+harden.trainer.learning_rat=0.1",), "harden.trainer.learning_rat: not a field"),
        "harden_trainer_value": ("SFTConfig value TRL refuses", ("+harden.trainer.lr_scheduler_type=nope",), "harden.trainer:"),
        "attack_schedule": ("unknown attack schedule", ("attack.full_ft.schedule=cosin",), "attack.full_ft.schedule: 'cosin' is not one of"),
        "attack_optimizer": ("unknown attack optimizer", ("attack.full_ft.optimizer=adamx",), "attack.full_ft.optimizer: 'adamx' is not one of"),
        "attack_trainer_key": ("attack trainer key not in SFTConfig", ("+attack.full_ft.trainer.bogus=1",), "attack.full_ft.trainer.bogus: not a field"),
        "attack_data_source": ("unknown attack data source", ("attack.full_ft.data=nope",), "attack.full_ft.data: 'nope' is not one of"),
        "defense_option": ("invalid defense option", ("defense=[tar]", "defense.tar.inner_steps=0"), "defense.tar.inner_steps: must be >= 1"),
        "model_dtype": ("unknown dtype", ("model.dtype=float8",), "model.dtype: 'float8' is not one of"),
        "model_source": ("unknown model source", ("model.source=onnx",), "model.source: 'onnx' is not one of"),
    }),
    **family("attacks beyond fine-tuning", {
        "prefill_ladder": ("prefill ladder not increasing", ("attack=[prefill]", "attack.prefill.ladder=[5,0]"), "attack.prefill.ladder: must be increasing without repeats"),
        "quantize_format": ("unknown GGUF format", ("attack=[quantize_q4]", "attack.quantize_q4.format=q4_k"), "attack.quantize_q4.format: 'q4_k' is not one of"),
        "language_data_missing": ("multilingual attack without rows in its language", ("attack=[multilingual_ft]", "attack.multilingual_ft.data_key=harmful_xx"), "attack.multilingual_ft.data_key: data.harmful_xx holds no rows"),
    }),
}
