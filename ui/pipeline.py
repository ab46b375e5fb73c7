"""From the app's parameters to ``planning.scenario.run_plan`` — the one pipeline, not a second.

The app keeps its parameters as plain JSON (so they key the cache); this module turns them into a
:class:`planning.scenario.Scenario` and adds the candidate sites the planner drew on the map.
No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import shape

__all__ = ["drawn_sites", "run_pipeline", "standards_for"]


def standards_for(params: Mapping[str, Any]) -> Any:
    """The bundled standards with the app's overrides (``params["standards"]``) applied."""
    from planning.standards import load_standards

    std = load_standards()
    overrides = {k: v for k, v in dict(params.get("standards", {})).items() if v}
    return std.replace(**overrides) if overrides else std


def drawn_sites(features: Sequence[Mapping[str, Any]], crs: Any) -> gpd.GeoDataFrame:
    """Candidate sites drawn on the map (GeoJSON in WGS84) as a ``sites`` layer in ``crs``.

    Each feature's properties hold ``site_id``, ``kinds`` (list), ``capacity`` and ``cost``.

    Examples
    --------
    >>> f = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [113.8, 34.0]},
    ...      "properties": {"site_id": "U001", "kinds": ["parking"], "cost": 50.0}}
    >>> s = drawn_sites([f], "EPSG:4547")
    >>> s.index.tolist(), s.loc["U001", "kinds"], s.crs.to_epsg()
    (['U001'], 'parking', 4547)
    """
    rows = []
    for f in features:
        p = dict(f.get("properties") or {})
        kinds = p.get("kinds") or []
        rows.append({"site_id": str(p["site_id"]),
                     "kinds": ";".join(kinds) if isinstance(kinds, list) else str(kinds),
                     "name": p.get("name") or str(p["site_id"]),
                     "capacity": float(p["capacity"]) if p.get("capacity") else float("nan"),
                     "cost": float(p["cost"]) if p.get("cost") is not None else float("nan"),
                     "geometry": shape(f["geometry"])})
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326") if rows else \
        gpd.GeoDataFrame({"site_id": [], "kinds": [], "name": [], "capacity": [], "cost": []},
                         geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    return gdf.set_index("site_id").to_crs(crs)


def run_pipeline(layers: Mapping[str, gpd.GeoDataFrame], params: Mapping[str, Any],
                 user_sites: Sequence[Mapping[str, Any]] = (), *,
                 progress: Callable[[str, float], None] | None = None) -> Any:
    """Run ``planning.scenario.run_plan`` on the layers with the app's parameters.

    Parameters
    ----------
    layers
        Input layers by name (``communities`` required).
    params
        ``standards`` (section -> overrides), ``seed``, ``model`` (``mclp``, ``capacitated``,
        ``min_sites``; None: mclp), ``budget_wan``, ``max_sites`` (per kind), ``crs``
        (the analysis CRS; None: the CGCS2000 zone of the data).
    user_sites
        Candidate sites drawn on the map (GeoJSON features, WGS84), added to ``sites``.
    progress
        ``progress(step, fraction)``.

    Returns
    -------
    planning.scenario.Plan
    """
    from planning.scenario import Scenario, SitingParameters, run_plan

    work = {k: v for k, v in layers.items() if v is not None}
    if user_sites:
        crs = work["communities"].crs
        extra = drawn_sites(user_sites, crs)
        base = work.get("sites")
        if base is None or len(base) == 0:
            work["sites"] = extra
        else:
            base = base.to_crs(crs)
            # every column of the drawn sites, so a capacity given on the map is kept where
            # the planner's own layer has none (its sites then take the standards' default)
            keep = [c for c in extra.columns if c != extra.geometry.name]
            clash = sorted(set(extra.index) & set(base.index))
            if clash:
                from geo.errors import ScenarioError

                msg = f"drawn site ids {clash} already exist among the candidate sites"
                raise ScenarioError(msg)
            extra = extra[keep].set_geometry(extra.geometry.rename(base.geometry.name))
            work["sites"] = gpd.GeoDataFrame(pd.concat([base, extra]),
                                             geometry=base.geometry.name, crs=crs)
            work["sites"].index.name = base.index.name or "site_id"
    model = params.get("model") or None
    # the fewest sites choose their own number and cost: a budget or count left in the form
    # from another model is not theirs
    budget = None if model == "min_sites" else params.get("budget_wan")
    max_sites = None if model == "min_sites" else params.get("max_sites")
    siting = SitingParameters(model=model, budget_wan=float(budget) if budget else None,
                              max_sites=int(max_sites) if max_sites else None)
    scenario = Scenario(layers=work, standards=standards_for(params), siting=siting,
                        seed=int(params.get("seed", 0)), crs=params.get("crs") or None)
    return run_plan(scenario, progress=progress)
