"""``import reflasso`` stays light: heavy dependencies load only when a name needs them."""

import os
import subprocess
import sys

import pytest

HEAVY = ("torch", "sentence_transformers", "cvxpy", "matplotlib")


def _modules_after(statement: str) -> set[str]:
    """Top-level modules loaded by a fresh interpreter after running ``statement``."""
    code = f"{statement}; import sys; print(' '.join(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout
    return {name.split(".")[0] for name in out.split()}


def test_import_reflasso_loads_no_heavy_dependency():
    loaded = _modules_after("import reflasso")
    assert not loaded & set(HEAVY), f"import reflasso loaded {sorted(loaded & set(HEAVY))}"


@pytest.mark.parametrize("name", ["ReflectionNetwork", "training_objective"])
def test_lazy_names_still_resolve(name):
    # the check above must not pass merely because the names vanished
    assert "torch" in _modules_after(f"import reflasso; reflasso.{name}")


def test_figures_module_keeps_the_users_backend():
    # a library must not switch a notebook user's backend (the workflow selects Agg itself)
    code = (
        "import matplotlib; matplotlib.use('svg'); import reflasso.figures; "
        "print(matplotlib.get_backend())"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("MPLBACKEND", None)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout
    assert out.strip().lower() == "svg"
