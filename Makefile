# Two commands on a fresh machine: `make run` and `make test`. Everything they need is installed here.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.setup-stamp
STORE ?= data/store
SAMPLE := samples/qingpu-civil-affairs-2026-02-13.txt

.PHONY: setup lock run test soak lint clean browser screenshots

setup: $(STAMP)

# Exactly what CI tested: every package, development ones included, at the version and with the
# hashes of requirements.lock; then rectkg itself, editable, with nothing more (its build needs only
# the lock's setuptools and wheel, so no index is asked for a build environment).
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# After changing the dependencies in pyproject.toml: resolve them again into requirements.lock
# (pip-tools in a throwaway environment of its own), then `make setup`.
PIP_TOOLS := pip-tools==7.7.0
lock:
	test -x .lock-venv/bin/pip-compile || ($(PY) -m venv .lock-venv && .lock-venv/bin/pip install --quiet $(PIP_TOOLS))
	.lock-venv/bin/pip-compile --quiet --extra dev --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links --output-file requirements.lock pyproject.toml

# Ingest the bundled samples only into an empty store, then serve (the URL is printed).
run: setup
	$(BIN)/rectkg --store $(STORE) query 'ASK { ?s ?p ?o }' --format json | grep -q true \
		|| $(BIN)/rectkg --store $(STORE) ingest samples
	$(BIN)/rectkg --store $(STORE) serve --host 127.0.0.1 --port 5000

# The browser tests drive Debian's Chromium (never `playwright install`, which downloads a browser).
browser:
	test -x /usr/bin/chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends chromium fonts-noto-cjk)

# Tests set PDFs in an embedded TrueType CJK font, as Word and WPS do (Debian; CI runs as root).
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
$(CJK_FONT):
	apt-get update -qq && apt-get install -y -qq --no-install-recommends fonts-wqy-microhei

# The store contract suite runs against a real Virtuoso 7 (Debian's package; no service is started).
VIRTUOSO := /usr/bin/virtuoso-t
$(VIRTUOSO):
	apt-get update -qq && apt-get install -y -qq --no-install-recommends virtuoso-opensource

# Tests run in TEST_WORKERS processes (pytest-xdist; a file's tests stay in one process, so its
# stores, servers and browser are set up once), then the latency tests alone on a quiet machine.
TEST_WORKERS ?= 2
test: setup browser $(CJK_FONT) $(VIRTUOSO)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile -m "not soak and not serial" --durations=15
	$(BIN)/python -m pytest -q -m "serial and not soak"

# The full-length reliability runs (30 s load test, 100-kill crash loop, heavy fuzzing); make test runs short ones.
soak: setup
	RECTKG_SOAK=1 $(BIN)/python -m pytest -q -m "soak or fuzz"

# Every screen at 1400 and 800 px in Chromium, on the sample reports (README links the folder).
screenshots: setup browser
	$(BIN)/python -m webapp.screenshots docs/screenshots

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .lock-venv data build dist *.egg-info

# Benchmarks (bench/): a synthetic corpus made from the sample reports, measured end to end.
.PHONY: bench bench-quick
# Quick (at most 60 s on an idle 2-core machine): both sizes ingested end to end, the investigator's
# core queries against raw pyoxigraph, rdflib at N = 10 (timed on the other core while the N = 100
# queries are, and waited for before the pages), and one page of each kind over HTTP at N = 100 on
# the store its ingest built (bench.pages.KINDS: the first request after the server's start, 3 later
# requests each, then 2 s of the mix with 1 client, with 16, and with 16 that wait as each 503's
# Retry-After asks). Its headline figures are all
# N = 100's: ingest_reports_per_s, page_p95_ms, http_p95_16_over_p50_1. Left to `make bench`, which
# measures them at every N: every page, the first pass after an ingest through the server, the API
# cases, analytics, the in-memory baseline. Since the pages got faster, the N = 100 page pass
# (9-18 CPU-s, by load) costs only a few CPU-s more than the N = 10 one it replaced (7-10): run back
# to back with the old variant, 1-8 CPU-s more in all (64-74 against 63-66 CPU-s at load 4-8).
# 95-127 s at load 4-8, the N = 100 ingest 51-78 s of it. Not measured idle (the machine never was);
# estimated ~50 s from each phase's CPU: N = 100 ingest 20-25, its pages ~11 (2 s of them each
# mix), queries and setup ~6, N = 10 ~5, processes and plots ~4.
QUICK_QUERIES := shared-responsibility,findings,stats,timeline
bench-quick: setup
	$(BIN)/python -m bench.run --name quick --sizes 10,100 --reps 3 --budget 0.2 --rdflib-max 10 --rdflib-timeout 0.5 --rdflib-jobs 2 --rdflib-alongside \
		--live-max 0 --memory-max 0 --analyze-max 0 --http-min 100 --no-api-cases \
		--page-set kinds --no-page-write --load 2 --page-reps 3 \
		--only $(QUICK_QUERIES)

BENCH_SIZES ?= 10,100,1000
bench: setup
	$(BIN)/python -m bench.run --name full --sizes $(BENCH_SIZES) --reps 5 --budget 1 --rdflib-max 10 --rdflib-timeout 10 \
		--live-max 100 --skip-from 1000:recurring-problems
	$(BIN)/python -m bench.report BENCHMARKS.md bench/results/full.json
