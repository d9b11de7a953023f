# Two commands on a fresh machine: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8501
CHROMIUM := /usr/bin/chromium

.PHONY: setup db run check lint test test-unit test-pages test-e2e chromium bench clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $@

setup: $(STAMP)

db: setup
	$(BIN)/python -m db sync

run: db
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true

check: setup
	$(BIN)/python -m kb check

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

chromium:
	@test -x $(CHROMIUM) || { echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@test -x $(CHROMIUM) || { echo "chromium is missing: run 'apt-get install chromium' as root"; exit 1; }

test: db chromium
	$(BIN)/python -m kb check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q

test-unit: setup
	$(BIN)/python -m pytest -q tests/unit

test-pages: setup
	$(BIN)/python -m pytest -q tests/pages

test-e2e: setup chromium
	$(BIN)/python -m pytest -q tests/e2e

bench: db chromium
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/search_eval.py --by-kind
	$(BIN)/python bench/search_bench.py

clean:
	rm -rf $(VENV) db/study.db db/study.db-wal db/study.db-shm .pytest_cache .ruff_cache
