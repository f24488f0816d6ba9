"""The source checkout's dev-only folders (benchmarks/, corpus/): not part of an installed wheel."""

from __future__ import annotations

from pathlib import Path

from hotseat.errors import ConfigError

# In a checkout (editable install) this is the repository root; in an installed wheel, site-packages.
CHECKOUT = Path(__file__).resolve().parents[2]


def checkout_folder(name: str) -> Path:
    """`name` at the top of the source checkout; ConfigError when Hotseat runs from an installed wheel."""
    folder = CHECKOUT / name
    if not ((CHECKOUT / "pyproject.toml").is_file() and folder.is_dir()):
        raise ConfigError(
            f"{name}/ belongs to Hotseat's source checkout and is not installed with the package"
            f" (looked for {folder}).",
            hint="Run this from a clone of the repository, with its editable install (`make install`).",
        )
    return folder
