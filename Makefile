# Two commands a newcomer needs: `make figures` and `make test`.
# Both build .venv at the repository root with the pinned CPU torch CI uses.

PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
# pyproject.toml accepts any torch 2.x; this is the build CI and this README were checked with.
TORCH   := torch==2.13.0
STAMP   := $(VENV)/.installed

.PHONY: figures test test-fast dot browser clean

figures: $(STAMP) dot
	$(VENV)/bin/ad-tutorial figures

test: $(STAMP) dot browser
	$(PY) -m pytest

test-fast: $(STAMP) dot browser
	$(PY) -m pytest -m "not slow"

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check "$(TORCH)" -e ".[test]"
	touch $@

# System programs: install Debian's package when we may (root with apt-get), otherwise say
# how. $(call need,PROGRAM,PACKAGE,WHAT IT IS FOR)
need = @command -v $(1) >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "$(3) is missing: installing Debian's $(2)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; \
	  else \
	    echo "$(3) is missing. Install it with: sudo apt-get install $(2)" >&2; exit 2; \
	  fi; }

# graphviz's `dot` draws every graph.
dot:
	$(call need,dot,graphviz,graphviz's dot)

# The explorer's browser tests drive Debian's chromium (playwright cannot download one here).
browser:
	$(call need,chromium,chromium,chromium (for the browser tests))

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
