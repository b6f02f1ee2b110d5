# Two commands on a fresh machine: `make run` and `make test`. Everything they need is installed here.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.setup-stamp
STORE ?= data/store
SAMPLE := samples/qingpu-civil-affairs-2026-02-13.txt

.PHONY: setup run test lint clean virtuoso

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

test: setup virtuoso
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

# The contract suite runs against a real Virtuoso 7 (Debian's package; no service is started).
virtuoso:
	command -v virtuoso-t >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends virtuoso-opensource; }

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) data build dist *.egg-info
