# Two commands on a fresh machine: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8501
TEST_WORKERS ?= 2
CHROMIUM := /usr/bin/chromium

FASHION := /usr/share/datasets/fashion-mnist

.PHONY: setup datasets db run check lint test test-unit test-pages test-e2e test-postgres chromium bench bench-load gpu-check claims clean

$(STAMP): requirements.txt requirements-dev.txt requirements-nodeps.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-nodeps.txt
	touch $@

setup: $(STAMP) datasets

# Fashion-MNIST comes from Debian's package; without apt (or root) the demos show it as unavailable.
datasets:
	@test -d $(FASHION) || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
	  { echo "Installing Debian's dataset-fashion-mnist"; apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null; } || \
	  echo "Fashion-MNIST not installed (needs: apt-get install dataset-fashion-mnist); demos will skip it."; }

db: setup
	$(BIN)/python -m db sync

run: db
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true

check: setup
	$(BIN)/python -m kb check

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m mypy

chromium:
	@test -x $(CHROMIUM) || { echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@test -x $(CHROMIUM) || { echo "chromium is missing: run 'apt-get install chromium' as root"; exit 1; }

test: setup chromium
	$(BIN)/python -m kb check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

test-unit: setup
	$(BIN)/python -m pytest -q tests/unit

test-pages: setup
	$(BIN)/python -m pytest -q tests/pages

test-e2e: setup chromium
	$(BIN)/python -m pytest -q tests/e2e

# The database, migration, search and quiz tests again on PostgreSQL, and the pages that write to it: a
# throwaway cluster from Debian's packages (installed if missing) on a free local port, removed afterwards
# even on failure (tests/with_postgres.sh).
PG_TESTS := tests/unit/test_sync.py tests/unit/test_migrations.py tests/unit/test_quiz.py tests/unit/test_progress.py \
	tests/unit/test_search.py tests/unit/test_search_engines.py tests/unit/test_exchange.py tests/unit/test_learners.py \
	tests/hostile tests/integration
PG_PAGES := quiz or progress or health_sync_now or home or identity
test-postgres: setup
	tests/with_postgres.sh sh -c '$(BIN)/python -m pytest -q $(PG_TESTS) && \
	  $(BIN)/python -m pytest -q tests/pages -k "$(PG_PAGES)"'

# 20 simulated learners answering at once for 20 s: SQLite, then PostgreSQL with its default durability.
# Speed figures quoted in the README (each prints JSON; none is a test).
bench: setup chromium
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/search_bench.py
	$(BIN)/python bench/card_paint.py
	$(BIN)/python bench/nms_redraw.py
	$(BIN)/python bench/conv_redraw.py
	$(BIN)/python bench/conv_im2col.py
	$(BIN)/python bench/optim_redraw.py
	$(BIN)/python bench/video_redraw.py
	$(BIN)/python bench/video_clip_flow.py
	$(BIN)/python bench/vision_redraw.py
	$(BIN)/python bench/seqgen_redraw.py
	$(BIN)/python bench/transfer_default.py

bench-load: setup
	$(BIN)/python bench/load.py
	PG_DURABLE=1 tests/with_postgres.sh sh -c '$(BIN)/python bench/load.py --url "$$DATABASE_URL"'

# Every lab's claims, measured again (fast mode; CLAIMS_FLAGS=--full for the full protocol); exit 1 if one fails.
claims: setup
	$(BIN)/python -m demos claims --json $(CLAIMS_FLAGS)

# Each lab family's GPU path once, with timings (needs CUDA; see demos/gpu_check.py).
gpu-check: setup
	$(BIN)/python -m demos.gpu_check

clean:
	rm -rf $(VENV) db/study.db db/study.db-wal db/study.db-shm .pytest_cache .ruff_cache
