"""Any name a user may give a variable, through the API, the command line and the server.

A user's names arrive as keywords (``trace(f, x1=2.0)``, ``t.forward(x2=1.0)``, ``--at
self=1``, ``{"at": "f=1"}``), so a name that is also a parameter of ours (f, self,
seed, …) once met it: "got multiple values for argument". Names are drawn from Python's
identifiers: keywords, builtins, dunder-like names, words that mean something to DOT
or JavaScript, and every parameter name in the package. A name that cannot be a variable
(a keyword, the constants pi and e, a function's name) gets one clear line or a 4xx;
every other name works, with the right numbers.
"""

from __future__ import annotations

import asyncio
import builtins
import inspect
import json
import keyword
import math
import pkgutil
from importlib import import_module

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ad_tutorial
import ad_tutorial as adt
from ad_tutorial.cli import main
from ad_tutorial.descent import ENGINES, gradient_descent
from ad_tutorial.explorer import server
from ad_tutorial.primitives import CONSTANTS, FUNCTIONS


SCRIPTS = ("__main__", "plain_figures")      # modules that run when imported


def parameter_names() -> set[str]:
    """Every parameter name of every function, method and class in the package."""
    names: set[str] = set()
    modules = [import_module(m.name) for m in pkgutil.walk_packages(
        ad_tutorial.__path__, "ad_tutorial.") if not m.name.endswith(SCRIPTS)]
    for module in [ad_tutorial, *modules]:
        for _, obj in inspect.getmembers(module):
            if getattr(obj, "__module__", "").startswith("ad_tutorial"):
                members = [obj, *vars(obj).values()] if inspect.isclass(obj) else [obj]
                for f in members:
                    try:
                        names.update(inspect.signature(f).parameters)
                    except (TypeError, ValueError):
                        pass
    return names


OURS = parameter_names() | {"f", "self", "seed", "args", "kwargs", "inputs", "values",
                            "trace", "t", "x", "name", "option", "request", "data"}
SPECIAL = {"__class__", "__init__", "__dict__", "__proto__", "__import__", "__builtins__",
           "__name__", "_", "__", "constructor", "toString", "hasOwnProperty", "prototype",
           "node", "edge", "graph", "digraph", "subgraph", "strict", "NaN", "inf", "nan"}
POOL = sorted(OURS | SPECIAL | set(dir(builtins)) | set(keyword.kwlist)
              | set(keyword.softkwlist) | set(CONSTANTS) | set(FUNCTIONS))


def names() -> st.SearchStrategy[str]:
    """Identifiers: the pool above, or any ASCII identifier."""
    return st.one_of(st.sampled_from(POOL),
                     st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,15}", fullmatch=True))


def is_variable(name: str) -> bool:
    """What the README promises: any name but a keyword, a constant or a function."""
    return not keyword.iskeyword(name) and name not in CONSTANTS and name not in FUNCTIONS


X, SEED = 0.5, 2.0
Y, DY = X * 2 + math.sin(X), SEED * (2 + math.cos(X))        # y = 2x + sin x, ẏ = 2ẋ + cos(x)ẋ


def text(name: str) -> str:
    return f"{name} * 2 + sin({name})"


def one_line_error(e: Exception) -> bool:
    return bool(str(e)) and "\n" not in str(e)


# --- the three doors ----------------------------------------------------------------------

def through_the_api(name: str) -> None:
    if not is_variable(name):
        with pytest.raises((adt.ExpressionError, adt.TraceError)) as refused:
            adt.trace(text(name), **{name: X})
        assert one_line_error(refused.value)
        with pytest.raises((adt.ExpressionError, adt.TraceError)):
            adt.compare(text(name), **{name: X})
        return
    t = adt.trace(text(name), **{name: X})
    assert t.inputs == (name,) and t.value == pytest.approx(Y, rel=1e-15)
    assert t.forward(**{name: SEED}).derivative == pytest.approx(DY, rel=1e-15)
    assert t.reverse().gradient == {name: pytest.approx(DY / SEED, rel=1e-15)}
    assert t.evaluate(**{name: 0.0}).value == 0.0
    assert adt.compare(text(name), **{name: X}).ok
    assert adt.compare(t.forward(**{name: SEED})).ok
    for engine in ENGINES:
        xs, _ = gradient_descent(text(name), step_size=0.1, max_iter=1, init=X, engine=engine)
        assert xs[-1] == pytest.approx(X - 0.1 * DY / SEED, rel=1e-12)
    if not keyword.iskeyword(name) and name not in ("ad", "__debug__"):  # as a function
        namespace = {"ad": adt}
        exec(f"def g({name}):\n    return {name} * 2 + ad.sin({name})", namespace)
        g = namespace["g"]
        assert adt.trace(g, **{name: X}).value == adt.trace(g, X).value == t.value
        assert adt.compare(g, **{name: X}).ok


