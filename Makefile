# Two commands a newcomer needs: `make figures` and `make test`.
# Both build .venv at the repository root with the pinned CPU torch CI uses.

PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
# pyproject.toml accepts any torch 2.x; this is the build CI and this README were checked with.
TORCH   := torch==2.13.0
STAMP   := $(VENV)/.installed

.PHONY: figures test test-fast dot clean

figures: $(STAMP) dot
	$(VENV)/bin/ad-tutorial figures

test: $(STAMP) dot
	$(PY) -m pytest

test-fast: $(STAMP) dot
	$(PY) -m pytest -m "not slow"

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check "$(TORCH)" -e ".[test]"
	touch $@

# graphviz's `dot` is a system program; install it when we may, otherwise say how.
dot:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "graphviz's dot is missing: installing Debian's graphviz"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	  else \
	    echo "graphviz's dot is missing. Install it with: sudo apt-get install graphviz" >&2; exit 2; \
	  fi; }

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
