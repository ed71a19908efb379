# Zhili — the two commands a newcomer needs are `make demo` and `make test`.
# Everything else here is what they call. Python ≥ 3.11 is the only prerequisite.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/zhili
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test install install-test system-deps fonts messages lint test-sqlite test-clock test-postgres serve bench clean

demo: install fonts      ## install, build the demo city, serve http://127.0.0.1:8000
	$(BIN)/zhili demo

serve: install           ## serve an existing database
	$(BIN)/zhili serve

test: install-test system-deps lint test-sqlite test-clock test-postgres   ## install everything and run every test

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Zhili needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test,spark]'
	@touch $@

install: $(VENV)/.installed messages

install-test: $(VENV)/.installed-test messages

messages:                ## compile the translation catalogues (Babel: no GNU gettext needed)
	@$(BIN)/pybabel compile --statistics -D django -d src/zhili/locale 2>&1 | sed 's/^/  /'

# Debian's Chromium for the browser tests and Noto CJK so that screenshots show Chinese; a Java
# runtime for the index's Spark engine (PySpark brings Spark, not Java).
system-deps: fonts
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
	  echo "installing chromium and fonts-noto-cjk with apt-get"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi
	@if ! command -v java >/dev/null 2>&1; then \
	  echo "installing a Java 17 runtime with apt-get (for Spark)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	fi

# What the PDF report needs: Noto CJK (embedded in the PDF, and matplotlib's charts), Pango for
# WeasyPrint, HarfBuzz's subsetter (fontTools would take half a minute per CJK font) and
# pdftoppm, which the report test uses to turn a page into PNG.
fonts:
	@if ! fc-list :lang=zh 2>/dev/null | grep -qi 'Noto.*CJK' || ! command -v pdftoppm >/dev/null 2>&1 \
	  || ! ls /usr/lib/*-linux-gnu/libpango-1.0.so.0 /usr/lib/*-linux-gnu/libharfbuzz-subset.so.0 >/dev/null 2>&1; then \
	  echo "installing fonts-noto-cjk, pango, harfbuzz-subset and poppler-utils with apt-get"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils >/dev/null; \
	fi

# The layers (pyproject.toml, [tool.importlinter]): core < geo < org < hub < casework < index |
# mediation < web < demo. A wrong import fails here, before any test runs.
lint:
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports --no-cache

test-sqlite:
	@echo "== tests on SQLite =="
	$(BIN)/pytest

# The tests that read "now" again, the session frozen at the instants that used to break them:
# just after midnight and before the 06:00 cut-off in the city, late evening in the city, and late
# evening on a UTC machine (already the next morning in the city). See tests/conftest.py (_clock).
CLOCK_INSTANTS = 2026-12-07T00:30:00+08:00 2026-12-07T05:30:00+08:00 2026-12-07T23:30:00+08:00 2026-12-06T23:30:00+00:00
CLOCK_TESTS = tests/test_index_deliveries.py tests/test_public_pages.py tests/test_dashboard_pages.py \
	tests/test_screen_reports_definitions.py tests/test_hub_ingest.py tests/test_hub_pages.py \
	tests/test_mediation_intake.py tests/test_org.py
test-clock:
	@for at in $(CLOCK_INSTANTS); do \
	  echo "== clock-dependent tests at $$at =="; \
	  ZHILI_TEST_NOW=$$at $(BIN)/pytest -q -m "not browser" -p no:cacheprovider $(CLOCK_TESTS) || exit 1; \
	done

# In CI (CI=true) an unreachable PostgreSQL is a failure; on a laptop without one it is a loud skip.
# The API fuzz (tests/test_api_fuzz.py, schemathesis, a few minutes) runs in the SQLite pass only,
# to keep `make test` short; the tests of the 500s it found (tests/test_api_errors.py) run in both.
test-postgres:
	@echo "== tests on PostgreSQL ($(PG_URL)) =="
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)'.rsplit('/',1)[0] + '/postgres', connect_timeout=3).close()" 2>/dev/null; then \
	  DATABASE_URL=$(PG_URL) $(BIN)/pytest -m "not browser and not own_database and not fuzz"; \
	elif [ -n "$$CI" ]; then \
	  echo "ERROR: PostgreSQL is not reachable at $(PG_URL); CI must run the suite on PostgreSQL" >&2; exit 1; \
	else \
	  echo "!!!!!! PostgreSQL is not reachable at $(PG_URL): the PostgreSQL pass was SKIPPED !!!!!!" >&2; \
	fi

bench: install-test      ## print the benchmark figures (about 30 minutes)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[bench]'
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/bench_lookup.py
	$(BIN)/python bench/bench_hub_import.py
	$(BIN)/python bench/bench_hub_api.py
	$(BIN)/python bench/bench_lake.py
	$(BIN)/python bench/bench_index.py
	$(BIN)/python bench/bench_public.py
	$(BIN)/python bench/bench_mediation.py
	$(BIN)/python bench/bench_simulate.py
	$(BIN)/python bench/bench_demo.py

clean:
	rm -rf $(VENV) data test-artifacts .hypothesis
