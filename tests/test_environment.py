"""environment.yml (conda users) must list exactly pyproject.toml's dependencies."""

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def normalise(name: str) -> str:
    """PEP 503 name: case, '-', '_' and '.' do not distinguish packages."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(lines: list[str]) -> dict[str, str]:
    """Normalised name -> version bounds (as a sorted, comparable string)."""
    parsed = [Requirement(line) for line in lines]
    return {normalise(r.name): ",".join(sorted(str(s) for s in r.specifier)) for r in parsed}


def pyproject_requirements() -> dict[str, str]:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return requirements(tomllib.load(handle)["project"]["dependencies"])


def environment_file() -> dict:
    with open(ROOT / "environment.yml") as handle:
        return yaml.safe_load(handle)


def environment_pip_requirements() -> dict[str, str]:
    pip_sections = [
        entry["pip"] for entry in environment_file()["dependencies"] if isinstance(entry, dict)
    ]
    assert len(pip_sections) == 1, "environment.yml needs exactly one pip: section"
    return requirements(pip_sections[0])


def test_every_pyproject_dependency_is_in_environment_yml():
    missing = set(pyproject_requirements()) - set(environment_pip_requirements())
    assert not missing, f"add to environment.yml's pip section: {sorted(missing)}"


def test_environment_yml_lists_nothing_beyond_pyproject():
    extra = set(environment_pip_requirements()) - set(pyproject_requirements())
    assert not extra, f"in environment.yml but not in pyproject.toml: {sorted(extra)}"


def test_version_bounds_agree():
    project, environment = pyproject_requirements(), environment_pip_requirements()
    differing = {
        name: (project[name], environment[name])
        for name in project.keys() & environment.keys()
        if project[name] != environment[name]
    }
    assert not differing, f"(pyproject, environment.yml) bounds differ: {differing}"


def test_conda_python_matches_requires_python():
    with open(ROOT / "pyproject.toml", "rb") as handle:
        requires_python = tomllib.load(handle)["project"]["requires-python"]
    conda_pythons = [
        entry.split("=", 1)[1]
        for entry in environment_file()["dependencies"]
        if isinstance(entry, str) and entry.startswith("python=")
    ]
    assert conda_pythons, "environment.yml must pin python=3.x"
    python = conda_pythons[0]
    assert Requirement(f"python{requires_python}").specifier.contains(python), (
        f"python={python} in environment.yml violates requires-python {requires_python}"
    )