def through_the_command_line(name: str, tmp_path, capsys) -> None:
    point = ["--at", f"{name}={X}", "--seed", f"{name}={SEED}"]
    commands = [["trace", "--format", "json"], ["check"],
                *[["graph", "--kind", kind, "--annotate", "-o", str(tmp_path / "g.gv")]
                  for kind in ("forward", "adjoint", "torch")],
                ["explore", "-o", str(tmp_path / "page.html")]]
    for command in commands:
        status = main([command[0], text(name), *point, *command[1:]])
        out, err = capsys.readouterr()
        if not is_variable(name):
            assert status == 2 and out == "" and err.count("\n") == 1, (command, err)
            assert "Traceback" not in err
            continue
        assert status == 0 and err == "", (command, err)
        if command[1:] == ["--format", "json"]:
            data = json.loads(out)
            assert list(data["inputs"]) == [name] and data["value"] == pytest.approx(Y)
            assert data["tangent"]["derivative"] == pytest.approx(DY)


def through_the_server(name: str) -> None:
    async def ask(body: dict) -> httpx.Response:
        transport = httpx.ASGITransport(app=APP)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return await c.post("/api/explore", json=body)

    for at, seed in [(f"{name}={X}", f"{name}={SEED}"), ({name: X}, {name: SEED})]:
        r = asyncio.run(ask({"expression": text(name), "at": at, "seed": seed}))
        if not is_variable(name):
            assert 400 <= r.status_code < 500 and one_line_error(Exception(r.json()["error"]))
            continue
        assert r.status_code == 200, r.text
        model = r.json()
        assert model["at"] == {name: X} and model["seed"] == {name: SEED}
        primal = [s for s in model["steps"] if s["phase"] == "primal"]
        tangent = [s for s in model["steps"] if s["phase"] == "tangent"]
        assert primal[-1]["value"] == pytest.approx(Y) and tangent[-1]["value"] == \
            pytest.approx(DY)
        adjoint = [s for s in model["steps"] if s["phase"] == "adjoint"]
        assert adjoint[-1]["value"] == [pytest.approx(DY / SEED)]


APP = server.create_app(trusted_hosts=["testserver"])


def through_every_door(name: str, tmp_path, capsys) -> None:
    through_the_api(name)
    through_the_command_line(name, tmp_path, capsys)
    through_the_server(name)


# --- the tests ------------------------------------------------------------------------------

def test_the_pool_holds_what_it_should():
    assert {"f", "self", "seed", "values", "inputs", "request", "limits", "trace", "output",
            "max_nodes"} <= OURS
    assert {"if", "None", "print", "sum", "len", "__class__", "pi", "e", "sin"} <= set(POOL)
    assert not is_variable("if") and not is_variable("pi") and not is_variable("log")
    assert is_variable("self") and is_variable("print") and is_variable("match")


# capsys is read (and so emptied) after every command, so one for all examples is right.
# The pool's riskiest names are each checked below; here hypothesis ranges wider.
@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=names())
def test_any_identifier_is_a_variable_or_refused_clearly(tmp_path_factory, capsys, name):
    through_every_door(name, tmp_path_factory.mktemp("names", numbered=True), capsys)


@pytest.mark.parametrize("name", sorted(OURS | SPECIAL | set(keyword.kwlist) | set(CONSTANTS)
                                        | set(FUNCTIONS)))
def test_each_of_our_parameter_names_and_each_keyword(tmp_path, capsys, name):
    """Every name in the package's signatures (and the keywords), not only those drawn."""
    through_every_door(name, tmp_path, capsys)
