# incentsim — set-up and everyday commands.  `make demo` and `make test` are the
# two commands of the README; both create .venv and install first.
#
# Supported Python: 3.12 and 3.13 (pyproject's requires-python says why not 3.14 yet:
# Sacred). `.venv` is made with the first supported interpreter found (3.12 preferred,
# then 3.13, then `python3` if it is one of them; or `make PYTHON=/path/to/python3.x`). `make test` runs the suite on two versions:
# in .venv, and in .venv-3.13 with Python 3.13 (or .venv-3.12 when .venv is on 3.13;
# PYTHON_SECOND; `make test PYTHON_SECOND=` runs one version only).

SUPPORTED := import sys; assert (3, 12) <= sys.version_info[:2] < (3, 14)
# first interpreter of the given version(s) found on PATH, in pyenv or in /usr(/local)/bin
find_python = $(shell for v in $(1); do for p in python$$v $$HOME/.pyenv/versions/$$v*/bin/python$$v /usr/bin/python$$v /usr/local/bin/python$$v; do $$p -c '$(SUPPORTED); assert "%d.%d" % sys.version_info[:2] == "'$$v'"' >/dev/null 2>&1 && { echo $$p; exit 0; }; done; done)

PYTHON ?= $(or $(call find_python,3.12 3.13),$(shell python3 -c '$(SUPPORTED)' >/dev/null 2>&1 && echo python3))
FIRST_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
# the second tested version: 3.13, or 3.12 when .venv is already on 3.13
SECOND_VERSION := $(if $(filter 3.13,$(FIRST_VERSION)),3.12,3.13)
PYTHON_SECOND ?= $(call find_python,$(SECOND_VERSION))
VENV := .venv
VENV_SECOND := .venv-$(SECOND_VERSION)
STAMP := $(VENV)/.installed
STAMP_SECOND := $(VENV_SECOND)/.installed
BIN := $(VENV)/bin

.PHONY: demo test test-first test-second install clean browser docs

# $(1) venv directory, $(2) interpreter
define make_venv
	@test -n "$(2)" || { echo "no Python 3.12 or 3.13 found: install one (or make PYTHON=...)" >&2; exit 2; }
	test -x $(1)/bin/python || $(2) -m venv $(1)
	$(1)/bin/python -m pip install --quiet --upgrade pip
	$(1)/bin/python -m pip install --quiet -e ".[test,docs]"
	touch $(1)/.installed
endef

# the compiled citizens' and firms' steps, leaders' forecasts, the upper level's draws and
# float32 sums (setup.py builds them into the source tree): rebuilt when their sources change
KERNEL := $(addprefix src/incentsim/agents/,_citizens_kernel.pyx citizens_kernel.h \
	_firms_kernel.pyx firms_kernel.h _forecast_kernel.pyx forecast_kernel.h kernel_math.h \
	_kernel_common.pxi pairwise_sum.h _draws_kernel.pyx _sums_kernel.pyx)

$(STAMP): pyproject.toml setup.py $(KERNEL)
	$(call make_venv,$(VENV),$(PYTHON))

$(STAMP_SECOND): pyproject.toml setup.py $(KERNEL)
	$(call make_venv,$(VENV_SECOND),$(PYTHON_SECOND))

install: $(STAMP)

## Run the main job on embedded defaults: compare two shipped scenarios over 10 seeds.
demo: $(STAMP)
	$(BIN)/incentsim compare configs/gdp_tournament.yaml configs/balanced_scorecard.yaml --seeds 10

## The documentation site (MkDocs) into site/; the test suite builds it with --strict.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 DISABLE_MKDOCS_2_WARNING=true $(BIN)/mkdocs build --strict

## Debian's chromium for the explorer's browser test (apt, not a downloaded browser build).
browser:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq chromium >/dev/null; } || echo "chromium not installed: the browser test will be skipped" >&2

## Run the test suite (what CI runs) on two Python versions, one after the other; first
## the lint and docstring rules and the formatting check (ruff) and the type check (mypy)
## of the package, the tests, the benchmarks and the experiments, configured in pyproject.toml.
test: test-first test-second

CHECKED := src tests benchmarks experiments

test-first: $(STAMP) browser
	$(BIN)/ruff check $(CHECKED)
	$(BIN)/ruff format --check $(CHECKED)
	$(BIN)/mypy src/incentsim benchmarks experiments
	$(BIN)/python -m pytest

ifeq ($(strip $(PYTHON_SECOND)),)
test-second:
	@echo "Python $(SECOND_VERSION) not found: the suite ran on $$($(BIN)/python -V) only" >&2
else
test-second: $(STAMP_SECOND) browser
	$(VENV_SECOND)/bin/python -m pytest
endif

clean:
	rm -rf $(VENV) .venv-3.* build site src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
