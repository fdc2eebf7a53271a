"""Provenance stamped on every result: versions, seed, device, config."""

from __future__ import annotations

import platform
import sys
from datetime import UTC, datetime
from importlib import metadata


def package_version(package: str) -> str | None:
    """The installed version of a distribution, or None when its metadata is missing."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def provenance(
    seed: int | None = None, device: str | None = None, config: dict | None = None
) -> dict:
    """A dict of versions (package, solvers, torch), python, platform, seed, device, config."""
    packages = ["reflasso", "numpy", "scipy", "cvxpy", "clarabel", "torch", "sentence-transformers"]
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "versions": {name: package_version(name) for name in packages},
        "seed": seed,
        "device": device,
        "config": config,
    }
