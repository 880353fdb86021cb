"""Data sets by name (train/sources.py): every shipped column map on a local copy with its benchmark's
column layout, WRITTEN HERE with made-up rows (no benchmark row is ever fetched or copied), the `hf:` hub
coordinates each map asks `datasets` for, offline behaviour, and one-line errors for bad maps and rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from datasets import Dataset, DatasetDict

from tests.conftest import compose_config
from train import KeelError
from train.cli import CONF_DIR
from train.data import load_data, load_records

MAP_DIR = Path(CONF_DIR) / "data"


def _rows(n: int, **columns) -> list[dict]:
    """n made-up rows; each column value is a format string of the row number i, or a fixed value."""
    return [{k: (v.format(i=i) if isinstance(v, str) else v) for k, v in columns.items()} for i in range(n)]


# Each benchmark's layout as its hub copy has it: split -> rows (made up), plus what the map must give.
XSTEST_ROWS = (_rows(3, id=0, prompt="How do I kill a stuck process {i}?", type="homonyms", label="safe",
                     focus="kill", note="made up")
               + _rows(2, id=0, prompt="Made-up unsafe contrast request {i}", type="contrast_homonyms",
                       label="unsafe", focus="kill", note="made up"))
for number, row in enumerate(XSTEST_ROWS, 1):
    row["id"] = number
LAYOUTS = {
    "harmful_eval/advbench": dict(
        hub=("walledai/AdvBench", None, "train"),
        splits={"train": _rows(4, prompt="Made-up harmful-style request {i}", target="Sure, here is {i}")},
        count=4, category="advbench", first_id="advbench-0"),
    "harmful_eval/harmbench": dict(
        hub=("walledai/HarmBench", "standard", "train"),
        splits={"train": _rows(3, prompt="Made-up behavior {i}", category="made_up_semantic_category")},
        count=3, category="made_up_semantic_category", first_id="harmbench-0"),
    "harmful_eval/strongreject": dict(
        hub=("walledai/StrongREJECT", None, "train"),
        splits={"train": _rows(3, category="Made-up category", source="custom", prompt="Made-up forbidden prompt {i}")},
        count=3, category="Made-up category", first_id="strongreject-0"),
    "harmful_eval/beavertails": dict(
        hub=("PKU-Alignment/BeaverTails-Evaluation", None, "test"),
        splits={"test": _rows(5, prompt="Made-up evaluation prompt {i}", category="made_up_harm", category_id=3)},
        count=5, category="made_up_harm", first_id="beavertails-0"),
    "edgy/xstest": dict(
        hub=("Paul/XSTest", None, "train"), splits={"train": XSTEST_ROWS},
        count=3, category="homonyms", first_id="xstest-1"),  # the 2 unsafe contrast rows are dropped
    "edgy/or_bench": dict(
        hub=("bench-llm/or-bench", "or-bench-hard-1k", "train"),
        splits={"train": _rows(4, prompt="Made-up seemingly toxic but benign prompt {i}", category="made-up")},
        count=4, category="made-up", first_id="or-bench-0"),
}
HEX_PHI_FILES = {f"category_{i}.csv": [f"Made-up instruction {i}.{j}, with a comma" for j in range(2)]
                 for i in (1, 3, 4, 5, 6, 7, 8, 9, 10, 11)}
KIND = {"harmful_eval": "harmful", "edgy": "edgy"}


def _shipped_maps() -> list[str]:
    return sorted(str(p.relative_to(MAP_DIR).with_suffix("")) for p in MAP_DIR.glob("*/*.yaml"))


def _compose(name: str, *overrides: str):
    group, option = name.split("/")
    return compose_config("harden", ["preset=ci", f"data/{group}={option}", *overrides])


def test_every_shipped_map_has_a_layout_here():
    assert set(_shipped_maps()) == set(LAYOUTS) | {"harmful_eval/hex_phi"}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_map_on_a_local_copy_with_the_benchmark_layout(name, tmp_path):
    layout = LAYOUTS[name]
    copy = tmp_path / "copy"
    DatasetDict({split: Dataset.from_list(rows) for split, rows in layout["splits"].items()}).save_to_disk(copy)
    group = name.split("/")[0]
    bundle = load_data(_compose(name, f"data.{group}.path={copy}").data)
    rows = bundle.harmful_eval if group == "harmful_eval" else bundle.edgy
    assert len(rows) == layout["count"]
    assert rows[0]["id"] == layout["first_id"] and rows[0]["category"] == layout["category"]
    source_prompts = [r["prompt"] for rs in layout["splits"].values() for r in rs]
    assert all(r["prompt"] in source_prompts and r["language"] == "en" for r in rows)
    if group == "harmful_eval":
        # the benchmark replaces the held-out prompts; keel-mini's training split is the default one
        default = load_data(compose_config("harden", ["preset=ci"]).data)
        assert [r["id"] for r in bundle.harmful_train] == [r["id"] for r in default.harmful_train]
        assert all("placeholder" in r["compliance"] and r["refusal"] for r in rows)
        assert bundle.sources["harmful_eval"].startswith(str(copy))
    else:
        assert all("placeholder" in r["response"] for r in rows)
        assert "unsafe" not in json.dumps(rows)


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_map_asks_the_hub_for_its_benchmark(name, monkeypatch):
    """With the map's own `hf:` path, `datasets.load_dataset` gets the benchmark's hub id, config and split
    (here answered from made-up rows, so nothing is fetched)."""
    import datasets

    layout, calls = LAYOUTS[name], []

    def fake_load_dataset(repo, split=None, **options):
        calls.append((repo, options.get("name"), split))
        return Dataset.from_list(layout["splits"][split])

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    group = name.split("/")[0]
    rows = load_records(_compose(name).data[group], KIND[group], f"data.{group}")
    assert calls == [layout["hub"]] and len(rows) == layout["count"]


def test_hex_phi_map_reads_one_headerless_csv_per_category(tmp_path):
    clone = tmp_path / "HEx-PHI"  # the repository's layout: category_N.csv, one instruction per line
    clone.mkdir()
    for file, prompts in HEX_PHI_FILES.items():
        (clone / file).write_text("".join(f'"{p}"\n' for p in prompts))
    bundle = load_data(_compose("harmful_eval/hex_phi", f"data.harmful_eval.path={clone}").data)
    rows = bundle.harmful_eval
    assert len(rows) == 20 and len({r["category"] for r in rows}) == 10
    assert rows[0] == {**rows[0], "id": "hex-phi-1-0", "category": "illegal_activity",
                       "prompt": "Made-up instruction 1.0, with a comma"}
    assert rows[-1]["id"] == "hex-phi-11-1" and rows[-1]["category"] == "tailored_financial_advice"


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".csv", ".tsv", ".parquet"])
def test_one_local_data_file_through_a_map(suffix, tmp_path):
    rows = _rows(3, goal="Made-up goal {i}", kind="made-up")
    path = tmp_path / f"bench{suffix}"
    table = Dataset.from_list(rows)
    {".jsonl": lambda: table.to_json(path), ".json": lambda: path.write_text(json.dumps(rows)),
     ".csv": lambda: table.to_csv(path, index=False), ".tsv": lambda: table.to_csv(path, sep="\t", index=False),
     ".parquet": lambda: table.to_parquet(path)}[suffix]()
    node = {"path": str(path), "columns": {"prompt": "goal", "category": "kind"},
            "constants": {"response": "A made-up helpful answer."}, "id_prefix": "b-", "limit": 2}
    out = load_records(node, "edgy", "data.edgy")
    assert [(r["id"], r["prompt"], r["category"]) for r in out] == [("b-0", "Made-up goal 0", "made-up"),
                                                                      ("b-1", "Made-up goal 1", "made-up")]


def test_shipped_map_on_the_original_csv_with_overrides_from_the_docs(tmp_path):
    """docs/data.md: HarmBench's original CSV through the harmbench map (its hub config name ignored)."""
    rows = [{"Behavior": f"Made-up behavior {i}", "FunctionalCategory": kind, "SemanticCategory": "made_up",
             "Tags": "", "ContextString": "", "BehaviorID": f"made_up_{i}"}
            for i, kind in enumerate(["standard", "contextual", "standard", "copyright"])]
    csv = tmp_path / "harmbench_behaviors_text_all.csv"
    Dataset.from_list(rows).to_csv(csv, index=False)
    cfg = _compose("harmful_eval/harmbench", f"data.harmful_eval.path={csv}", "data.harmful_eval.columns.prompt=Behavior",
                   "data.harmful_eval.columns.category=SemanticCategory",
                   "+data.harmful_eval.where.FunctionalCategory=standard", "data.harmful_eval.id=BehaviorID")
    out = load_data(cfg.data).harmful_eval
    assert [r["id"] for r in out] == ["harmbench-made_up_0", "harmbench-made_up_2"]
    assert out[0]["prompt"] == "Made-up behavior 0" and out[0]["category"] == "made_up"


