# Two commands on a fresh machine: `make run` and `make test`. Everything they need is installed here.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.setup-stamp
STORE ?= data/store
SAMPLE := samples/qingpu-civil-affairs-2026-02-13.txt

.PHONY: setup run test lint clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: setup
	$(BIN)/rectkg --store $(STORE) ingest $(SAMPLE)
	$(BIN)/rectkg --store $(STORE) stats
	$(BIN)/rectkg --store $(STORE) query --saved shared-responsibility

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) data build dist *.egg-info

# Benchmarks (bench/): a synthetic corpus made from the sample reports, measured end to end.
.PHONY: bench bench-quick
bench-quick: setup
	$(BIN)/python -m bench.run --name quick --sizes 10,100 --reps 5 --budget 1 --rdflib-max 10 --rdflib-timeout 5 --live-max 10

bench: setup
	$(BIN)/python -m bench.run --name full --sizes 10,100,1000 --reps 5 --budget 1 --rdflib-max 10 --rdflib-timeout 10 --live-max 100
	$(BIN)/python -m bench.report BENCHMARKS.md bench/results/full.json
