"""Command line: ``reflasso fit`` and ``reflasso train`` (stable public interface)."""

from __future__ import annotations

import argparse
import logging
import re
import sys
from pathlib import Path

from .certificate import NotCertifiedError
from .io import DataError, load_xy

log = logging.getLogger("reflasso")


def _check_out(out: str) -> None:
    """--out must be a folder that can be created: refused before any fit or training."""
    for path in [Path(out), *Path(out).parents]:
        if path.exists() and not path.is_dir():
            raise ValueError(
                f"--out {out}: {path} exists and is not a folder (--out names a folder)"
            )


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
    return options


def _fit(args) -> None:
    from .lasso import fit_lasso

    _check_out(args.out)
    X, y = load_xy(args.data)
    options = {
        **_dictionary_options(args),
        "dictionary": args.dictionary,
        "solver": args.solver,
        "tol": args.tol,
        "max_memory": args.max_memory,
        "allow_uncertified": args.allow_uncertified,
        "device": args.device,
    }
    beta = args.beta
    if args.cv:
        from .path import cross_validate_beta

        cv = cross_validate_beta(X, y, args.depth, folds=args.cv, refit=False, **options)
        _write_table(
            args.out, "cv.csv", {"beta": cv.betas, "mse": cv.mean_score, "std": cv.std_score}
        )
        beta = cv.best_beta
        log.info("cross-validation (%d folds) picks beta = %.6g", args.cv, beta)
    if beta is None:
        raise ValueError("--beta is required unless --cv chooses it")
    if args.path:
        from .path import lasso_path

        path = lasso_path(X, y, args.depth, n_betas=args.path, **options)
        rows = [(f.beta, f.objective, f.n_active, *_cert(f, args.tol)) for f in path]
        names = ("beta", "objective", "n_active", "kkt_max", "random_max", "certified")
        _write_table(args.out, "path.csv", dict(zip(names, zip(*rows, strict=True), strict=True)))
    fit = fit_lasso(X, y, depth=args.depth, beta=beta, **options)
    fit.save(args.out)
    log.info(
        "objective %.10g, %d active of %d columns, certificate %s -> %s",
        fit.objective,
        fit.n_active,
        fit.dictionary.size,
        fit.certificate(tol=args.tol),
        args.out,
    )


def _cert(fit, tol: float) -> tuple:
    cert = fit.certificate(tol=tol)  # computed at fit time with this tol: cached
    return cert["kkt_max"], cert["random_max"], cert["ok"]


def _write_table(directory, name: str, columns: dict) -> None:
    import pandas as pd

    from .io import write_text_atomic

    Path(directory).mkdir(parents=True, exist_ok=True)
    write_text_atomic(Path(directory) / name, pd.DataFrame(columns).to_csv(index=False))


def parse_bytes(text: str) -> float:
    """'4GB', '500MB', '2e9' -> bytes (decimal units; KiB/MiB/GiB binary)."""
    units = {"": 1, "B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}
    units |= {"KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}
    match = re.fullmatch(r"\s*([0-9.]+(?:e[0-9]+)?)\s*([A-Za-z]*)\s*", str(text))
    if not match or match.group(2).upper() not in units:
        raise argparse.ArgumentTypeError(f"not a size in bytes: {text!r} (e.g. 4GB, 500MB)")
    value = float(match.group(1)) * units[match.group(2).upper()]
    if value <= 0:
        raise argparse.ArgumentTypeError(f"size must be positive: {text!r}")
    return value


def _train(args) -> None:
    from .training import check_init_matches, train_network

    _check_out(args.out)
    X, y = load_xy(args.data)
    init = None
    if args.init_from:
        from .lasso import LassoFit

        init = LassoFit.load(args.init_from)
        if not args.allow_init_mismatch:
            try:
                check_init_matches(init, X, y, args.beta)
            except ValueError as error:
                raise ValueError(
                    f"--init-from {args.init_from}: {error} (--allow-init-mismatch uses it anyway)"
                ) from None
    result = train_network(
        X,
        y,
        arch=args.arch,
        depth=args.depth,
        width=args.width,
        beta=args.beta,
        epochs=args.epochs,
        lr=args.lr,
        seed=args.seed,
        device=args.device,
        init=init,
    )
    result.save(args.out)
    log.info("final objective %.10g on %s -> %s", result.objective, result.device, args.out)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reflasso", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    fit = commands.add_parser("fit", help="solve the convex Lasso of a deep |.| network")
    fit.add_argument("--data", required=True, help=".npz with X, y or .csv with x1..xd, y")
    fit.add_argument("--depth", type=int, required=True, help="number of weight layers L >= 2")
    fit.add_argument("--beta", type=float, help="regularisation strength > 0 (or --cv)")
    fit.add_argument("--dictionary", default="exact", help="exact, closed-form or sampled")
    fit.add_argument(
        "--samples", type=int, default=None, help="number of sampled chains (--dictionary sampled)"
    )
    fit.add_argument(
        "--solver",
        default="auto",
        help="auto, generate, line (1-D depth 2), working-set or clarabel "
        "(fast: deprecated name of working-set)",
    )
    fit.add_argument("--tol", type=float, default=1e-5, help="certificate/stopping slack")
    fit.add_argument("--max-memory", type=parse_bytes, default=4e9, help="bytes, e.g. 4GB")
    fit.add_argument("--allow-uncertified", action="store_true", help="warn, do not fail")
    fit.add_argument("--device", default="cpu", help="pricing oracle: cpu, cuda or auto")
    fit.add_argument("--path", type=int, default=0, metavar="N", help="write path.csv (N betas)")
    fit.add_argument("--cv", type=int, default=0, metavar="K", help="choose beta by K-fold CV")
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
    except (DataError, ValueError, FileNotFoundError, MemoryError, NotCertifiedError) as error:
        log.error("%s", error)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