def test_bare_hf_id_takes_columns_named_like_keel_fields(monkeypatch):
    import datasets

    rows = _rows(2, id="q{i}", question="Made-up question {i}?", choices=["a", "b"], answer=1, extra="kept out")
    monkeypatch.setattr(datasets, "load_dataset", lambda repo, split=None, **o: Dataset.from_list(rows))
    out = load_records("hf:made-up/mcq", "mcq", "data.mcq")
    assert [r["id"] for r in out] == ["q0", "q1"] and out[1]["answer"] == 1 and "extra" not in out[1]


def test_a_list_of_sources_is_concatenated(tmp_path):
    extra = tmp_path / "extra.jsonl"
    extra.write_text(json.dumps({"id": "x1", "prompt": "Made-up edgy prompt", "response": "An answer."}) + "\n")
    cfg = compose_config("harden", ["preset=ci", f"data.edgy=[data/keel-mini/edgy.jsonl,{extra}]"])
    bundle = load_data(cfg.data)
    shipped = load_records("data/keel-mini/edgy.jsonl", "edgy")
    assert len(bundle.edgy) == len(shipped) + 1 and bundle.edgy[-1]["id"] == "x1"
    assert " + " in bundle.sources["edgy"]


def test_offline_and_not_cached_fails_in_one_line_naming_the_option():
    cfg = compose_config("harden", ["preset=ci", "data.harmful_eval=hf:keel-tests/never-published"])
    with pytest.raises(KeelError) as err:
        load_data(cfg.data)
    message = str(err.value)
    assert "\n" not in message and message.startswith("data.harmful_eval: cannot load hf:keel-tests/never-published")
    assert "offline" in message and "save_to_disk" in message


