# incentsim — set-up and everyday commands.  `make demo` and `make test` are the
# two commands of the README; both create .venv (python3.12) and install first.

PYTHON ?= $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12 /usr/bin/python3.12 /usr/local/bin/python3.12; do $$p -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install clean browser

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "python3.12 not found: install Python 3.12" >&2; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

## Run the main job on embedded defaults: compare two shipped scenarios over 10 seeds.
demo: $(STAMP)
	$(BIN)/incentsim compare configs/gdp_tournament.yaml configs/balanced_scorecard.yaml --seeds 10

## Debian's chromium for the explorer's browser test (apt, not a downloaded browser build).
browser:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq chromium >/dev/null; } || echo "chromium not installed: the browser test will be skipped" >&2

## Run the test suite (what CI runs).
test: $(STAMP) browser
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
