# Two commands do all the set-up on a fresh machine with Python >= 3.10 and pip:
#   make demo   -- virtual environment, install, run the main job
#   make test   -- the same with the test extra, then the whole suite
#   make lint   -- the pinned linters (the lint extra): ruff check, ruff format --check, mypy
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench bench-quick notebooks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# the demo draws a loss curve, so it installs the plot extra (matplotlib) too
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[plot]'
	touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/autograd-lite demo --out-dir out

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q -n auto

$(VENV)/.installed-lint: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	touch $@

lint: $(VENV)/.installed-lint
	$(BIN)/python -m ruff check autograd_lite tests benchmarks notebooks
	$(BIN)/python -m ruff format --check autograd_lite tests benchmarks
	$(BIN)/python -m mypy

# BENCH_PYTHON: an interpreter whose environment also has the peers (benchmarks/README.md)
BENCH_PYTHON ?= $(BIN)/python
bench: $(VENV)/.installed
	$(BIN)/python benchmarks/run_all.py --python $(BENCH_PYTHON)

bench-quick: $(VENV)/.installed
	$(BIN)/python benchmarks/run_all.py --quick --python $(BENCH_PYTHON)

# re-execute every notebook in a Jupyter kernel and store it with its outputs (notebooks/execute.py)
notebooks: $(VENV)/.installed-test
	$(BIN)/python notebooks/execute.py --write

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