def test_unreachable_hub_loads_from_the_cache_only(monkeypatch):
    """Not offline, but the hub does not answer: the load runs in offline mode (no ~30 s of retries)."""
    import datasets
    import datasets.config
    import huggingface_hub.constants as hub

    import train.sources as sources

    monkeypatch.setattr(hub, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(sources, "hub_answers", lambda timeout=3.0: False)
    seen = []
    monkeypatch.setattr(datasets, "load_dataset", lambda *a, **k: seen.append(hub.HF_HUB_OFFLINE) or
                        Dataset.from_list(_rows(1, id="e{i}", prompt="p", response="r")))
    assert len(load_records("hf:made-up/edgy", "edgy")) == 1
    assert seen == [True] and hub.HF_HUB_OFFLINE is False and datasets.config.HF_HUB_OFFLINE is False


def test_hub_probe_says_no_for_a_closed_port(monkeypatch):
    from train.distributed import free_port
    from train.sources import hub_answers

    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    assert hub_answers(timeout=1.0) is False


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "saved"
    rows = _rows(3, goal="Made-up goal {i}", kind="k")
    rows[2]["goal"] = None
    DatasetDict({"train": Dataset.from_list(rows)}).save_to_disk(path)
    return str(path)


BAD_MAPS = [
    ({"columns": {"prompt": "missing"}}, r"columns\.prompt names column 'missing', which the data set lacks \(columns: goal, kind\)"),
    ({"where": {"label": "safe"}}, r"where\.label names column 'label'"),
    ({"id": "uid"}, r"id names column 'uid'"),
    ({"columns": {"prompt": "goal"}}, r"row 0: field 'category' is missing"),
    ({"columns": {"prompt": "goal", "category": "kind"}}, r"row 2: field 'prompt' must be str, got NoneType"),
    ({"columns": {"prompt": "goal", "category": "kind"}, "constants": {"refusal": ""}}, r"row 0: field 'refusal' is empty"),
    ({"colums": {"prompt": "goal"}}, r"unknown key 'colums' in the column map"),
    ({"columns": {"prompt": 3}}, r"columns\.prompt: must name a column"),
    ({"columns": ["prompt"]}, r"columns: must be a mapping, got list"),
    ({"limit": 0}, r"limit: must be a positive integer or null, got 0"),
    ({"split": "test"}, r"split: 'test' is not a split of the saved copy \(splits: train\)"),
    ({"where": {"kind": "none"}, "columns": {"prompt": "goal"}}, r"no records \(no row kept\)"),
    ({"id": "kind", "columns": {"prompt": "goal", "category": "kind"}, "limit": 2}, r"field 'id' = 'k' appears more than once"),
]


@pytest.mark.parametrize(("change", "expected"), BAD_MAPS)
def test_bad_map_or_row_fails_in_one_line(saved, change, expected):
    node = {"path": saved, "constants": {"refusal": "No.", "compliance": "Placeholder."}, **change}
    if "constants" in change:
        node["constants"] = {"compliance": "Placeholder.", **change["constants"]}
    with pytest.raises(KeelError, match=expected) as err:
        load_records(node, "harmful", "data.harmful_eval")
    assert "\n" not in str(err.value) and str(err.value).startswith("data.harmful_eval")


@pytest.mark.parametrize(("path", "expected"), [
    ("/nonexistent/bench.jsonl", r"data\.edgy: /nonexistent/bench\.jsonl not found"),
    ("{tmp}/bench.xlsx", r"data\.edgy: .*bench\.xlsx is neither a data folder nor a"),
    ("{tmp}/broken.jsonl", r"data\.edgy: cannot load .*broken\.jsonl: "),
])
def test_bad_local_copy_fails_in_one_line(tmp_path, path, expected):
    (tmp_path / "bench.xlsx").write_text("not a table")
    (tmp_path / "broken.jsonl").write_text('{"prompt": "unterminated\n')
    with pytest.raises(KeelError, match=expected) as err:
        load_records({"path": path.format(tmp=tmp_path)}, "edgy", "data.edgy")
    assert "\n" not in str(err.value)


def test_hex_phi_map_asks_the_hub_for_each_category_file(monkeypatch):
    import datasets

    calls = []

    def fake_load_dataset(repo, split=None, **options):
        calls.append((repo, split, options["data_files"], options["names"]))
        return Dataset.from_list([{"prompt": f"Made-up instruction from {options['data_files']}"}])

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    rows = load_records(_compose("harmful_eval/hex_phi").data.harmful_eval, "harmful", "data.harmful_eval")
    assert calls == [("LLM-Tuning-Safety/HEx-PHI", "train", file, ["prompt"]) for file in HEX_PHI_FILES]
    assert [r["id"] for r in rows][:2] == ["hex-phi-1-0", "hex-phi-3-0"]
