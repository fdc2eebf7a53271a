"""Command line: ``reflasso fit`` and ``reflasso train`` (stable public interface)."""

from __future__ import annotations

import argparse
import logging
import sys

from .io import DataError, load_xy

log = logging.getLogger("reflasso")


def _fit(args) -> None:
    from .lasso import fit_lasso

    X, y = load_xy(args.data)
    fit = fit_lasso(
        X, y, depth=args.depth, beta=args.beta, dictionary=args.dictionary, solver=args.solver
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
    from .training import train_network

    X, y = load_xy(args.data)
    init = None
    if args.init_from:
        from .lasso import LassoFit

        init = LassoFit.load(args.init_from)
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
    fit.add_argument("--beta", type=float, required=True, help="regularisation strength > 0")
    fit.add_argument("--dictionary", default="exact", help="exact, closed-form or sampled")
    fit.add_argument("--solver", default="auto", help="auto, clarabel or fast")
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
    train.add_argument("--out", required=True, help="output folder")
    train.set_defaults(run=_train)
    return parser


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
