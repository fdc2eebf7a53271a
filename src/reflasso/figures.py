"""Figures of the reproduction (docs/method.md §4), one function per figure.

Every function takes the tables written by the workflow's analysis rules (pandas
DataFrames) and returns a matplotlib Figure; nothing here fits anything, so restyling a
figure never reruns a fit.  ``save_figure`` writes PDF and PNG atomically.

The module leaves matplotlib's backend alone (a notebook keeps its own); the workflow's
figure rules select the file-only Agg backend themselves.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from .io import write_atomic

DATA_STYLE = {"color": "black", "s": 28, "zorder": 5, "label": "data points"}
REFLECTION_STYLE = {"marker": "^", "color": "tab:orange", "s": 30, "zorder": 4}
SECOND_ORDER_STYLE = {"marker": "v", "color": "tab:purple", "s": 18, "zorder": 4}
KINK_STYLE = {"color": "tab:red", "alpha": 0.5, "linewidth": 0.8, "linestyle": ":"}


def _theme() -> None:
    sns.set_theme(style="whitegrid", context="paper", font_scale=0.9)


def save_figure(figure: plt.Figure, pdf_path, png_path, dpi: int = 150) -> None:
    """Write the figure as PDF and PNG, each through a temporary file and a rename."""
    for path, fmt in ((pdf_path, "pdf"), (png_path, "png")):
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, dpi=dpi, bbox_inches="tight")
        data = buffer.getvalue()
        write_atomic(Path(path), lambda handle, data=data: handle.write(data))
    plt.close(figure)


def _panels(rows: int, cols: int, width: float = 3.2, height: float = 2.4, **kwargs):
    figure, axes = plt.subplots(
        rows, cols, figsize=(width * cols, height * rows), squeeze=False, **kwargs
    )
    return figure, axes


def _mark_reflections(ax, points: pd.DataFrame, xlim, baseline: float) -> None:
    """Reflection points 2x_j - x_k (order 1, and order 2 if given) on the x axis."""
    shown = points[(points["location"] >= xlim[0]) & (points["location"] <= xlim[1])]
    first = shown[shown["order"] == 1]["location"]
    second = shown[shown["order"] == 2]["location"]
    ax.scatter(
        first, np.full(len(first), baseline), label="reflections 2x_j - x_k", **REFLECTION_STYLE
    )
    if len(second):
        ax.scatter(
            second,
            np.full(len(second), baseline),
            label="reflections of order 2",
            **SECOND_ORDER_STYLE,
        )


def _legend_once(figure: plt.Figure, axes) -> None:
    """One legend for the whole figure, from the first panel that has labelled artists."""
    handles, labels = {}, []
    for ax in np.ravel(axes):
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in handles:
                handles[label] = handle
                labels.append(label)
    figure.legend(
        [handles[label] for label in labels],
        labels,
        loc="lower center",
        ncol=min(len(labels), 5),
        bbox_to_anchor=(0.5, -0.02),
        frameon=False,
    )
    figure.tight_layout(rect=(0, 0.06, 1, 1))


def _plot_seed_runs(ax, runs: pd.DataFrame) -> None:
    """One line per seed of trained-network predictions along x1, labelled once."""
    for k, (_, run) in enumerate(runs.groupby("seed")):
        label = "trained network (one per seed)" if k == 0 else None
        ax.plot(run["x1"], run["prediction"], linewidth=1.0, alpha=0.8, label=label)


def toy1d_figure(curves, features, data, points, beta: float | None = None) -> plt.Figure:
    """toy-1d: active features z_j g_j and the Lasso prediction, per data set and depth.

    curves: dataset, depth, beta, x1, prediction; features: the same with feature and
    value; data: dataset, x1, y; points: dataset, location, order (reflections).
    """
    _theme()
    beta = curves["beta"].max() if beta is None else beta  # the sparsest, most readable fits
    curves, features = curves[curves["beta"] == beta], features[features["beta"] == beta]
    datasets, depths = sorted(curves["dataset"].unique()), sorted(curves["depth"].unique())
    figure, axes = _panels(len(datasets), len(depths), sharex="row")
    for r, dataset in enumerate(datasets):
        pts = data[data["dataset"] == dataset]
        for c, depth in enumerate(depths):
            ax = axes[r, c]
            fit = curves[(curves["dataset"] == dataset) & (curves["depth"] == depth)]
            feats = features[(features["dataset"] == dataset) & (features["depth"] == depth)]
            for k, (_, feature) in enumerate(feats.groupby("feature")):
                ax.plot(
                    feature["x1"],
                    feature["value"],
                    linewidth=0.9,
                    alpha=0.8,
                    color=sns.color_palette("muted")[k % 10],
                    label="active features z_j g_j" if k == 0 else None,
                )
            ax.plot(
                fit["x1"], fit["prediction"], color="black", linewidth=1.6, label="Lasso prediction"
            )
            ax.scatter(pts["x1"], pts["y"], **DATA_STYLE)
            low = min(fit["prediction"].min(), pts["y"].min())
            _mark_reflections(
                ax, points[points["dataset"] == dataset], (fit["x1"].min(), fit["x1"].max()), low
            )
            ax.set_title(f"{dataset}, L = {depth}")
            ax.set_xlabel("x")
            ax.set_ylabel("f(x)")
    figure.suptitle(f"toy-1d: Lasso features of deep |.| networks (beta = {beta:g})", y=1.0)
    _legend_once(figure, axes)
    return figure


def simulated_figure(curves, lasso_curves, data, kinks) -> plt.Figure:
    """simulated: standard networks on (t, 0) in R^2 along the first coordinate, with the
    Lasso solution and the detected kinks coloured by their match (data / reflection)."""
    _theme()
    datasets, inits = sorted(curves["dataset"].unique()), sorted(curves["init"].unique())
    figure, axes = _panels(len(datasets), len(inits), width=3.8, sharex="row")
    for r, dataset in enumerate(datasets):
        pts = data[data["dataset"] == dataset]
        lasso = lasso_curves[lasso_curves["dataset"] == dataset]
        for c, init in enumerate(inits):
            ax = axes[r, c]
            runs = curves[(curves["dataset"] == dataset) & (curves["init"] == init)]
            _plot_seed_runs(ax, runs)
            ax.plot(
                lasso["x1"],
                lasso["prediction"],
                color="black",
                linestyle="--",
                linewidth=1.2,
                label="Lasso optimum",
            )
            ax.scatter(pts["x1"], pts["y"], **DATA_STYLE)
            found = kinks[(kinks["dataset"] == dataset) & (kinks["init"] == init)]
            for kind, colour in (("data", "tab:green"), ("reflection", "tab:orange")):
                hits = found[(found["kind"] == kind) & found["order"].notna()]["location"]
                ax.scatter(
                    hits,
                    np.full(len(hits), pts["y"].min()),
                    marker="|",
                    s=120,
                    color=colour,
                    label=f"kink at a {kind} point",
                )
            other = found[found["order"].isna()]["location"]
            ax.scatter(
                other,
                np.full(len(other), pts["y"].min()),
                marker="|",
                s=120,
                color="tab:gray",
                label="kink elsewhere",
            )
            ax.set_title(f"{dataset}, init = {init}")
            ax.set_xlabel("first coordinate t (second = 0)")
            ax.set_ylabel("f(t, 0)")
    figure.suptitle("simulated: depth-3 standard networks (width 100) after Adam", y=1.0)
    _legend_once(figure, axes)
    return figure


def planes2d_figure(grids, lines, data, angles) -> plt.Figure:
    """planes-2d: heat maps of the Lasso fit with active hyperplanes (solid) and
    reflection planes (dashed); last column: angles of trained weights to the normals."""
    _theme()
    datasets, depths = sorted(grids["dataset"].unique()), sorted(grids["depth"].unique())
    figure, axes = _panels(len(datasets), len(depths) + 1, width=3.3, height=3.0)
    for r, dataset in enumerate(datasets):
        pts = data[data["dataset"] == dataset]
        for c, depth in enumerate(depths):
            ax = axes[r, c]
            grid = grids[(grids["dataset"] == dataset) & (grids["depth"] == depth)]
            table = grid.pivot_table(index="x2", columns="x1", values="prediction")
            limit = float(np.abs(table.to_numpy()).max()) or 1.0
            mesh = ax.pcolormesh(
                table.columns,
                table.index,
                table.to_numpy(),
                cmap="RdBu_r",
                vmin=-limit,
                vmax=limit,
                shading="auto",
            )
            figure.colorbar(mesh, ax=ax, label="f(x)")
            active = lines[(lines["dataset"] == dataset) & (lines["depth"] == depth)]
            _draw_lines(ax, active, table.columns, table.index)
            ax.scatter(
                pts["x1"],
                pts["x2"],
                c=pts["y"],
                cmap="RdBu_r",
                vmin=-1,
                vmax=1,
                edgecolor="black",
                s=30,
                zorder=5,
            )
            ax.set_title(f"{dataset}, L = {depth}")
            ax.set_xlabel("x1")
            ax.set_ylabel("x2")
        ax = axes[r, -1]
        mine = angles[angles["dataset"] == dataset]
        if len(mine):
            sns.histplot(
                data=mine,
                x="angle_deg",
                hue="depth",
                ax=ax,
                bins=20,
                binrange=(0, max(10.0, mine["angle_deg"].max())),
                element="step",
            )
        ax.set_xlabel("angle to nearest dictionary normal (degrees)")
        ax.set_ylabel("trained units")
        ax.set_title(f"{dataset}: trained first-layer weights")
    figure.suptitle("planes-2d: Lasso fits, data-spanned and reflection planes", y=1.0)
    handles = [
        plt.Line2D([], [], color="black", label="hyperplane through data (level 1)"),
        plt.Line2D([], [], color="black", linestyle="--", label="reflection plane (level >= 2)"),
        plt.Line2D([], [], marker="o", color="gray", linestyle="", label="data points"),
    ]
    figure.legend(handles=handles, loc="lower center", ncol=3, frameon=False)
    figure.tight_layout(rect=(0, 0.05, 1, 1))
    return figure


def _draw_lines(ax, lines: pd.DataFrame, xs, ys) -> None:
    """Draw {x : w1 x1 + w2 x2 = rhs} inside the plotted window."""
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    for row in lines.itertuples():
        style = "-" if row.level == 1 else "--"
        if abs(row.w2) > abs(row.w1):
            ax.plot(
                xs, (row.rhs - row.w1 * xs) / row.w2, color="black", linestyle=style, linewidth=0.8
            )
        else:
            ax.plot(
                (row.rhs - row.w2 * ys) / row.w1, ys, color="black", linestyle=style, linewidth=0.8
            )
    ax.set_xlim(xs.min(), xs.max())
    ax.set_ylim(ys.min(), ys.max())


def depth_symmetry_figure(curves, data, symmetry) -> plt.Figure:
    """depth-symmetry: fits per depth (columns) and width (rows), seeds overlaid, and the
    symmetry score against depth: the exact Lasso optimum with the 5-95 % band of its
    moved-kink null, trained networks that fit (filled) or not (hollow)."""
    _theme()
    widths, depths = sorted(curves["width"].unique()), sorted(curves["depth"].unique())
    figure, axes = _panels(len(widths), len(depths) + 1, width=2.6, height=2.2)
    lasso = symmetry[symmetry["source"] == "lasso"].groupby("depth").mean(numeric_only=True)
    trained = symmetry[symmetry["source"] == "trained"]
    for r, width in enumerate(widths):
        for c, depth in enumerate(depths):
            ax = axes[r, c]
            runs = curves[(curves["width"] == width) & (curves["depth"] == depth)]
            _plot_seed_runs(ax, runs)
            pts = data[data["dataset"].isin(runs["dataset"].unique())]
            ax.scatter(pts["x1"], pts["y"], **DATA_STYLE)
            ax.set_title(f"width {width}, L = {depth}")
            ax.set_xlabel("x")
            ax.set_ylabel("f(x)")
        ax = axes[r, -1]
        if len(lasso):
            ax.fill_between(
                lasso.index,
                lasso["null_q05"],
                lasso["null_q95"],
                color="tab:gray",
                alpha=0.3,
                label="null: kinks moved (5-95 %)",
            )
            ax.plot(lasso.index, lasso["symmetry"], "o-", color="black", label="Lasso optimum")
        mine = trained[trained["width"] == width]
        fits = mine["fits"].astype(bool)
        ax.scatter(
            mine[fits]["depth"],
            mine[fits]["symmetry"],
            color="tab:blue",
            s=18,
            label="trained, fits the data",
        )
        ax.scatter(
            mine[~fits]["depth"],
            mine[~fits]["symmetry"],
            facecolors="none",
            edgecolors="tab:blue",
            s=18,
            label="trained, does not fit",
        )
        ax.set_ylim(0, 1.02)
        ax.set_xticks(sorted(set(depths) | set(lasso.index)))
        ax.set_xlabel("depth L")
        ax.set_ylabel("symmetry score")
        ax.set_title(f"width {width}: {int(fits.sum())}/{len(mine)} fit")
    figure.suptitle("depth-symmetry: fits, and symmetry score against its null", y=1.0)
    _legend_once(figure, axes)
    return figure


REFERENCE_TITLES = {"active": "active Lasso normals", "planes": "level-1 data planes"}


def orthogonality_figure(angles) -> plt.Figure:
    """orthogonality: histograms of the angles to the nearest active Lasso normal (top)
    and level-1 data plane (bottom), per depth: trained, shuffled-label networks, random
    directions with the trained sparsity (the null) and uniform ones, on a log axis."""
    _theme()
    depths = sorted(angles["depth"].unique())
    references = ["active", "planes"]
    figure, axes = _panels(len(references), len(depths), width=3.4, height=2.6)
    styles = {
        "trained": ("tab:blue", "trained directions"),
        "shuffled": ("tab:orange", "shuffled-label directions"),
        "null:trained": ("tab:green", "random, with the trained sparsity (null)"),
        "random": ("tab:gray", "uniform random directions"),
    }
    bins = np.logspace(-3, np.log10(90), 31)
    for r, reference in enumerate(references):
        for c, depth in enumerate(depths):
            ax = axes[r, c]
            for source, (colour, label) in styles.items():
                mine = angles[
                    (angles["depth"] == depth)
                    & (angles["reference"] == reference)
                    & (angles["source"] == source)
                ]["angle_deg"]
                if len(mine):
                    ax.hist(
                        np.clip(mine, bins[0], None),
                        bins=bins,
                        weights=np.full(len(mine), 1 / len(mine)),
                        histtype="step",
                        color=colour,
                        linewidth=1.2,
                        label=label,
                    )
            ax.set_xscale("log")
            ax.set_xlabel("angle to the nearest normal (degrees)")
            ax.set_ylabel("share of directions")
            ax.set_title(f"L = {depth}: {REFERENCE_TITLES[reference]}")
    figure.suptitle("orthogonality: trained first-layer directions against random ones", y=1.0)
    _legend_once(figure, axes)
    return figure


CLASS_COLOURS = {-1: "tab:blue", 1: "tab:red"}
KINK_MARKERS = {  # kind -> (marker, colour, legend text)
    "text": ("|", "tab:green", "kink at a text"),
    "reflection": ("^", "tab:orange", "kink at a reflection 2x_j - x_k"),
    "midpoint": ("v", "tab:purple", "kink at a midpoint (x_j + x_k) / 2"),
    "other": ("x", "tab:gray", "kink elsewhere"),
}


def llm_figure(curves, data, kinks, labels) -> plt.Figure:
    """llm-embeddings: one panel per (reduction, depth) along one reduced dimension: the
    training texts as a jittered class-coloured strip, the Lasso fit and one trained
    network, the Lasso's kinks by kind, and the texts nearest the largest kinks.

    curves: reduction, depth, model, x1, prediction; data: reduction, x1, y, text;
    kinks: reduction, depth, split, n_train, position, kind (the panels show the first
    split at the largest n_train, as the curves); labels: reduction, depth, position, texts.
    """
    _theme()
    kinks = kinks[
        (kinks["split"] == kinks["split"].min()) & (kinks["n_train"] == kinks["n_train"].max())
    ]
    reductions, depths = sorted(curves["reduction"].unique()), sorted(curves["depth"].unique())
    figure, axes = _panels(len(reductions), len(depths), width=4.2, height=3.4, sharey=True)
    rng = np.random.default_rng(0)  # the jitter only spreads the strip; it is not data
    for r, reduction in enumerate(reductions):
        texts = data[data["reduction"] == reduction]
        jitter = rng.uniform(-0.15, 0.15, len(texts))
        alpha = 0.25 if len(texts) > 300 else 0.7  # thousands of texts overlap
        for c, depth in enumerate(depths):
            ax = axes[r, c]
            for label, colour in CLASS_COLOURS.items():
                mine = texts["y"].to_numpy() == label
                ax.scatter(
                    texts["x1"][mine],
                    texts["y"][mine] + jitter[mine],
                    s=4,
                    alpha=alpha,
                    color=colour,
                    linewidths=0,
                    label=f"training texts, label {label:+d}",
                )
            panel = curves[(curves["reduction"] == reduction) & (curves["depth"] == depth)]
            for model, fit in panel.groupby("model", sort=True):
                lasso = model.startswith("Lasso")
                ax.plot(
                    fit["x1"],
                    fit["prediction"],
                    color="black" if lasso else "tab:green",
                    linestyle="-" if lasso else "--",
                    linewidth=1.5 if lasso else 1.1,
                    label="exact Lasso (CV beta)" if lasso else "trained network",
                )
            _mark_kinds(ax, kinks[(kinks["reduction"] == reduction) & (kinks["depth"] == depth)])
            words = labels[(labels["reduction"] == reduction) & (labels["depth"] == depth)]
            inside = words["position"].between(texts["x1"].min(), texts["x1"].max())
            words = words[inside]  # kinks beyond the texts would write outside the panel
            for row in words.itertuples():
                ax.annotate(
                    row.texts,
                    (row.position, -1.55),
                    xytext=(0, 6),
                    textcoords="offset points",
                    rotation=90,
                    fontsize=6,
                    ha="center",
                    va="bottom",
                )
            ax.set_ylim(-1.9, 1.9)
            ax.set_xlim(texts["x1"].min(), texts["x1"].max())
            ax.set_title(f"{reduction.upper()} 1-D, L = {depth}")
            ax.set_xlabel(f"reduced embedding ({reduction} direction 1)")
            ax.set_ylabel("f(x); label +1 / -1")
    figure.suptitle(
        "llm-embeddings: exact Lasso and a trained network along one reduced dimension",
        y=1.0,
    )
    _legend_once(figure, axes)
    return figure


def _mark_kinds(ax, kinks: pd.DataFrame) -> None:
    """Kink positions on a row near the bottom of the panel, one marker per kind."""
    for kind, (marker, colour, text) in KINK_MARKERS.items():
        where = kinks[kinks["kind"] == kind]["position"].drop_duplicates()
        if len(where):
            ax.scatter(
                where,
                np.full(len(where), -1.7),
                marker=marker,
                s=30,
                color=colour,
                zorder=6,
                label=text,
            )


def llm_learning_curve_figure(runs) -> plt.Figure:
    """Test accuracy against the training size (left; mean and sd over splits) for the
    reduction with several sizes, and every model at the full size (right), with the
    logistic regression on the full embedding as the ceiling.

    runs: reduction, dim, n_train, split, model, test, n_fit (one row per fit).
    """
    _theme()
    runs = runs.assign(setting=runs["reduction"].str.upper() + " " + runs["dim"].astype(str) + "-D")
    sizes = runs.groupby("setting")["n_train"].nunique()
    curve_setting = sizes.idxmax()
    figure, axes = _panels(1, 2, width=5.2, height=4.0)
    ax = axes[0, 0]
    curve = runs[runs["setting"] == curve_setting]
    repeated = curve.groupby("model")["n_train"].nunique() > 1  # models on the curve
    curve = curve[curve["model"].isin(repeated[repeated].index)]
    stats = curve.groupby(["model", "n_train"]).agg(
        mean=("test", "mean"), sd=("test", "std"), n_fit=("n_fit", "max")
    )
    for model in _model_order(curve["model"]):
        rows = stats.loc[model].reset_index()
        line = ax.errorbar(
            rows["n_train"],
            rows["mean"],
            yerr=rows["sd"].fillna(0),
            marker="o",
            markersize=4,
            capsize=2,
            linewidth=1.1,
            label=model,
        )
        _mark_subsampled(ax, rows.assign(x=rows["n_train"], y=rows["mean"]), line[0].get_color())
    ax.set_xscale("log")
    sizes = sorted(curve["n_train"].unique())
    ax.set_xticks(sizes, [str(n) for n in sizes])
    ax.minorticks_off()
    ax.set_xlabel("training texts n (balanced)")
    ax.set_ylabel("test accuracy (mean +- sd over splits)")
    ax.set_title(f"learning curve, {curve_setting}")
    ax.legend(fontsize=6, loc="lower right")
    ax = axes[0, 1]
    full = runs[runs["n_train"] == runs["n_train"].max()]
    models = _model_order(full["model"])
    settings = sorted(full["setting"].unique())
    offsets = np.linspace(-0.25, 0.25, len(settings)) if len(settings) > 1 else [0.0]
    for offset, setting in zip(offsets, settings, strict=True):
        stats = (
            full[full["setting"] == setting]
            .groupby("model")
            .agg(
                mean=("test", "mean"),
                sd=("test", "std"),
                n_fit=("n_fit", "max"),
                n_train=("n_train", "max"),
            )
        )
        stats = stats.loc[[m for m in models if m in stats.index]]
        stats["position"] = [models.index(m) + offset for m in stats.index]
        dots = ax.errorbar(
            stats["mean"],
            stats["position"],
            xerr=stats["sd"].fillna(0),
            fmt="o",
            markersize=4,
            capsize=2,
            label=setting,
        )
        _mark_subsampled(
            ax, stats.rename(columns={"mean": "x", "position": "y"}), dots[0].get_color()
        )
    ax.set_yticks(range(len(models)), models, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("test accuracy (mean +- sd over splits)")
    ax.set_ylabel("model")
    ax.set_title(f"every model at n = {int(full['n_train'].max())}")
    ax.legend(title="reduction", fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    figure.suptitle("llm-embeddings: accuracy on held-out texts", y=1.0)
    figure.tight_layout()
    return figure


def _mark_subsampled(ax, rows: pd.DataFrame, colour) -> None:
    """Open circle and "fit on n" where a model saw fewer texts (n_fit) than n_train."""
    sub = rows[rows["n_fit"] < rows["n_train"]]
    if sub.empty:
        return
    ax.scatter(sub["x"], sub["y"], s=80, facecolors="none", edgecolors=colour, zorder=6)
    for row in sub.itertuples():
        ax.annotate(
            f"fit on {int(row.n_fit)}",
            (row.x, row.y),
            fontsize=6,
            xytext=(5, -9),
            textcoords="offset points",
        )


def _model_order(models) -> list[str]:
    from .llm import model_order

    return model_order(models)


def optimality_figure(optimality, lasso) -> plt.Figure:
    """optimality: trained objective against the Lasso optimum (the line y = x is the
    lower bound) and the certificates of every Lasso fit (<= 1: globally optimal)."""
    _theme()
    figure, axes = _panels(1, 2, width=4.4, height=3.6)
    ax = axes[0, 0]
    shown = optimality[optimality["lasso_objective"].notna()]
    sns.scatterplot(
        data=shown,
        x="lasso_objective",
        y="trained_objective",
        hue="experiment",
        style="init",
        ax=ax,
        s=30,
    )
    low = min(shown["lasso_objective"].min(), shown["trained_objective"].min())
    high = max(shown["lasso_objective"].max(), shown["trained_objective"].max())
    ax.plot([low, high], [low, high], color="black", linewidth=0.8, label="trained = Lasso")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("Lasso optimum")
    ax.set_ylabel("trained objective J")
    ax.set_title("trained objective vs Lasso optimum (diagonal: the lower bound)")
    ax.legend(fontsize=6)
    ax = axes[0, 1]
    certificates = lasso.melt(
        id_vars=["dataset", "depth"],
        value_vars=["kkt_max", "random_max"],
        var_name="check",
        value_name="value",
    )
    sns.stripplot(data=certificates, x="depth", y="value", hue="check", dodge=True, ax=ax)
    ax.axhline(1.0, color="black", linewidth=0.8, linestyle="--", label="bound 1")
    ax.set_xlabel("depth L")
    ax.set_ylabel("max |A_j . lambda| / beta")
    ax.set_title("certificates of global optimality")
    ax.legend(fontsize=7)
    figure.suptitle("optimality: every fit against its Lasso optimum", y=1.0)
    figure.tight_layout()
    return figure


FIGURES = {
    "toy1d": toy1d_figure,
    "simulated": simulated_figure,
    "planes2d": planes2d_figure,
    "orthogonality": orthogonality_figure,
    "depth_symmetry": depth_symmetry_figure,
    "llm_embeddings": llm_figure,
    "llm_learning_curve": llm_learning_curve_figure,
    "optimality": optimality_figure,
}
