# Two commands do all the set-up on a fresh machine:
#   make app    start the app on the bundled sample district
#   make test   ruff + mypy + the whole pytest suite (browser tests included)
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: app test lint typecheck pytest system-deps bench clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11 / Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -e '.[dev]' -c constraints.txt
	touch $(STAMP)

# streamlit run app.py, with the app's libraries imported while the server starts (ui/serve.py)
app: $(STAMP)
	$(BIN)/python -m ui.serve --server.headless true --browser.gatherUsageStats false

# System tools the tests use, from Debian's packages: Chromium for the end-to-end browser test
# (Playwright drives it; no browser download), poppler's pdftoppm to look at printed maps, and
# GDAL's ogrinfo to open exports as QGIS would. Tests that need a missing tool are skipped.
SYSTEM_TOOLS := /usr/bin/chromium:chromium /usr/bin/pdftoppm:poppler-utils /usr/bin/ogrinfo:gdal-bin
system-deps:
	@missing=""; for t in $(SYSTEM_TOOLS); do [ -x "$${t%%:*}" ] || missing="$$missing $${t##*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	      || echo "warning: could not install$$missing; tests that need them will be skipped"; \
	  else echo "warning: missing$$missing (not root); tests that need them will be skipped"; fi; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy geo planning

pytest: $(STAMP) system-deps
	$(BIN)/python -m pytest

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python bench/run.py all

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
