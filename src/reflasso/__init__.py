"""reflasso: deep absolute-value networks as convex Lasso problems (arXiv 2410.04279)."""

from .network import ReflectionNetwork, training_objective

__all__ = ["ReflectionNetwork", "training_objective"]
__version__ = "0.1.0"

# The rest of the public interface is imported lazily so that ``import reflasso`` stays
# light (no cvxpy, sentence-transformers or matplotlib until they are used).
_LAZY = {
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
    "embed_texts": "embeddings",
    "load_dataset": "datasets",
}
__all__ += list(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'reflasso' has no attribute {name!r}")
