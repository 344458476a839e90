# Two commands do all the set-up on a fresh machine with Python >= 3.10 and pip:
#   make demo   -- virtual environment, install, run the main job
#   make test   -- the same with the test extra, then the whole suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench bench-quick notebooks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/autograd-lite demo --out-dir out

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q

lint: $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet ruff
	$(BIN)/python -m ruff check autograd_lite tests benchmarks

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
