"""Command line: ``reflasso fit`` and ``reflasso train`` (stable public interface)."""

from __future__ import annotations

import argparse
import logging
import re
import sys
from pathlib import Path

from .io import DataError, load_xy

log = logging.getLogger("reflasso")


def _check_out(out: str) -> None:
    """--out must be a folder that can be created: refused before any fit or training."""
    for path in [Path(out), *Path(out).parents]:
        if path.exists() and not path.is_dir():
            raise ValueError(
                f"--out {out}: {path} exists and is not a folder (--out names a folder)"
            )


def parse_bytes(text: str) -> float:
    """'4GB', '500MB', '2e9' (bytes) -> bytes (powers of 1000)."""
    units = {"": 1, "B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}
    match = re.fullmatch(r"\s*([0-9.]+(?:[eE][-+]?\d+)?)\s*([KMGT]?B?)\s*", text.upper())
    if not match or float(match.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"not a memory size: {text!r} (e.g. 4GB, 500MB, 2e9)")
    return float(match.group(1)) * units[match.group(2)]


def _dictionary_options(args) -> dict:
    """Options of build_dictionary set on the command line (checked before any work)."""
    options = {}
    if args.dictionary == "sampled":
        if args.samples is None:
            raise ValueError(
                "--dictionary sampled needs --samples N (the number of sampled chains)"
            )
        options["n_samples"] = args.samples
    elif args.samples is not None:
        raise ValueError(f"--samples applies to --dictionary sampled, not {args.dictionary!r}")
    if args.max_memory is not None:
        options["max_bytes"] = args.max_memory
    return options


def _fit(args) -> None:
    from .lasso import fit_lasso

    _check_out(args.out)
    options = _dictionary_options(args)
    X, y = load_xy(args.data)
    fit = fit_lasso(
        X,
        y,
        depth=args.depth,
        beta=args.beta,
        dictionary=args.dictionary,
        solver=args.solver,
        **options,
    )
    fit.save(args.out)
    log.info(
        "objective %.10g, %d active of %d columns, certificate %s -> %s",
        fit.objective,
        fit.n_active,
        fit.dictionary.size,
        fit.certificate(),
        args.out,
    )


def _train(args) -> None:
    from .training import check_init_matches, train_network
    from .training_config import TrainingConfig

    _check_out(args.out)
    config = TrainingConfig(
        arch=args.arch,
        depth=args.depth,
        width=args.width,
        beta=args.beta,
        epochs=args.epochs,
        lr=args.lr,
        seed=args.seed,
        device=args.device,
    )  # checked before the data is read
    X, y = load_xy(args.data)
    init = None
    if args.init_from:
        from .lasso import LassoFit

        init = LassoFit.load(args.init_from)
        if not args.allow_init_mismatch:
            try:
                check_init_matches(init, X, y, config.beta)
            except ValueError as error:
                raise ValueError(
                    f"--init-from {args.init_from}: {error} (--allow-init-mismatch uses it anyway)"
                ) from None
    result = train_network(X, y, config, init=init)
    result.save(args.out)
    log.info("final objective %.10g on %s -> %s", result.objective, result.device, args.out)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reflasso", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    fit = commands.add_parser("fit", help="solve the convex Lasso of a deep |.| network")
    fit.add_argument("--data", required=True, help=".npz with X, y or .csv with x1..xd, y")
    fit.add_argument("--depth", type=int, required=True, help="number of weight layers L >= 2")
    fit.add_argument("--beta", type=float, required=True, help="regularisation strength > 0")
    fit.add_argument("--dictionary", default="exact", help="exact, closed-form or sampled")
    fit.add_argument("--solver", default="auto", help="auto, clarabel or fast")
    fit.add_argument(
        "--samples", type=int, default=None, help="number of sampled chains (--dictionary sampled)"
    )
    fit.add_argument(
        "--max-memory",
        type=parse_bytes,
        default=None,
        help="memory budget of the dictionary: bytes or e.g. 4GB (default 2GB)",
    )
    fit.add_argument("--out", required=True, help="output folder")
    fit.set_defaults(run=_fit)

    train = commands.add_parser("train", help="train a deep |.| network with Adam")
    train.add_argument("--data", required=True, help=".npz with X, y or .csv with x1..xd, y")
    train.add_argument("--arch", choices=["reflection", "standard"], default="reflection")
    train.add_argument("--depth", type=int, required=True)
    train.add_argument("--width", type=int, required=True)
    train.add_argument("--beta", type=float, required=True)
    train.add_argument("--epochs", type=int, default=2000)
    train.add_argument("--lr", type=float, default=1e-2)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--device", default="auto", help="auto, cpu or cuda")
    train.add_argument("--init-from", default=None, help="a 'reflasso fit' output folder")
    train.add_argument(
        "--allow-init-mismatch",
        action="store_true",
        help="accept an --init-from fit made with another beta or other data",
    )
    train.add_argument("--out", required=True, help="output folder")
    train.set_defaults(run=_train)

    check = commands.add_parser(
        "check-config", help="check a workflow config file (YAML syntax and content)"
    )
    check.add_argument("config", help="a config YAML file, e.g. config/config.yaml")
    check.add_argument(
        "--schema",
        default="workflow/schemas/config.schema.yaml",
        help="the workflow's JSON schema (skipped when the file is not there)",
    )
    check.set_defaults(run=_check_config)
    return parser


def _check_config(args) -> None:
    from .config_check import check_schema, load_yaml_file, validate

    config = load_yaml_file(args.config)
    if Path(args.schema).is_file():
        check_schema(config, args.schema)
    else:
        log.warning("schema %s not found: types and key names are not checked", args.schema)
    validate(config)
    log.info("%s: no problem found", args.config)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    try:
        args.run(args)
    except (DataError, ValueError, FileNotFoundError, MemoryError) as error:
        log.error("%s", error)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
