# The two set-up commands are `make run` and `make test`; everything they need is installed here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= alphanode.db
HOST ?= 127.0.0.1
PORT ?= 8000
SEED := tests/fixtures/seed/000_aeb991cd76c60bdc.txt
SEED_SLUG := production-checklist-for-documenting-production-defaults-in-python-services-maintenance-guide
ALPHANODE := $(BIN)/alphanode --db sqlite:///$(DB)
CHROMIUM := /usr/bin/chromium

.PHONY: run demo test test-fast lint format bench browser services clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Demo content: 300 synthesized articles and the seed article (imported last, so it is the
# newest post on the home page), approved by a demo reviewer through the review service
# (so the review log shows it). Re-running changes nothing.
demo: $(STAMP)
	$(BIN)/alphanode synth --count 300 --seed 1 --rich 0.3 --format jsonl --out - | $(ALPHANODE) import -
	$(ALPHANODE) import $(SEED)
	$(ALPHANODE) review approve --all-pending --as demo-reviewer --note "make run demo content"

run: demo
	@echo "alphanode: open http://$(HOST):$(PORT)/"
	@echo "alphanode: the seed article is http://$(HOST):$(PORT)/posts/$(SEED_SLUG)"
	$(ALPHANODE) serve --host $(HOST) --port $(PORT) --log-format text

# Page tests drive Debian's Chromium (never a browser download). It is installed where
# missing under CI=true (and when run as root); elsewhere the browser tests skip with a reason.
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$CI" = "true" ] || [ "$$(id -u)" = "0" ]; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "$(CHROMIUM) is missing: the browser tests will skip (CI=true installs it)"; fi; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint browser
	$(BIN)/pytest

# The edit loop: SQLite only, no browser, nothing marked slow (`make test` and CI run it all).
test-fast: $(STAMP)
	$(BIN)/pytest -m "not postgres and not browser and not slow"

bench: $(STAMP)
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx && { service nginx stop >/dev/null 2>&1 || true; }; }
	$(BIN)/python bench/synth.py --count 20000
	$(BIN)/python bench/import.py --count 100000
	$(BIN)/python bench/serve.py --seconds 30 --connections 64 --workers 2

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis test-artifacts
