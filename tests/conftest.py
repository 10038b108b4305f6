import os

import pytest

from hypothesis import HealthCheck, settings

# CI explores more examples; local runs stay quick. Both are deterministic per test.
settings.register_profile("ci", max_examples=400, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def replace_primitive(monkeypatch):
    """Give primitive NAME other rules for one test, wherever it is looked up: the tables of
    primitives and functions, and the expressions already parsed (which hold primitives)."""
    import sys
    from dataclasses import replace

    from ad_tutorial import primitives

    parsed = sys.modules["ad_tutorial.trace"]._parsed       # trace() remembers its parses

    def give(name: str, **fields):
        changed = replace(primitives.PRIMITIVES[name], **fields)
        monkeypatch.setitem(primitives.PRIMITIVES, name, changed)
        if name in primitives.FUNCTIONS:
            monkeypatch.setitem(primitives.FUNCTIONS, name, changed)
        parsed.cache_clear()
        return changed

    yield give
    parsed.cache_clear()
