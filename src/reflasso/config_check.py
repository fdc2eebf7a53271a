"""Checks of a workflow configuration that run when the workflow loads (before any job).

The JSON schema (workflow/schemas/config.schema.yaml) checks types and names; this module
checks what a schema cannot express and what would otherwise fail late, inside a job:
cross-references between keys, finite and usable data, sizes that fit together, and
exact dictionaries that fit the memory budget.  Every message names the config key path
of the offending value, e.g. ``datasets.toy_a.y[2]``.

``validate(config)`` is called from the Snakefile (and by ``reflasso check-config``);
it needs neither snakemake nor the data.
"""

from __future__ import annotations

import inspect
import math
import os
from collections.abc import Mapping
from pathlib import Path

from .io import MAX_MAGNITUDE

EXPERIMENTS = ("toy1d", "simulated", "planes2d", "orthogonality", "depth_symmetry", "llm")


class ConfigError(ValueError):
    """A configuration that cannot run, with the config key path (and file) in the message."""


def float_text(value) -> str:
    """The text of a float in paths: the shortest one that reads back as the same float
    (Python's repr), so different values never share a path and the value is kept exactly."""
    return repr(float(value))


def key_path(*parts) -> str:
    """``datasets``, ``toy_a``, ``y``, 2 -> ``datasets.toy_a.y[2]``."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


# ------------------------------------------------------------------------ file level
def load_yaml_file(path: str | os.PathLike) -> dict:
    """A YAML config as a dict; a syntax error names the file, line and column."""
    import yaml

    path = Path(path)
    try:
        with path.open(encoding="utf-8") as handle:
            config = yaml.safe_load(handle)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{path}, line {mark.line + 1}, column {mark.column + 1}" if mark else str(path)
        raise ConfigError(f"{where}: YAML syntax error: {error.problem or error}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: YAML error: {error}") from None
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: a config must be a mapping of keys at the top level")
    return config


def check_schema(config: Mapping, schema_path: str | os.PathLike) -> None:
    """Validate against the JSON schema with one short line (no schema dump).

    An unknown key is reported with the allowed keys of its level; other problems with
    the key path and jsonschema's own one-line message.
    """
    import jsonschema
    import yaml

    schema = yaml.safe_load(Path(schema_path).read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = list(validator.iter_errors(config))
    if not errors:
        return
    unknown = [e for e in errors if e.validator == "additionalProperties"]
    error = unknown[0] if unknown else jsonschema.exceptions.best_match(errors)
    where = key_path(*error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        level = f"under {where}" if where else "at the top level"
        raise ConfigError(
            f"config: unknown key {', '.join(map(repr, extra))} {level}; "
            f"allowed keys: {', '.join(allowed)}"
        )
    raise ConfigError(f"config key {where or '(top level)'}: {error.message}")


# --------------------------------------------------------------------- content level
def validate(config: Mapping, *, max_bytes: float | None = None) -> None:
    """Raise ConfigError listing every problem (one line each) that can be known from
    the config alone; run after the schema check (it assumes the schema's types).

    ``max_bytes``: memory budget of one exact dictionary (default: the one
    ``build_dictionary`` uses).
    """
    problems = [
        *_dataset_problems(config["datasets"]),
        *_reference_problems(config),
        *_text_problems(config["text"]),
        *_learning_curve_problems(config),
        *_sweep_problems(config["experiments"]),
    ]
    if not problems:  # sizes need consistent data sets
        problems = _dictionary_problems(config, max_bytes)
    if problems:
        raise ConfigError("invalid config:\n  " + "\n  ".join(problems))


SHUFFLABLE = ("points1d", "random2d", "random3d")  # kinds a "shuffled" data set can copy


def _dataset_problems(datasets: Mapping) -> list[str]:
    problems = []
    for name, spec in datasets.items():
        if spec.get("kind") == "points1d":
            problems += _values_problems(spec, ("datasets", name))
        elif spec.get("kind") in ("embedded", "shuffled"):
            allowed = ("points1d",) if spec["kind"] == "embedded" else SHUFFLABLE
            source = datasets.get(spec["source"])
            if source is None or source.get("kind") not in allowed:
                what = "unknown data set" if source is None else "not a usable data set"
                usable = sorted(k for k, v in datasets.items() if v.get("kind") in allowed)
                problems.append(
                    f"{key_path('datasets', name, 'source')}: {what} {spec['source']!r} "
                    f"(a {spec['kind']} data set takes one of: {usable})"
                )
    return problems


def _values_problems(spec: Mapping, where: tuple) -> list[str]:
    problems = []
    for axis in ("x", "y"):
        for i, value in enumerate(spec[axis]):
            value = float(value)
            if not math.isfinite(value):
                problems.append(f"{key_path(*where, axis, i)}: {value} is not a finite number")
            elif abs(value) > MAX_MAGNITUDE:
                problems.append(
                    f"{key_path(*where, axis, i)}: {value:g} is too large in magnitude "
                    f"(limit {MAX_MAGNITUDE:g}); rescale the data"
                )
    if len(spec["x"]) != len(spec["y"]):
        problems.append(
            f"{key_path(*where)}: x has {len(spec['x'])} values but y has {len(spec['y'])}"
        )
    elif not problems and len(set(map(float, spec["x"]))) < 2:
        problems.append(
            f"{key_path(*where, 'x')}: all points are identical; the Lasso needs 2 distinct points"
        )
    return problems


def _reference_problems(config: Mapping) -> list[str]:
    problems = []
    for experiment, spec in config["experiments"].items():
        for i, dataset in enumerate(spec.get("datasets", [])):
            if dataset not in config["datasets"]:
                problems.append(
                    f"{key_path('experiments', experiment, 'datasets', i)}: unknown data set "
                    f"{dataset!r} (defined: {sorted(config['datasets'])})"
                )
    return problems + _control_problems(config)


def _control_problems(config: Mapping) -> list[str]:
    """The orthogonality experiment needs its negative control: a shuffled copy of one of
    its data sets, listed beside that data set."""
    spec = config["experiments"].get("orthogonality")
    if not spec:
        return []
    where = key_path("experiments", "orthogonality", "datasets")
    datasets, listed = config["datasets"], spec["datasets"]
    shuffled = [d for d in listed if datasets.get(d, {}).get("kind") == "shuffled"]
    problems = [
        f"{where}: {d!r} is the control of {datasets[d]['source']!r}, which must be listed too"
        for d in shuffled
        if datasets[d]["source"] not in listed
    ]
    if not shuffled:
        problems.append(f"{where}: needs a 'shuffled' data set (the negative control)")
    return problems


def _text_problems(text: Mapping) -> list[str]:
    """n_train must fit the training part of the balanced pool (checked per class)."""
    pool, fraction, n_train = text["pool_size"], text["test_fraction"], text["n_train"]
    train_part = pool - math.ceil(fraction * pool)  # sklearn rounds the test part up
    per_class = train_part // 2
    if n_train - n_train // 2 > per_class:
        return [
            f"text.n_train: {n_train} is larger than the training part of the pool allows "
            f"for a balanced sample (text.pool_size={pool} with text.test_fraction={fraction} "
            f"leaves {train_part} texts, {per_class} per class); use text.n_train <= "
            f"{2 * per_class} or a larger text.pool_size"
        ]
    return []


def _learning_curve_problems(config: Mapping) -> list[str]:
    """The learning curve's smaller sizes nest in text.n_train, and its last point is the
    main text data set of its reduction and dimension, which must be swept."""
    curve = config["experiments"].get("llm", {}).get("learning_curve")
    if not curve:
        return []
    text, where = config["text"], ("experiments", "llm", "learning_curve")
    problems = [
        f"{key_path(*where, 'sizes', i)}: {size} is larger than text.n_train={text['n_train']}"
        for i, size in enumerate(curve["sizes"])
        if size > text["n_train"]
    ]
    for key, listed in (("reduction", "reductions"), ("dim", "dims")):
        if curve[key] not in text[listed]:
            problems.append(
                f"{key_path(*where, key)}: {curve[key]!r} is not in text.{listed} {text[listed]}"
            )
    return problems


def _sweep_problems(experiments: Mapping) -> list[str]:
    problems = []
    for experiment, spec in experiments.items():
        for stage in ("lasso", "train"):
            sweep = spec.get(stage)
            if not sweep:
                continue
            where = ("experiments", experiment, stage)
            if "betas" in sweep:  # the text Lasso chooses beta by cross-validation
                problems += _float_list_problems(sweep["betas"], (*where, "betas"))
            if stage == "train" and not math.isfinite(float(sweep["lr"])):
                problems.append(f"{key_path(*where, 'lr')}: {sweep['lr']} is not finite")
    return problems


def _float_list_problems(values, where: tuple) -> list[str]:
    """Finite values whose path spellings are all different."""
    problems, seen = [], {}
    for i, value in enumerate(values):
        if not math.isfinite(float(value)):
            problems.append(f"{key_path(*where, i)}: {value} is not a finite number")
            continue
        text = float_text(value)
        if text in seen:
            problems.append(
                f"{key_path(*where, i)}: {value!r} repeats {key_path(*where, seen[text])}"
            )
        seen.setdefault(text, i)
    return problems


def _dictionary_problems(config: Mapping, max_bytes: float | None) -> list[str]:
    """Exact dictionaries whose estimated size is over the budget (the fit would fail).

    Text data are not checked: their Lasso is fitted by column generation (solver auto
    on thousands of texts) or on a configured subsample (experiments.llm.lasso.max_train),
    never by materialising the exact dictionary of every training text."""
    from .dictionary import (
        ENUMERATION_SLACK,
        _bytes_per_column,
        build_dictionary,
        estimate_dictionary_size,
    )

    if max_bytes is None:
        max_bytes = inspect.signature(build_dictionary).parameters["max_bytes"].default
    shapes = _dataset_shapes(config)
    problems = []
    for experiment, spec in config["experiments"].items():
        sweep = spec.get("lasso")
        if not sweep or experiment == "llm":
            continue
        for dataset in spec["datasets"]:
            for n, distinct, d in shapes[dataset]:
                for depth in sweep["depths"]:  # the same estimate build_dictionary makes
                    columns, _ = estimate_dictionary_size(distinct, d, depth, "exact")
                    nbytes = columns * _bytes_per_column(n, d, depth)
                    if nbytes > ENUMERATION_SLACK * max_bytes:
                        problems.append(
                            f"{key_path('experiments', experiment, 'lasso', 'depths')}: depth "
                            f"{depth} on {dataset} ({n} points in R^{d}) needs an exact "
                            f"dictionary of about {columns:,} columns ({nbytes / 1e9:.3g} GB), "
                            f"over the memory budget of {max_bytes / 1e9:.3g} GB; use a lower "
                            "depth or fewer points"
                        )
    return problems


def _dataset_shapes(config: Mapping) -> dict[str, list[tuple[int, int, int]]]:
    """(points, distinct points, dimension) of every toy data set, known without building it."""
    datasets = config["datasets"]
    shapes = {}
    for name, spec in datasets.items():
        if spec["kind"] == "shuffled":
            spec = datasets[spec["source"]]  # same points, labels permuted
        if spec["kind"] in ("points1d", "embedded"):
            x = (spec if spec["kind"] == "points1d" else datasets[spec["source"]])["x"]
            dim = 1 if spec["kind"] == "points1d" else int(spec.get("dim", 2))
            shapes[name] = [(len(x), len(set(map(float, x))), dim)]
        else:
            dim = 3 if spec["kind"] == "random3d" else 2
            shapes[name] = [(int(spec["n"]), int(spec["n"]), dim)]
    return shapes
