"""Start the app (``make app``) with its libraries imported before the first planner connects.

``streamlit run app.py`` imports nothing of the app until a browser opens the page, so the first
planner waits for geopandas, shapely, pyproj, folium and the sample district to load (about two
seconds on a quiet 2-core machine) before the first map. Here a background thread imports them
while the server starts; the script run that follows finds them in ``sys.modules``.

Usage: ``python -m ui.serve [streamlit run options]``, from the repository root.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

__all__ = ["main", "warm_up"]

APP = Path(__file__).resolve().parent.parent / "app.py"


def warm_up() -> None:
    """Import the libraries the first page needs and read the sample district once.

    Nothing that touches Streamlit is imported here: a component (streamlit-folium's map)
    declared before the server's runtime exists is not served, and the map stays blank.
    """
    import folium.plugins  # noqa: F401

    import geo.webmap  # noqa: F401
    from planning.sample import load_sample

    load_sample()


def main(argv: list[str] | None = None) -> None:
    """``streamlit run app.py`` with :func:`warm_up` running alongside the server's start."""
    from streamlit.web import cli

    threading.Thread(target=warm_up, name="pianqu-warm-up", daemon=True).start()
    args = list(sys.argv[1:] if argv is None else argv)
    cli.main(["run", str(APP), *args], prog_name="streamlit")


if __name__ == "__main__":
    main()
