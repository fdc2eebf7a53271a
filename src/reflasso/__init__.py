"""reflasso: deep absolute-value networks as convex Lasso problems (arXiv 2410.04279)."""

__version__ = "0.1.0"

# The public interface is imported lazily so that ``import reflasso`` stays light: no
# torch, cvxpy, sentence-transformers or matplotlib until a name that needs them is used
# (tests/test_imports.py checks this).
_LAZY = {
    "ReflectionNetwork": "network",
    "training_objective": "network",
    "fit_lasso": "lasso",
    "LassoFit": "lasso",
    "beta_max": "lasso",
    "NotCertifiedError": "lasso",
    "lasso_path": "path",
    "cross_validate_beta": "path",
    "CVResult": "path",
    "price": "pricing",
    "build_dictionary": "dictionary",
    "Dictionary": "dictionary",
    "train_network": "training",
    "TrainingConfig": "training_config",
    "embed_texts": "embeddings",
    "load_dataset": "datasets",
}
__all__ = list(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'reflasso' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_LAZY])
