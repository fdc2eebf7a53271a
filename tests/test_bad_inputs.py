"""Bad inputs get a clear, early error that names the problem and where it is.

Config probes run through ``reflasso check-config`` in-process (the same checks the
Snakefile runs when the workflow loads: ``config_check.check_schema`` and
``config_check.validate``), a few through ``snakemake -n``.  Command-line probes run
``reflasso.cli.main`` in-process, one as a subprocess.  Each probe asserts the exit
status and the words of the message that say what is wrong and where (config key path,
file or option).
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from test_cli_fit import fit_arguments
from test_workflow import TINY, output_of, snakemake, write_config

from reflasso import config_check
from reflasso.certificate import relative_gap
from reflasso.cli import main
from reflasso.io import CorruptFileError
from reflasso.lasso import LassoFit, fit_lasso
from reflasso.training import TrainResult, train_network

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
X = np.array([[0.0], [2.0], [6.0], [7.0]])
Y = np.array([0.0, 0.0, 3.0, 3.0])


def run_cli(caplog, argv) -> tuple[int, str]:
    """Exit status and logged messages of ``reflasso`` with these arguments."""
    caplog.clear()
    status = main([str(a) for a in argv])
    return status, caplog.text


def train_arguments(data, out, *extra, beta=1e-3) -> list[str]:
    return [
        "train",
        "--data",
        data,
        "--depth",
        2,
        "--width",
        4,
        "--beta",
        beta,
        "--epochs",
        20,
        "--device",
        "cpu",
        *extra,
        "--out",
        out,
    ]


@pytest.fixture
def data(tmp_path) -> Path:
    path = tmp_path / "data.npz"
    np.savez(path, X=X, y=Y)
    return path


# ------------------------------------------------------------------ config probes
def set_in(config, path, value):
    *parents, last = path
    for key in parents:
        config = config[key]
    config[last] = value


def delete_in(config, path):
    *parents, last = path
    for key in parents:
        config = config[key]
    del config[last]


CONFIG_PROBES = {
    # id: (edit of the integration config, words the message must contain)
    "nan_label": (
        lambda c: set_in(c, ["datasets", "toy_a", "y", 2], float("nan")),
        ["datasets.toy_a.y[2]", "not a finite number"],
    ),
    "inf_point": (
        lambda c: set_in(c, ["datasets", "toy_a", "x", 1], float("inf")),
        ["datasets.toy_a.x[1]", "not a finite number"],
    ),
    "huge_point": (
        lambda c: set_in(c, ["datasets", "toy_a", "x", 0], 1e300),
        ["datasets.toy_a.x[0]", "too large", "rescale"],
    ),
    "huge_label": (
        lambda c: set_in(c, ["datasets", "toy_a", "y", 0], -1e200),
        ["datasets.toy_a.y[0]", "too large"],
    ),
    "lengths_differ": (
        lambda c: c["datasets"]["toy_a"]["y"].pop(),
        ["datasets.toy_a:", "x has 4 values but y has 3"],
    ),
    "identical_points": (
        lambda c: set_in(c, ["datasets", "toy_a", "x"], [1.0, 1.0, 1.0, 1.0]),
        ["datasets.toy_a.x", "identical"],
    ),
    "unknown_source": (
        lambda c: set_in(c, ["datasets", "sim_a", "source"], "toy_zz"),
        ["datasets.sim_a.source", "unknown data set 'toy_zz'"],
    ),
    "source_not_points1d": (
        lambda c: set_in(c, ["datasets", "sim_a", "source"], "plane_tiny"),
        ["datasets.sim_a.source", "not a usable data set"],
    ),
    "unknown_dataset": (
        lambda c: set_in(c, ["experiments", "toy1d", "datasets"], ["toy_missing"]),
        ["experiments.toy1d.datasets[0]", "unknown data set 'toy_missing'"],
    ),
    "n_train_over_pool": (
        lambda c: set_in(c, ["text", "n_train"], 80),
        ["text.n_train", "80", "text.pool_size=120"],
    ),
    "nan_beta": (
        lambda c: set_in(c, ["experiments", "toy1d", "lasso", "betas"], [float("nan")]),
        ["experiments.toy1d.lasso.betas[0]", "not a finite number"],
    ),
    "inf_train_beta": (
        lambda c: set_in(c, ["experiments", "planes2d", "train", "betas"], [float("inf")]),
        ["experiments.planes2d.train.betas[0]", "not a finite number"],
    ),
    "inf_lr": (
        lambda c: set_in(c, ["experiments", "toy1d", "train", "lr"], float("inf")),
        ["experiments.toy1d.train.lr", "not finite"],
    ),
    "equal_betas": (
        lambda c: set_in(c, ["experiments", "toy1d", "lasso", "betas"], [1e-3, 0.001]),
        ["experiments.toy1d.lasso.betas", "non-unique"],
    ),
    "deep_dictionary": (
        lambda c: set_in(c, ["experiments", "toy1d", "lasso", "depths"], [12]),
        ["experiments.toy1d.lasso.depths", "depth 12 on toy_a", "memory budget"],
    ),
    "large_planar_set": (
        lambda c: (
            set_in(c, ["datasets", "plane_tiny", "n"], 400)
            or set_in(c, ["experiments", "planes2d", "lasso", "depths"], [3])
        ),
        ["experiments.planes2d.lasso.depths", "plane_tiny (400 points in R^2)", "GB"],
    ),
    "learning_curve_over_n_train": (
        lambda c: set_in(c, ["experiments", "llm", "learning_curve", "sizes"], [20, 60]),
        ["experiments.llm.learning_curve.sizes[1]", "60", "text.n_train=40"],
    ),
    "top_level_typo": (
        lambda c: c.update(chekcs=c.pop("checks")),
        ["unknown key 'chekcs' at the top level", "allowed keys: checks, datasets"],
    ),
    "nested_typo": (
        lambda c: c["experiments"]["toy1d"]["train"].update(epochz=10),
        ["'epochz'", "under experiments.toy1d.train", "allowed keys: archs"],
    ),
    "wrong_type": (
        lambda c: set_in(c, ["text", "pool_size"], "many"),
        ["text.pool_size", "'many' is not of type 'integer'"],
    ),
    "missing_key": (
        lambda c: delete_in(c, ["text", "n_train"]),
        ["text", "'n_train' is a required property"],
    ),
    "negative_beta": (
        lambda c: set_in(c, ["experiments", "toy1d", "lasso", "betas"], [-1e-3]),
        ["experiments.toy1d.lasso.betas[0]", "-0.001"],
    ),
    "depth_one": (
        lambda c: set_in(c, ["experiments", "toy1d", "lasso", "depths"], [1]),
        ["experiments.toy1d.lasso.depths[0]", "minimum of 2"],
    ),
    "unknown_kind": (
        lambda c: set_in(c, ["datasets", "toy_a", "kind"], "points3d"),
        ["datasets.toy_a", "points3d"],
    ),
    "test_fraction_over_one": (
        lambda c: set_in(c, ["text", "test_fraction"], 1.5),
        ["text.test_fraction", "1.5"],
    ),
    "dim_too_large": (
        lambda c: set_in(c, ["text", "dims"], [5]),
        ["text.dims[0]", "maximum of 3"],
    ),
    "text_in_points": (
        lambda c: set_in(c, ["datasets", "toy_a", "x", 0], "zero"),
        ["datasets.toy_a.x[0]", "'zero' is not of type 'number'"],
    ),
    "zero_lr": (
        lambda c: set_in(c, ["experiments", "toy1d", "train", "lr"], 0),
        ["experiments.toy1d.train.lr", "less than or equal to the minimum of 0"],
    ),
}


def test_text_sets_skip_the_exact_dictionary_size_check():
    """Thousands of texts in R^3 would need a huge exact dictionary, but the text Lasso is
    fitted by column generation or on a configured subsample: no size error."""
    config = yaml.safe_load(TINY.read_text())
    config["text"].update(pool_size=40000, n_train=4000, dims=[3])
    config["experiments"]["llm"]["depths"] = {"d3": [4]}
    config["experiments"]["llm"]["learning_curve"].update(dim=3, sizes=[1000])
    config_check.validate(config)  # the default budget; raises on any problem
    with pytest.raises(config_check.ConfigError, match="memory budget"):
        config_check.validate(config, max_bytes=1e3)  # toy sets are still checked


@pytest.mark.parametrize("probe", sorted(CONFIG_PROBES))
def test_bad_config_is_rejected_naming_the_key(probe, tmp_path, caplog):
    edit, words = CONFIG_PROBES[probe]
    config = yaml.safe_load(TINY.read_text())
    edit(config)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    status, message = run_cli(caplog, ["check-config", path, "--schema", SCHEMA])
    assert status == 2, message
    for word in words:
        assert word in message, f"{word!r} not in: {message}"
    assert "Failed validating" not in message and len(message.splitlines()) <= 4


def test_the_integration_and_default_configs_pass(caplog):
    for path in (TINY, REPO / "config" / "config.yaml"):
        status, message = run_cli(caplog, ["check-config", path, "--schema", SCHEMA])
        assert status == 0, message


def test_equal_paths_are_caught_without_the_schema():
    # the schema's uniqueItems already refuses 0.001 twice; the path check is its own
    config = yaml.safe_load(TINY.read_text())
    config["experiments"]["toy1d"]["lasso"]["betas"] = [0.001, 1e-3]
    with pytest.raises(config_check.ConfigError, match=r"betas\[1\]: 0.001 repeats .*betas\[0\]"):
        config_check.validate(config)


def test_yaml_syntax_error_names_file_and_line(tmp_path, caplog):
    path = tmp_path / "broken.yaml"
    path.write_text("datasets:\n  toy_a:\n    kind: [points1d\n")
    status, message = run_cli(caplog, ["check-config", path])
    assert status == 2
    assert f"{path}, line 4" in message and "YAML syntax error" in message


def test_yaml_that_is_not_a_mapping_is_rejected(tmp_path, caplog):
    path = tmp_path / "list.yaml"
    path.write_text("- datasets\n- text\n")
    status, message = run_cli(caplog, ["check-config", path])
    assert status == 2 and str(path) in message and "mapping" in message


# ---------------------------------------------------------- floats in paths
def test_float_paths_are_lossless_and_distinct():
    # f"{beta:g}" gave 0.00123457 and one folder for both of the last two values
    values = [1.23456789e-3, 1.0e-3, 1.0000001e-3, 1e-6, 0.1, 5e-324, 1e100]
    texts = [config_check.float_text(v) for v in values]
    assert len(set(texts)) == len(values)
    assert all(float(text) == value for text, value in zip(texts, values, strict=True))
    assert texts[:3] == ["0.00123456789", "0.001", "0.0010000001"]


def test_metrics_record_the_configured_beta_exactly(tmp_path):
    beta = 1.23456789e-3  # what the workflow fits: float(float_text(configured value))
    assert float(config_check.float_text(beta)) == beta
    fit_lasso(X, Y, depth=2, beta=float(config_check.float_text(beta))).save(tmp_path)
    assert json.loads((tmp_path / "metrics.json").read_text())["beta"] == beta


# ------------------------------------------------------------- command-line probes
def write(path: Path, content: bytes | str) -> Path:
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def _npz(path, **arrays) -> Path:
    np.savez(path, **arrays)
    return path


BAD_DATA = {
    # id: (writes the bad file in a folder, given a good .npz; words besides the file name)
    "missing": (lambda tmp, good: tmp / "nowhere.npz", ["not found"]),
    "empty_npz": (lambda tmp, good: write(tmp / "empty.npz", b""), ["empty (0 bytes)"]),
    "garbage_npz": (
        lambda tmp, good: write(tmp / "garbage.npz", b"\x00garbage" * 9),
        ["not a readable .npz"],
    ),
    "truncated_npz": (
        lambda tmp, good: write(tmp / "cut.npz", good.read_bytes()[:120]),
        ["not a readable"],
    ),
    "npz_without_y": (lambda tmp, good: _npz(tmp / "noy.npz", X=X), ["missing array(s) ['y']"]),
    "empty_csv": (lambda tmp, good: write(tmp / "empty.csv", ""), ["empty (0 bytes)"]),
    "blank_csv": (lambda tmp, good: write(tmp / "blank.csv", "\n\n"), ["not a readable CSV"]),
    "text_in_csv": (
        lambda tmp, good: write(tmp / "text.csv", "x1,y\n0,0\nabc,1\n"),
        ["column 'x1', data row 2", "'abc' is not a number"],
    ),
    "csv_without_y": (
        lambda tmp, good: write(tmp / "noy.csv", "x1,x2\n0,1\n1,2\n"),
        ["x1..xd and y"],
    ),
    "csv_header_only": (lambda tmp, good: write(tmp / "header.csv", "x1,y\n"), ["at least 2"]),
    "nan_in_csv": (
        lambda tmp, good: write(tmp / "nan.csv", "x1,y\n0,1\nnan,2\n"),
        ["NaN or inf"],
    ),
    "wrong_suffix": (
        lambda tmp, good: write(tmp / "data.txt", "0 1\n"),
        ["unsupported data format"],
    ),
    "one_point": (lambda tmp, good: _npz(tmp / "one.npz", X=X[:1], y=Y[:1]), ["at least 2"]),
    "rows_differ": (lambda tmp, good: _npz(tmp / "rows.npz", X=X, y=Y[:3]), ["4 rows"]),
    "huge_values": (
        lambda tmp, good: _npz(tmp / "huge.npz", X=X * 1e300, y=Y),
        ["7e+300 in magnitude (limit 1e+100)", "rescale"],
    ),
}


@pytest.mark.parametrize("probe", sorted(BAD_DATA))
@pytest.mark.parametrize("command", ["fit", "train"])
def test_bad_data_file_is_named(probe, command, data, tmp_path, caplog):
    make, words = BAD_DATA[probe]
    path = make(tmp_path, data)
    out = tmp_path / "out"
    if command == "fit":
        argv = fit_arguments(path, out)
    else:
        argv = train_arguments(path, out)
    status, message = run_cli(caplog, argv)
    assert status == 2 and str(path) in message, message
    for word in words:
        assert word in message, f"{word!r} not in: {message}"
    assert not out.exists()  # nothing half-written


@pytest.fixture
def no_work(monkeypatch):
    """Make any fit or training fail the test: the probe must stop before them."""

    def refuse(*args, **kwargs):
        raise AssertionError("the fit/training ran although the arguments were bad")

    monkeypatch.setattr("reflasso.lasso.fit_lasso", refuse)
    monkeypatch.setattr("reflasso.training.train_network", refuse)


@pytest.mark.parametrize("command", ["fit", "train"])
@pytest.mark.parametrize("where", ["file", "below_a_file"])
def test_out_naming_a_file_is_refused_before_any_work(
    command, where, data, tmp_path, caplog, no_work
):
    blocker = write(tmp_path / "taken", "keep me")
    out = blocker if where == "file" else blocker / "fit"
    argv = fit_arguments(data, out) if command == "fit" else train_arguments(data, out)
    status, message = run_cli(caplog, argv)
    assert status == 2 and f"--out {out}" in message and "not a folder" in message
    assert blocker.read_text() == "keep me"


@pytest.mark.parametrize(
    "extra,words",
    [
        (["--dictionary", "sampled"], ["--dictionary sampled needs --samples N"]),
        (["--samples", "10"], ["--samples applies to --dictionary sampled"]),
    ],
)
def test_dictionary_options_are_checked_before_any_work(
    extra, words, data, tmp_path, caplog, no_work
):
    status, message = run_cli(caplog, fit_arguments(data, tmp_path / "o", 2, 0.1, *extra))
    assert status == 2 and all(word in message for word in words), message


def test_sampled_dictionary_runs_with_samples(data, tmp_path, caplog):
    out = tmp_path / "sampled"
    argv = fit_arguments(data, out, 2, 0.01, "--dictionary", "sampled", "--samples", "30")
    status, message = run_cli(caplog, argv)
    assert status == 0, message
    assert json.loads((out / "metrics.json").read_text())["dictionary"]["kind"] == "sampled"


def test_too_large_dictionary_recommends_only_settable_options(data, tmp_path, caplog):
    # the default solver would switch to column generation; a materialising one must fail
    argv = fit_arguments(
        data, tmp_path / "o", 3, 0.1, "--max-memory", "2KB", "--solver", "working-set"
    )
    status, message = run_cli(caplog, argv)
    assert status == 2 and "over the memory budget" in message
    assert "kind='sampled'" not in message  # the old advice no interface could follow
    options = [
        "--solver generate",
        "--dictionary sampled --samples N",
        "--max-memory",
        "--dictionary closed-form",
    ]
    for option in options:
        assert option in message
    parsed = vars(main.__globals__["build_parser"]().parse_args(fit_arguments(data, "o")))
    assert {"samples", "max_memory", "dictionary", "solver"} <= set(parsed)  # and the CLI has them


@pytest.mark.parametrize("size", ["lots", "-1GB", "4XB"])
def test_bad_memory_size_is_a_usage_error(size, data, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(fit_arguments(data, tmp_path / "o", 2, 0.1, "--max-memory", size))
    assert exit_.value.code == 2
    assert "--max-memory" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command,option,value,words",
    [
        ("fit", "--beta", "0", ["beta must be a positive finite number"]),
        ("fit", "--beta", "nan", ["beta must be a positive finite number"]),
        ("fit", "--depth", "1", ["depth must be an integer >= 2"]),
        ("train", "--lr", "-1", ["lr must be a finite number > 0"]),
        ("train", "--beta", "inf", ["beta must be a finite number >= 0"]),
    ],
)
def test_bad_numbers_are_named(command, option, value, words, data, tmp_path, caplog):
    argv = (
        fit_arguments(data, tmp_path / "o")
        if command == "fit"
        else train_arguments(data, tmp_path / "o")
    )
    argv[-2:-2] = [option, value]  # the last occurrence counts
    status, message = run_cli(caplog, argv)
    assert status == 2 and all(word in message for word in words), message


def test_diverging_training_stops_with_an_error(data, tmp_path, caplog):
    # --lr 1e30 ended with exit 0 and an objective of 1e118
    out = tmp_path / "o"
    status, message = run_cli(caplog, train_arguments(data, out, "--lr", "1e30"))
    assert status == 2 and "diverged" in message and "smaller learning rate" in message
    assert not out.exists()


def test_divergence_is_a_training_error_with_the_step():
    from reflasso.training import TrainingDiverged

    with pytest.raises(TrainingDiverged, match=r"step \d+: objective .*lr=1e\+06"):
        train_network(X, Y, depth=2, width=4, beta=1e-3, epochs=50, lr=1e6)


@pytest.fixture
def lasso_fit(tmp_path) -> Path:
    folder = tmp_path / "fit"
    fit_lasso(X, Y, depth=2, beta=1e-3).save(folder)
    return folder


@pytest.mark.parametrize(
    "change,words",
    [
        ("beta", ["beta=0.001", "beta=0.01"]),
        ("data", ["other data"]),
    ],
)
def test_mismatched_warm_start_is_refused(change, words, lasso_fit, tmp_path, caplog):
    data = tmp_path / "other.npz"
    np.savez(data, X=X, y=Y + (1.0 if change == "data" else 0.0))
    beta = 1e-2 if change == "beta" else 1e-3
    argv = train_arguments(data, tmp_path / "o", "--init-from", lasso_fit, beta=beta)
    status, message = run_cli(caplog, argv)
    assert status == 2 and f"--init-from {lasso_fit}" in message, message
    assert all(word in message for word in words) and "--allow-init-mismatch" in message
    argv.insert(-2, "--allow-init-mismatch")  # the explicit override is accepted
    assert run_cli(caplog, argv)[0] == 0


def test_matching_warm_start_is_accepted(data, lasso_fit, tmp_path, caplog):
    status, message = run_cli(
        caplog, train_arguments(data, tmp_path / "o", "--init-from", lasso_fit)
    )
    assert status == 0, message


# ------------------------------------------------------- corrupt results are named
@pytest.mark.parametrize(
    "name,content",
    [
        ("metrics.json", b""),
        ("metrics.json", b'{"objective": 1.0, "interc'),
        ("solution.npz", b""),
        ("solution.npz", b"PK\x03\x04 truncated"),
        ("meaning.csv", b""),
    ],
)
def test_corrupt_lasso_output_names_file_and_rule(name, content, tmp_path, caplog):
    folder = tmp_path / "results" / "lasso" / "toy_a" / "L2-b0.001"
    fit_lasso(X, Y, depth=2, beta=1e-3).save(folder)
    write(folder / name, content)
    with pytest.raises(CorruptFileError) as error:
        LassoFit.load(folder)
    assert str(folder / name) in str(error.value) and "rule lasso" in str(error.value)
    # the same through the command line (a warm start from that folder)
    data = _npz(tmp_path / "d.npz", X=X, y=Y)
    status, message = run_cli(caplog, train_arguments(data, tmp_path / "o", "--init-from", folder))
    assert status == 2 and str(folder / name) in message


@pytest.mark.parametrize("name", ["metrics.json", "history.csv", "model.pt"])
def test_corrupt_training_output_names_file_and_rule(name, tmp_path):
    folder = tmp_path / "results" / "train" / "toy1d" / "toy_a" / "run"
    train_network(X, Y, depth=2, width=2, beta=1e-3, epochs=2).save(folder)
    write(folder / name, b"")
    with pytest.raises(CorruptFileError) as error:
        TrainResult.load(folder)
    assert str(folder / name) in str(error.value) and "rule train" in str(error.value)


def test_torch_file_that_is_not_one_is_named(tmp_path):
    from reflasso.io import load_torch

    path = write(tmp_path / "model.pt", b"not a torch file at all")
    with pytest.raises(CorruptFileError, match="model.pt: not a readable torch"):
        load_torch(path)
    torch.save({"w": torch.zeros(1)}, path)  # and a good one reads
    assert torch.equal(load_torch(path)["w"], torch.zeros(1))


# ------------------------------------------------------------- all labels equal
def test_constant_labels_give_a_valid_zero_fit(tmp_path, caplog):
    # y = [1, 1, 1, 1] crashed the workflow's lasso job with a ZeroDivisionError
    y = np.ones(len(X))
    fit = fit_lasso(X, y, depth=3, beta=1e-3)
    assert fit.n_active == 0 and fit.objective == 0.0 and fit.intercept == 1.0
    assert fit.certificate()["ok"]
    from reflasso import training_objective

    network = float(training_objective(fit.to_network(), X, y, 1e-3).detach())
    assert relative_gap(network, fit.objective) == 0.0  # 0 / 0 is a zero gap here
    assert relative_gap(1e-3, 0.0) == np.inf and relative_gap(2.0, 1.0) == 1.0
    data = _npz(tmp_path / "c.npz", X=X, y=y)
    assert run_cli(caplog, fit_arguments(data, tmp_path / "o", 2, 1e-3))[0] == 0


def test_optimality_table_with_a_zero_optimum_has_no_nan():
    from reflasso.experiment_analysis import optimality_table

    lasso = pd.DataFrame([{"dataset": "c", "depth": 2, "beta": 1e-3, "objective": 0.0}])
    trained = pd.DataFrame(
        [
            {
                "experiment": "toy1d",
                "dataset": "c",
                "arch": "reflection",
                "depth": 2,
                "width": 4,
                "beta": 1e-3,
                "init": "random",
                "seed": s,
                "objective": objective,
            }
            for s, objective in enumerate([0.0, 1e-4])
        ]
    )
    table = optimality_table(lasso, trained, 1e-6, 0.05)
    assert list(table["rel_gap"]) == [0.0, np.inf]
    assert list(table["near_optimum"]) == [True, False]


# ------------------------------------------------------------------ subprocess
def test_command_line_error_has_no_traceback(tmp_path):
    empty = write(tmp_path / "empty.npz", b"")
    argv = fit_arguments(empty, tmp_path / "o")
    result = subprocess.run(
        [sys.executable, "-m", "reflasso.cli", *argv], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert str(empty) in result.stderr and "Traceback" not in result.stderr


# ------------------------------------------------------------ at workflow load
@pytest.mark.workflow
@pytest.mark.parametrize(
    "probe,edit,words",
    [
        (
            "nan_label",
            lambda c: set_in(c, ["datasets", "toy_a", "y", 2], float("nan")),
            ["datasets.toy_a.y[2]"],
        ),
        ("top_level_typo", lambda c: c.update(chekcs=c.pop("checks")), ["'chekcs'", "allowed"]),
        (
            "n_train_over_pool",
            lambda c: set_in(c, ["text", "n_train"], 80),
            ["text.n_train"],
        ),
    ],
)
def test_dry_run_rejects_bad_config_before_any_job(probe, edit, words, tmp_path):
    config = write_config(tmp_path / f"{probe}.yaml", edit)
    result = snakemake(tmp_path, "-n", configfile=config)
    output = output_of(result)
    assert result.returncode != 0 and all(word in output for word in words), output
    assert "Failed validating" not in output and "Job stats" not in output


@pytest.mark.workflow
def test_dry_run_keeps_close_betas_apart(tmp_path):
    # [1.0e-3, 1.0000001e-3] shared one folder, and 1.23456789e-3 was fitted as 0.00123457
    betas = [1.0e-3, 1.0000001e-3, 1.23456789e-3]
    config = write_config(
        tmp_path / "betas.yaml",
        lambda c: set_in(c, ["experiments", "toy1d", "lasso", "betas"], betas),
    )
    result = snakemake(tmp_path, "-n", "results/tables/kinks.csv", configfile=config, check=True)
    for text in ("L2-b0.001/", "L2-b0.0010000001/", "L2-b0.00123456789/"):
        assert text in result.stdout, text
