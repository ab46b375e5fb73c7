"""Facility-siting models on plain arrays: which candidate sites to open, and whom they serve.

Everything here works on a sparse *reach* matrix (rows: demand points, i.e. compounds; columns:
candidate sites; a stored entry means the site is within the kind's walking threshold of the
compound, its value the walking distance in metres), a demand vector, and per-site costs and
capacities. :mod:`planning.siting` builds these from layers (walking distances from the coverage
engine, the zone rule, the kinds) and turns the results back into layers.

The models, in planner terms
----------------------------
:class:`MaximalCoverage` (``capacitated=False``) — *maximal covering* (MCLP, Church & ReVelle
1974): open at most ``max_sites`` sites (per kind) and/or spend at most ``budget``; a compound
counts as served when at least one open site is within its walking threshold; maximise the demand
served. ::

    max  Σ_i w_i d_i z_i
    s.t. z_i ≤ Σ_{j reaches i} y_j,  0 ≤ z_i ≤ 1          (served only if a site is in reach)
         Σ_{j in group g} y_j ≤ p_g,  Σ_j c_j y_j ≤ B,  y_j ∈ {0, 1}

:class:`MaximalCoverage` (``capacitated=True``) — *capacitated coverage*: each open site serves
at most its capacity (chargers, spaces, m²), split across the compounds within reach; a compound
may be served by several sites; maximise the demand actually served. ::

    max  Σ_(i,j) w_i x_ij          over pairs (i, j) with j within reach of i
    s.t. Σ_j x_ij ≤ d_i,  Σ_i x_ij ≤ cap_j y_j,  x_ij ≤ d_i y_j,  x_ij ≥ 0
         plus the same count and budget limits

:class:`MinimumSites` — *fewest sites* (LSCP, Toregas et al. 1971): the cheapest set of sites
(by cost, or by count) that serves all the demand that can be served at all. Uncapacitated,
that is every compound with a site in reach; capacitated, first the most demand that all sites
together could serve (an LP), then the cheapest set that still serves that much.

The zone rule (a zone's facilities serve its own compounds) is a property of the reach matrix:
:mod:`planning.siting` drops every pair whose compound and site lie in different zones.

Solving
-------
Exact models go to HiGHS (through highspy, which takes a starting solution) with a time limit
and a relative gap; the result reports ``status_``, ``objective_``, ``bound_`` (the best proven
bound) and ``gap_``. The uncapacitated model is first reduced exactly
(:mod:`planning.siting_reduction`: dominated sites and worthless compounds dropped, compounds
with the same reach set merged); its LP bound and MILP are solved on the reduced model and the
plan mapped back. :class:`MaximalCoverage` also has a heuristic, greedy then 1-swap local search
(capacitated: greedy on residual demand, then an exact allocation LP for the chosen sites), whose
gap is measured against the LP relaxation. ``method="auto"`` runs the heuristic and the LP
relaxation first; when that already proves the plan within ``mip_rel_gap`` it stops (coverage
LPs are often nearly integral), otherwise the MILP, started from the heuristic's plan, gets the
rest of the time limit, and the better plan is kept with the tighter bound.
:class:`MinimumSites` starts HiGHS from a plan that already serves everything (greedy set cover
or LP rounding; capacitated, also greedy and the cheapest cover with sites added, each with
every site whose flow fits into other open sites closed or swapped for a cheaper one), so a
solve that the time limit cuts off returns at least that plan, with its gap to the best bound
(the LP relaxation, or the cheapest cover when everything in reach is servable).

Examples
--------
Three compounds (demand 5, 3, 4) and two sites; site 0 reaches compounds 0 and 1, site 1
reaches compounds 1 and 2. With one site, site 0 serves 8:

>>> import numpy as np
>>> from scipy.sparse import csr_array
>>> reach = csr_array(np.array([[100.0, 0], [250, 80], [0, 40]]))
>>> m = MaximalCoverage(max_sites=1).solve(reach, np.array([5.0, 3, 4]))
>>> m.selected_.tolist(), m.objective_, m.status_
([True, False], 8.0, 'optimal')
>>> m.served_.tolist()
[5.0, 3.0, 0.0]
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Literal

import highspy
import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import linprog

from geo.errors import ScenarioError
from planning.siting_heuristics import (
    TOL,
    drop_by_reroute,
    greedy_capacitated,
    greedy_cover,
    greedy_swap,
    lp_rounding,
    perturbation_search,
)
from planning.siting_reduction import CoverageReduction, reduce_coverage

__all__ = [
    "MaximalCoverage",
    "Method",
    "MinimumSites",
    "reach_from_distances",
]

Method = Literal["auto", "milp", "heuristic"]

_STATUS = {0: "optimal", 1: "time_limit", 2: "infeasible", 3: "unbounded", 4: "error"}
_HIGHS_STATUS = {"Optimal": "optimal", "Time limit reached": "time_limit",
                 "Infeasible": "infeasible", "Unbounded": "unbounded",
                 "Primal infeasible or unbounded": "infeasible"}


def reach_from_distances(distances: sp.sparray | sp.spmatrix, threshold_m: float) -> sp.csr_array:
    """Keep the stored pairs no further than ``threshold_m`` (stored zeros count as in reach).

    >>> import numpy as np
    >>> d = sp.csr_array((np.array([0.0, 300, 900]), np.array([0, 1, 1]), np.array([0, 2, 3])),
    ...                  shape=(2, 2))
    >>> reach_from_distances(d, 500).toarray().tolist()
    [[0.0, 300.0], [0.0, 0.0]]
    >>> reach_from_distances(d, 500).nnz
    2
    """
    d = sp.csr_array(distances)
    d.sort_indices()
    keep = d.data <= threshold_m
    rows = np.repeat(np.arange(d.shape[0]), np.diff(d.indptr))[keep]
    return sp.csr_array((d.data[keep], (rows, d.indices[keep])), shape=d.shape)


@dataclass
class _Instance:
    """The validated arrays of one solve."""

    pattern: sp.csr_array  # n x m, ones where a site reaches a compound
    distance: sp.csr_array  # same structure, metres
    demand: NDArray[np.float64]
    weight: NDArray[np.float64]
    cost: NDArray[np.float64]
    capacity: NDArray[np.float64]
    group: NDArray[np.int64]
    limit: NDArray[np.float64]  # per group, inf when none
    budget: float

    @property
    def n(self) -> int:
        return int(self.pattern.shape[0])

    @property
    def m(self) -> int:
        return int(self.pattern.shape[1])


@dataclass
class _Raw:
    """One solver outcome, in maximisation terms unless ``minimise``."""

    y: NDArray[np.bool_]
    allocation: sp.csr_array
    value: float
    bound: float
    status: str
    method: str


class _SitingSolver:
    """Shared parameters, validation and result attributes of the siting models."""

    def __init__(self, *, max_sites: int | ArrayLike | None = None, budget: float | None = None,
                 capacitated: bool = False, time_limit_s: float = 30.0,
                 mip_rel_gap: float = 1e-4, method: Method = "auto", iterations: int = 300,
                 seed: int = 0) -> None:
        self.iterations = iterations
        self.seed = seed
        self.max_sites = max_sites
        self.budget = budget
        self.capacitated = capacitated
        self.time_limit_s = time_limit_s
        self.mip_rel_gap = mip_rel_gap
        self.method = method

    # results, filled by solve()
    selected_: NDArray[np.bool_]
    allocation_: sp.csr_array
    served_: NDArray[np.float64]
    site_served_: NDArray[np.float64]
    objective_: float
    bound_: float
    gap_: float
    status_: str
    method_: str
    seconds_: float

    def _instance(self, reach: sp.sparray | sp.spmatrix, demand: ArrayLike, *,
                  cost: ArrayLike | None, capacity: ArrayLike | None, weight: ArrayLike | None,
                  group: ArrayLike | None) -> _Instance:
        problems: list[str] = []
        dist = sp.csr_array(reach, dtype=float)
        dist.sort_indices()
        n, m = dist.shape
        pattern = sp.csr_array((np.ones(dist.nnz), dist.indices, dist.indptr), shape=(n, m))
        d = _vector(demand, n, "demand", problems, default=None)
        w = _vector(weight, n, "weight", problems, default=1.0)
        c = _vector(cost, m, "cost", problems, default=0.0)
        cap = _vector(capacity, m, "capacity", problems, default=np.inf)
        g = (np.zeros(m, dtype=np.int64) if group is None
             else np.asarray(group, dtype=np.int64).reshape(-1))
        if g.shape != (m,) or (m and g.min() < 0):
            problems.append(f"group must hold {m} labels >= 0")
            g = np.zeros(m, dtype=np.int64)
        n_groups = int(g.max()) + 1 if m else 1
        if self.max_sites is None:
            limit = np.full(n_groups, np.inf)
        else:
            lim = np.asarray(self.max_sites, dtype=float).reshape(-1)
            limit = np.full(n_groups, lim[0]) if lim.size == 1 else lim
            if limit.shape != (n_groups,) or (limit < 0).any():
                problems.append("max_sites must be >= 0, one value or one per group")
                limit = np.full(n_groups, np.inf)
        budget = np.inf if self.budget is None else float(self.budget)
        if budget < 0 or np.isnan(budget):
            problems.append("budget must be >= 0")
        if self.capacitated and not np.isfinite(cap).all():
            problems.append("capacitated models need a finite capacity for every site")
        if self.time_limit_s <= 0:
            problems.append("time_limit_s must be > 0")
        if problems:
            msg = "siting: " + "; ".join(problems)
            raise ScenarioError(msg)
        return _Instance(pattern, dist, d, w, c, cap, g, limit, budget)

    def _finish(self, inst: _Instance, raw: _Raw, started: float) -> None:
        self.selected_ = raw.y
        self.allocation_ = raw.allocation
        self.served_ = np.asarray(raw.allocation.sum(axis=1)).reshape(-1) if inst.m else \
            np.zeros(inst.n)
        self.site_served_ = np.asarray(raw.allocation.sum(axis=0)).reshape(-1) if inst.n else \
            np.zeros(inst.m)
        self.objective_ = float(raw.value)
        self.bound_ = float(raw.bound)
        self.status_ = raw.status
        self.method_ = raw.method
        self.gap_ = _gap(raw.value, raw.bound, minimise=isinstance(self, MinimumSites))
        self.seconds_ = time.perf_counter() - started


class MaximalCoverage(_SitingSolver):
    """Open at most ``max_sites`` sites (per group) within ``budget`` to serve the most demand.

    Parameters
    ----------
    max_sites
        Sites to open at most: one number for every group, or one per group label.
    budget
        Total cost limit (same unit as ``cost``, 万元 in Pianqu); None for no limit.
    capacitated
        False: a compound is served whole when any open site is in reach (MCLP). True: each
        open site serves at most its capacity, shared among the compounds in reach.
    time_limit_s
        Wall-clock limit of the whole solve (the LP relaxation of ``auto`` and ``heuristic``
        runs to the end; a MILP that stops at the limit reports its gap).
    mip_rel_gap
        A plan proven within this relative gap of its bound counts as ``optimal``.
    method
        ``"milp"``, ``"heuristic"`` (greedy + 1-swap, gap against the LP relaxation), or
        ``"auto"`` (heuristic and LP bound; the MILP too when the gap is above
        ``mip_rel_gap``).
    iterations
        Rounds of the perturbation search (uncapacitated heuristic) when greedy + swap is not
        yet within ``mip_rel_gap``; 0 switches it off.
    seed
        Seed of the perturbation search: the same inputs and seed give the same plan (unless
        the time limit cuts the search short).

    Attributes
    ----------
    selected_
        Boolean per site.
    allocation_
        Sparse compounds x sites: demand of compound i served by site j.
    served_, site_served_
        Demand served per compound, and per site.
    objective_
        Weighted demand served (``Σ w_i × served_i``).
    bound_, gap_
        Best proven upper bound on the objective and ``(bound - objective) / bound``.
    status_, method_, seconds_
        ``optimal`` (proven within ``mip_rel_gap``), ``time_limit`` (MILP stopped),
        ``heuristic`` (gap above ``mip_rel_gap``), ``no_sites``, ``no_reach`` or ``no_demand``;
        how it was solved (``milp``, ``greedy+swap``, ``greedy+allocation LP``); wall time.
    """

    def solve(self, reach: sp.sparray | sp.spmatrix, demand: ArrayLike, *,
              cost: ArrayLike | None = None, capacity: ArrayLike | None = None,
              weight: ArrayLike | None = None, group: ArrayLike | None = None
              ) -> MaximalCoverage:
        """Solve on a compounds x sites reach matrix; returns self.

        Parameters
        ----------
        reach
            Sparse, stored entries = site within reach of compound (value: metres; used to
            allocate a compound to its nearest open site in the uncapacitated model).
        demand
            Demand per compound (>= 0).
        cost, capacity
            Per site; cost defaults to 0, capacity is required when ``capacitated``.
        weight
            Objective weight per unit of demand of each compound (default 1); Pianqu uses
            1 / total demand of the kind so that kinds in different units share one budget.
        group
            Integer label per site (Pianqu: the kind) that ``max_sites`` counts within.
        """
        started = time.perf_counter()
        inst = self._instance(reach, demand, cost=cost, capacity=capacity, weight=weight,
                              group=group)
        trivial = _trivial(inst)
        if trivial is not None:
            self._finish(inst, trivial, started)
            return self
        deadline = started + self.time_limit_s
        # uncapacitated: the exact reduction (dominated sites, merged compounds) for the LP
        # bound and the MILP; the heuristics and the final allocation use the full instance
        red = None if self.capacitated else _reduce(inst)
        raw: _Raw | None = None
        if self.method in ("auto", "heuristic"):
            # heuristic first: often within the gap already, proven by the LP relaxation
            lp_bound, lp_y = _lp_bound_max(inst, self.capacitated, red)
            raw = _heuristic_max(inst, self.capacitated, deadline, lp_y)
            raw.bound = max(lp_bound, raw.value)
            if _gap(raw.value, raw.bound, minimise=False) > self.mip_rel_gap and \
                    not self.capacitated and self.iterations > 0:
                # leave the MILP half of what is left of the time limit
                stop = deadline if self.method == "heuristic" else \
                    time.perf_counter() + (deadline - time.perf_counter()) / 2
                raw = _perturbed(inst, raw, stop, self.iterations, self.seed,
                                 self.mip_rel_gap)
            if _gap(raw.value, raw.bound, minimise=False) <= self.mip_rel_gap:
                raw.status = "optimal"
        if self.method == "milp" or (self.method == "auto" and raw is not None
                                     and raw.status != "optimal"):
            left = max(1.0, deadline - time.perf_counter()) if self.method == "auto" \
                else self.time_limit_s
            exact = _milp_max(inst, self.capacitated, left, self.mip_rel_gap, red=red,
                              start=None if raw is None else raw.y)
            if raw is None:
                if exact is None:
                    lp_bound, lp_y = _lp_bound_max(inst, self.capacitated, red)
                    raw = _heuristic_max(inst, self.capacitated,
                                         time.perf_counter() + self.time_limit_s, lp_y)
                    raw.bound = max(lp_bound, raw.value)
                else:
                    raw = exact
            elif exact is not None:
                bound = min(raw.bound, exact.bound)
                if exact.value > raw.value + TOL:
                    raw = exact
                raw.bound = max(bound, raw.value)
                if exact.status == "optimal":
                    raw.status = "optimal"
        assert raw is not None
        self._finish(inst, raw, started)
        return self


class MinimumSites(_SitingSolver):
    """The cheapest (or fewest) sites that serve all the demand that can be served at all.

    Parameters
    ----------
    objective
        ``"cost"`` (sum of site costs; ties broken by count) or ``"count"``.
    capacitated, time_limit_s, mip_rel_gap
        As for :class:`MaximalCoverage`; there is no heuristic, the MILP reports its gap.

    Attributes
    ----------
    selected_, allocation_, served_, site_served_, status_, method_, seconds_
        As for :class:`MaximalCoverage`.
    objective_, bound_, gap_
        Cost (or count) of the chosen sites, the best proven lower bound, and
        ``(objective - bound) / objective``.
    """

    def __init__(self, *, objective: Literal["cost", "count"] = "cost",
                 capacitated: bool = False, time_limit_s: float = 30.0,
                 mip_rel_gap: float = 1e-4) -> None:
        super().__init__(capacitated=capacitated, time_limit_s=time_limit_s,
                         mip_rel_gap=mip_rel_gap, method="milp")
        self.objective = objective

    def solve(self, reach: sp.sparray | sp.spmatrix, demand: ArrayLike, *,
              cost: ArrayLike | None = None, capacity: ArrayLike | None = None,
              weight: ArrayLike | None = None, group: ArrayLike | None = None
              ) -> MinimumSites:
        """Solve on a compounds x sites reach matrix; returns self (arguments as MCLP)."""
        started = time.perf_counter()
        if self.objective not in ("cost", "count"):
            msg = f"objective must be 'cost' or 'count', not {self.objective!r}"
            raise ScenarioError(msg)
        inst = self._instance(reach, demand, cost=cost, capacity=capacity, weight=weight,
                              group=group)
        trivial = _trivial(inst)
        if trivial is not None:
            self._finish(inst, trivial, started)
            return self
        price = np.ones(inst.m) if self.objective == "count" else inst.cost.copy()
        self._finish(inst, _milp_min(inst, price, self.capacitated, self.time_limit_s,
                                     self.mip_rel_gap), started)
        return self


# ---------------------------------------------------------------------------------------------
# helpers


def _vector(values: ArrayLike | None, size: int, name: str, problems: list[str], *,
            default: float | None) -> NDArray[np.float64]:
    if values is None:
        if default is None:
            problems.append(f"{name} is required")
            return np.zeros(size)
        return np.full(size, default, dtype=float)
    arr = np.asarray(values, dtype=float).reshape(-1)
    if arr.shape != (size,):
        problems.append(f"{name} must have {size} values, not {arr.size}")
        return np.zeros(size)
    bad = np.flatnonzero(np.isnan(arr) | (arr < 0))
    if bad.size:
        problems.append(f"{name} must be >= 0 (positions {bad[:10].tolist()})")
    return arr


def _gap(value: float, bound: float, *, minimise: bool) -> float:
    if minimise:
        return 0.0 if value <= TOL else max(0.0, (value - bound) / abs(value))
    return 0.0 if bound <= TOL else max(0.0, (bound - value) / abs(bound))


def _empty_allocation(inst: _Instance) -> sp.csr_array:
    return sp.csr_array((inst.n, inst.m))


def _trivial(inst: _Instance) -> _Raw | None:
    if inst.m == 0:
        return _Raw(np.zeros(0, bool), _empty_allocation(inst), 0.0, 0.0, "no_sites", "none")
    if not (inst.demand * inst.weight > 0).any() or inst.pattern.nnz == 0:
        status = "no_demand" if not (inst.demand > 0).any() else "no_reach"
        return _Raw(np.zeros(inst.m, bool), _empty_allocation(inst), 0.0, 0.0, status, "none")
    return None


def _edges(inst: _Instance) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Row, column and distance of every reach pair whose compound has demand."""
    rows = np.repeat(np.arange(inst.n), np.diff(inst.pattern.indptr))
    cols = inst.pattern.indices.astype(np.int64)
    keep = inst.demand[rows] * inst.weight[rows] > 0
    return rows[keep], cols[keep], inst.distance.data[keep]


def _limit_rows(inst: _Instance, y_index: slice, n_vars: int
                ) -> tuple[list[sp.csr_array], list[float], list[float]]:
    """Count-per-group and budget rows over the y variables."""
    blocks: list[sp.csr_array] = []
    lo: list[float] = []
    hi: list[float] = []
    for g, lim in enumerate(inst.limit):
        if np.isfinite(lim):
            cols = np.flatnonzero(inst.group == g) + y_index.start
            blocks.append(sp.csr_array((np.ones(cols.size), (np.zeros(cols.size, int), cols)),
                                       shape=(1, n_vars)))
            lo.append(-np.inf)
            hi.append(float(lim))
    if np.isfinite(inst.budget):
        cols = np.arange(inst.m) + y_index.start
        blocks.append(sp.csr_array((inst.cost, (np.zeros(inst.m, int), cols)),
                                   shape=(1, n_vars)))
        lo.append(-np.inf)
        hi.append(inst.budget)
    return blocks, lo, hi


def _max_model(inst: _Instance, capacitated: bool, *, vub: bool = True
               ) -> tuple[NDArray[np.float64], sp.csr_array, NDArray[np.float64],
                          NDArray[np.float64], NDArray[np.float64], tuple[NDArray[np.int64], ...]]:
    """Objective (minimisation form), constraint matrix and bounds of the maximisation models.

    Variables: y (m sites) then z (one per compound) or x (one per reach pair). ``vub=False``
    leaves out the capacitated model's ``x_ij <= d_i y_j`` rows (a looser LP, solved several
    times faster).
    """
    m = inst.m
    rows, cols, _ = _edges(inst)
    if not capacitated:
        active = np.unique(rows)
        k = active.size
        n_vars = m + k
        c = np.concatenate([np.zeros(m), -(inst.weight * inst.demand)[active]])
        pos = np.full(inst.n, -1)
        pos[active] = np.arange(k)
        # z_i - Σ_j a_ij y_j <= 0
        a = sp.csr_array(
            (np.concatenate([np.ones(k), -np.ones(rows.size)]),
             (np.concatenate([np.arange(k), pos[rows]]),
              np.concatenate([m + np.arange(k), cols]))),
            shape=(k, n_vars))
        blocks = [a]
        lo = [np.full(k, -np.inf)]
        hi = [np.zeros(k)]
        ub = np.ones(n_vars)
        parts: tuple[NDArray[np.int64], ...] = (active,)
    else:
        e = rows.size
        n_vars = m + e
        c = np.concatenate([np.zeros(m), -inst.weight[rows]])
        xe = m + np.arange(e)
        r_active, r_pos = np.unique(rows, return_inverse=True)
        # Σ_j x_ij <= d_i
        a_row = sp.csr_array((np.ones(e), (r_pos, xe)), shape=(r_active.size, n_vars))
        # Σ_i x_ij - cap_j y_j <= 0
        a_col = sp.csr_array(
            (np.concatenate([np.ones(e), -inst.capacity]),
             (np.concatenate([cols, np.arange(m)]), np.concatenate([xe, np.arange(m)]))),
            shape=(m, n_vars))
        blocks = [a_row, a_col]
        lo = [np.full(r_active.size, -np.inf), np.full(m, -np.inf)]
        hi = [inst.demand[r_active], np.zeros(m)]
        if vub:  # x_ij - d_i y_j <= 0 (tightens the LP relaxation)
            blocks.append(sp.csr_array(
                (np.concatenate([np.ones(e), -inst.demand[rows]]),
                 (np.concatenate([np.arange(e), np.arange(e)]), np.concatenate([xe, cols]))),
                shape=(e, n_vars)))
            lo.append(np.full(e, -np.inf))
            hi.append(np.zeros(e))
        ub = np.concatenate([np.ones(m), inst.demand[rows]])
        parts = (rows, cols)
    lb_blocks, l_lo, l_hi = _limit_rows(inst, slice(0, m), n_vars)
    a_all = sp.csr_array(sp.vstack([*blocks, *lb_blocks], format="csr"))
    return (c, a_all, np.concatenate([*lo, np.array(l_lo)]),
            np.concatenate([*hi, np.array(l_hi)]), ub, parts)


_HIGHS_LOCK = threading.Lock()
"""Serialises HiGHS solves in one process: the app serves several sessions from threads, and
HiGHS instances running at the same time in different threads share its task scheduler, which
has crashed (HiGHS issues #810, #3141). A solve waits for the one before it instead; the LP
bounds through scipy's own copy of HiGHS take the same lock."""


class _QuietHighs(highspy.Highs):
    """highspy's ``Highs`` with its log off from the start.

    ``Highs()`` enables its callbacks in the constructor, which writes HiGHS' banner ("Running
    HiGHS 1.16.0 …") to the console before ``output_flag`` can be set; ``pianqu siting`` and
    ``pianqu plan`` printed it among their own lines.
    """

    def enableCallbacks(self) -> None:  # noqa: N802  (highspy's name)
        self.setOptionValue("output_flag", False)
        super().enableCallbacks()


def _run_milp(c: NDArray[np.float64], a: sp.csr_array, lo: NDArray[np.float64],
              hi: NDArray[np.float64], ub: NDArray[np.float64], n_int: int, *,
              time_limit_s: float, mip_rel_gap: float,
              start: NDArray[np.float64] | None = None
              ) -> tuple[NDArray[np.float64] | None, str, float]:
    """HiGHS through highspy; returns x (or None), status, dual bound (minimisation form).

    highspy rather than :func:`scipy.optimize.milp` (the same HiGHS) because it takes a
    starting solution: the heuristic's plan is the incumbent from the first node, so the time
    goes to the bound and the MILP never returns a plan worse than the heuristic's.

    HiGHS 1.16 mishandles a start that its presolve improves: it scores the start in the
    reduced model (on the sample district's fewest-sites model, 16 sites scored as 12), may
    stop at once as "optimal", and returns the start's own values, not the 12-site plan it
    claims. When the plan returned costs more than HiGHS says, the solve is run again without
    the start for what is left of the time limit (on the sample 0.1 s; without presolve
    instead, 0.7 s); the callers keep their start when that run returns nothing better.
    """
    began = time.perf_counter()
    h = _QuietHighs()
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = int(c.size), int(a.shape[0])
    lp.col_cost_ = np.asarray(c, float)
    lp.col_lower_ = np.zeros(c.size)
    lp.col_upper_ = np.where(np.isfinite(ub), ub, inf)
    lp.row_lower_ = np.where(np.isfinite(lo), lo, -inf)
    lp.row_upper_ = np.where(np.isfinite(hi), hi, inf)
    csc = sp.csc_array(a)
    csc.sort_indices()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = csc.data.astype(float)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_int + \
        [highspy.HighsVarType.kContinuous] * (c.size - n_int)
    h.passModel(lp)
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = np.asarray(start, float).tolist()
        sol.value_valid = True
        h.setSolution(sol)
    with _HIGHS_LOCK:  # one solve at a time per process (see _HIGHS_LOCK)
        h.run()
    status = _HIGHS_STATUS.get(h.modelStatusToString(h.getModelStatus()), "error")
    info = h.getInfo()
    x = None
    if info.primal_solution_status == 2:  # feasible
        x = np.asarray(h.getSolution().col_value, float)
        claimed = float(info.objective_function_value)
        if start is not None and float(c @ x) > claimed + 1e-6 * max(1.0, abs(claimed)):
            left = max(1.0, time_limit_s - (time.perf_counter() - began))
            return _run_milp(c, a, lo, hi, ub, n_int, time_limit_s=left,
                             mip_rel_gap=mip_rel_gap)
    bound = float(info.mip_dual_bound)
    if not np.isfinite(bound):
        bound = float(info.objective_function_value) if status == "optimal" else -np.inf
    return x, status, bound


def _milp_max(inst: _Instance, capacitated: bool, time_limit_s: float,
              mip_rel_gap: float, *, red: CoverageReduction | None = None,
              start: NDArray[np.bool_] | None = None) -> _Raw | None:
    """The exact model, uncapacitated on the reduced instance; ``start`` is a plan to begin from."""
    if not capacitated and red is not None:
        if red.sites.size == 0:  # nothing of value within any site's reach
            return _Raw(np.zeros(inst.m, bool), _empty_allocation(inst), 0.0, 0.0, "optimal",
                        "milp")
        model_inst = _reduced_instance(inst, red)
        c, a, lo, hi, ub, _ = _max_model(model_inst, False)
        x0 = None
        if start is not None:
            y0 = red.to_reduced(start)
            x0 = np.concatenate([y0, np.asarray(red.pattern @ y0.astype(float)) > 0])
        x, status, bound = _run_milp(c, a, lo, hi, ub, model_inst.m, time_limit_s=time_limit_s,
                                     mip_rel_gap=mip_rel_gap, start=x0)
        if x is None:
            return None if status == "time_limit" else _Raw(
                np.zeros(inst.m, bool), _empty_allocation(inst), 0.0, 0.0, status, "milp")
        y = red.to_original(x[: model_inst.m] > 0.5)
        alloc = _nearest_allocation(inst, y)
        value = _value(inst, alloc)
        return _Raw(y, alloc, value, max(-bound, value), status, "milp")
    c, a, lo, hi, ub, parts = _max_model(inst, capacitated)
    x, status, bound = _run_milp(c, a, lo, hi, ub, inst.m, time_limit_s=time_limit_s,
                                 mip_rel_gap=mip_rel_gap)
    if x is None:
        return None if status == "time_limit" else _Raw(
            np.zeros(inst.m, bool), _empty_allocation(inst), 0.0, 0.0, status, "milp")
    y = x[: inst.m] > 0.5
    if capacitated:
        rows, cols = parts
        alloc = sp.csr_array((np.maximum(x[inst.m:], 0.0), (rows, cols)),
                             shape=(inst.n, inst.m))
        alloc.eliminate_zeros()
    else:
        alloc = _nearest_allocation(inst, y)
    value = _value(inst, alloc)
    return _Raw(y, alloc, value, max(-bound, value), status, "milp")


def _reduce(inst: _Instance) -> CoverageReduction:
    """The exact reduction of an uncapacitated instance (see :mod:`planning.siting_reduction`)."""
    return reduce_coverage(inst.pattern, inst.weight * inst.demand, cost=inst.cost,
                           group=inst.group, budgeted=bool(np.isfinite(inst.budget)))


def _reduced_instance(inst: _Instance, red: CoverageReduction) -> _Instance:
    """The reduced rows and kept sites as an instance (weight 1, demand = the row's value)."""
    k = red.sites
    return _Instance(red.pattern, red.pattern, red.value, np.ones(red.value.size),
                     inst.cost[k], inst.capacity[k], inst.group[k], inst.limit, inst.budget)


def _lp_bound_max(inst: _Instance, capacitated: bool, red: CoverageReduction | None = None
                  ) -> tuple[float, NDArray[np.float64] | None]:
    """The LP relaxation's optimum (an upper bound) and its site values.

    With a reduction, the reduced LP (same optimum, smaller); dropped sites get LP value 0.
    """
    if capacitated or red is None:
        c, a, lo, hi, ub, _ = _max_model(inst, capacitated)
        x, status, fun = _run_lp(c, a, lo, hi, ub)
        if status != "optimal" or x is None:
            return np.inf, None
        return -fun, x[: inst.m]
    if red.sites.size == 0:
        return 0.0, np.zeros(inst.m)
    c, a, lo, hi, ub, _ = _max_model(_reduced_instance(inst, red), False)
    x, status, fun = _run_lp(c, a, lo, hi, ub)
    if status != "optimal" or x is None:
        return np.inf, None
    lp_y = np.zeros(inst.m)
    lp_y[red.sites] = x[: red.sites.size]
    return -fun, lp_y


def _run_lp(c: NDArray[np.float64], a: sp.csr_array, lo: NDArray[np.float64],
            hi: NDArray[np.float64], ub: NDArray[np.float64], *, time_limit_s: float | None = None
            ) -> tuple[NDArray[np.float64] | None, str, float]:
    """An LP with ``A x <= hi`` rows by HiGHS' interior point (with crossover).

    Coverage LPs are highly degenerate: on 5,000 x 1,000 the interior point method takes ~2 s
    where dual simplex takes ~15 s.
    """
    if np.isfinite(lo).any():
        msg = "internal: _run_lp takes upper-bounded rows only"
        raise AssertionError(msg)
    with _HIGHS_LOCK:  # scipy's own copy of HiGHS, serialised the same way
        res = linprog(c, A_ub=a if a.shape[0] else None, b_ub=hi if a.shape[0] else None,
                      bounds=np.column_stack([np.zeros(c.size), ub]), method="highs-ipm",
                      options={} if time_limit_s is None else {"time_limit": time_limit_s})
    status = _STATUS.get(int(res.status), "error") if res.status != 1 else "time_limit"
    x = None if res.x is None else np.asarray(res.x)
    return x, status, float(res.fun) if res.fun is not None else np.inf


def _value(inst: _Instance, alloc: sp.csr_array) -> float:
    return float(inst.weight @ np.asarray(alloc.sum(axis=1)).reshape(-1))


def _nearest_allocation(inst: _Instance, y: NDArray[np.bool_]) -> sp.csr_array:
    """Uncapacitated: each compound's whole demand goes to its nearest open site in reach."""
    rows = np.repeat(np.arange(inst.n), np.diff(inst.pattern.indptr))
    cols = inst.pattern.indices
    open_ = y[cols] & (inst.demand[rows] > 0)
    r, cc, dist = rows[open_], cols[open_], inst.distance.data[open_]
    order = np.lexsort((cc, dist, r))
    r, cc = r[order], cc[order]
    first = np.ones(r.size, bool)
    first[1:] = r[1:] != r[:-1]
    return sp.csr_array((inst.demand[r[first]], (r[first], cc[first])), shape=(inst.n, inst.m))


def _heuristic_max(inst: _Instance, capacitated: bool, deadline: float,
                   lp_y: NDArray[np.float64] | None = None) -> _Raw:
    if capacitated:
        y = greedy_capacitated(inst)
        alloc = _allocation_lp(inst, y)
        if lp_y is not None:
            alt = _allocation_lp(inst, lp_rounding(inst, lp_y))
            if _value(inst, alt) > _value(inst, alloc) + TOL:
                y, alloc = lp_rounding(inst, lp_y), alt
        method = "greedy+allocation LP"
    else:
        y = greedy_swap(inst, deadline, lp_y)
        alloc = _nearest_allocation(inst, y)
        method = "greedy+swap"
    return _Raw(y, alloc, _value(inst, alloc), np.inf, "heuristic", method)


def _perturbed(inst: _Instance, raw: _Raw, deadline: float, iterations: int, seed: int,
               tol: float) -> _Raw:
    """The perturbation search from ``raw``'s plan; ``raw`` itself when it finds nothing better."""
    y = perturbation_search(inst, raw.y, deadline, iterations=iterations, seed=seed,
                            stop_value=raw.bound * (1 - tol))
    alloc = _nearest_allocation(inst, y)
    value = _value(inst, alloc)
    if value <= raw.value + TOL:
        return raw
    return _Raw(y, alloc, value, raw.bound, "heuristic", "greedy+swap+perturbation")


def _allocation_lp(inst: _Instance, y: NDArray[np.bool_]) -> sp.csr_array:
    """Exact capacitated allocation for a fixed set of open sites (a transportation LP)."""
    fixed = _Instance(inst.pattern, inst.distance, inst.demand, inst.weight, inst.cost,
                      np.where(y, inst.capacity, 0.0), inst.group,
                      np.full(inst.limit.size, np.inf), np.inf)
    c, a, lo, hi, ub, parts = _max_model(fixed, capacitated=True)
    ub[: inst.m] = y.astype(float)
    x, _, _ = _run_lp(c, a, lo, hi, ub)
    rows, cols = parts
    if x is None:
        return _empty_allocation(inst)
    alloc = sp.csr_array((np.maximum(x[inst.m:], 0.0), (rows, cols)), shape=(inst.n, inst.m))
    alloc.eliminate_zeros()
    return alloc


def _milp_min(inst: _Instance, price: NDArray[np.float64], capacitated: bool,
              time_limit_s: float, mip_rel_gap: float) -> _Raw:
    """The fewest-sites MILP, started from a plan that already serves everything.

    The start (greedy set cover, or the LP relaxation with every site it uses opened) means a
    solve cut short by the time limit still returns a full plan, and the LP relaxation's value
    is a lower bound even when HiGHS stops before its own root.
    """
    started = time.perf_counter()
    m = inst.m
    # Ties (zero-cost sites, equal costs) go to fewer sites: a count term far below one cost unit.
    positive = price[price > 0]
    tie = 1e-4 * (float(positive.min()) if positive.size else 1.0) / max(1, m)
    rows, cols, _ = _edges(inst)
    if not capacitated:
        active, pos = np.unique(rows, return_inverse=True)
        c = price + tie
        a = sp.csr_array((np.ones(rows.size), (pos, cols)), shape=(active.size, m))
        lo, hi = np.ones(active.size), np.full(active.size, np.inf)
        ub = np.ones(m)
        a_lp, lo_lp, hi_lp = a, lo, hi
    else:
        target = _max_servable(inst)
        a, lo, hi, ub, c_max = _min_capacitated_model(inst, target, vub=True)
        c = np.concatenate([price + tie, np.zeros(c_max.size - m)])
        # the LP bound and rounding leave out the x_ij <= d_i y_j rows: on 5,000 x 1,000,
        # 4.6 s instead of 18 s for the same bound (rounding up stays feasible with them)
        a_lp, lo_lp, hi_lp, _, _ = _min_capacitated_model(inst, target, vub=False)
    lp_bound, x0, start_method = _min_start(c, a_lp, lo_lp, hi_lp, ub, m, capacitated,
                                            time_limit_s=time_limit_s / 2)
    cover_bound = 0.0
    if capacitated:
        # LP rounding and greedy, each with the sites it can do without closed again
        seeds = [(x0, start_method), (_greedy_min_capacitated(inst, price, target), "greedy")]
        # When every compound in reach can be served whole, a capacitated plan is also a cover
        # of them: the cheapest cover (uncapacitated, quick) is a lower bound, and with sites
        # added until the allocation serves everything, a start (often the optimum itself)
        has_site = np.diff(inst.pattern.indptr) > 0
        if target >= float((inst.weight * inst.demand)[has_site].sum()) * (1 - 1e-7) - 1e-9:
            cover = _milp_min(inst, price, False, time_limit_s / 4, mip_rel_gap)
            cover_bound = cover.bound
            seeds.append((_greedy_min_capacitated(inst, price, target, start=cover.y),
                          "cover"))
        starts = [(_rerouted(inst, price, x), f"{name}+reroute") for x, name in seeds
                  if x is not None]
        x0, start_method = min(starts, key=lambda s: float(c @ s[0]), default=(None, ""))
    known = max(0.0, lp_bound - tie * m, cover_bound)
    if x0 is not None and _gap(float(price[x0[:m] > 0.5].sum()), known,
                               minimise=True) <= mip_rel_gap:
        x, status, bound = None, "optimal", -np.inf  # the start is proven: no MILP needed
    else:
        left = max(1.0, time_limit_s - (time.perf_counter() - started))
        x, status, bound = _run_milp(c, a, lo, hi, ub, m, time_limit_s=left,
                                     mip_rel_gap=mip_rel_gap, start=x0)
    method = "milp"
    if x is None or (x0 is not None and float(c @ x0) <= float(c @ x) + TOL):
        if x0 is None:
            return _Raw(np.zeros(m, bool), _empty_allocation(inst), 0.0, -np.inf,
                        "time_limit" if status == "time_limit" else status, "milp")
        x, method = x0, start_method
    y = x[:m] > 0.5
    if capacitated:
        # re-allocate with the chosen sites and no target slack: the cleanest allocation
        alloc = _allocation_lp(inst, y)
    else:
        alloc = _nearest_allocation(inst, y)
    value = float(price[y].sum())
    lower = max(0.0, max(bound, lp_bound) - tie * m, cover_bound)
    if status != "optimal" and _gap(value, min(lower, value), minimise=True) <= mip_rel_gap:
        status = "optimal"  # the start and the LP bound prove it
    return _Raw(y, alloc, value, min(lower, value), status, method)


def _min_capacitated_model(inst: _Instance, target: float, *, vub: bool
                           ) -> tuple[sp.csr_array, NDArray[np.float64], NDArray[np.float64],
                                      NDArray[np.float64], NDArray[np.float64]]:
    """The capacitated model's rows plus ``Σ w x >= target``; its bounds; the served weights.

    ``target`` is the most that every site together serves, less a rounding margin.
    """
    c_max, a_max, lo_max, hi_max, ub, _ = _max_model(inst, capacitated=True, vub=vub)
    serve = sp.csr_array(-c_max.reshape(1, -1))
    return (sp.csr_array(sp.vstack([a_max, serve], format="csr")),
            np.concatenate([lo_max, [target * (1 - 1e-7) - 1e-9]]),
            np.concatenate([hi_max, [np.inf]]), ub, c_max)


def _greedy_min_capacitated(inst: _Instance, price: NDArray[np.float64], target: float, *,
                            start: NDArray[np.bool_] | None = None
                            ) -> NDArray[np.float64] | None:
    """Sites by served demand per cost until the exact allocation serves ``target``.

    From ``start`` (sites open already) when given. Returns the MILP's variables (sites, then
    the allocation over the reach pairs in the order of :func:`_edges`), or None when five
    rounds of adding sites fall short.
    """
    y = greedy_capacitated(inst, price=price) if start is None else start.copy()
    for _ in range(5):
        alloc = _allocation_lp(inst, y)
        if _value(inst, alloc) >= target * (1 - 1e-7) - 1e-9:
            return _pair_values(inst, y, alloc)
        left = np.maximum(inst.demand - np.asarray(alloc.sum(axis=1)).reshape(-1), 0.0)
        more = greedy_capacitated(inst, price=price, start=y, residual=left)
        if (more == y).all():
            return None
        y = more
    return None


def _rerouted(inst: _Instance, price: NDArray[np.float64], x: NDArray[np.float64]
              ) -> NDArray[np.float64]:
    """A capacitated fewest-sites solution after :func:`drop_by_reroute`."""
    rows, cols, _ = _edges(inst)
    alloc = sp.csr_array((x[inst.m:], (rows, cols)), shape=(inst.n, inst.m))
    alloc.eliminate_zeros()
    y, alloc = drop_by_reroute(inst, x[:inst.m] > 0.5, alloc, price)
    return _pair_values(inst, y, alloc)


def _pair_values(inst: _Instance, y: NDArray[np.bool_], alloc: sp.csr_array
                 ) -> NDArray[np.float64]:
    """The capacitated model's variables: sites open, then the flow of every reach pair."""
    rows, cols, _ = _edges(inst)
    return np.concatenate([y.astype(float), np.asarray(alloc[rows, cols]).reshape(-1)])


def _min_start(c: NDArray[np.float64], a: sp.csr_array, lo: NDArray[np.float64],
               hi: NDArray[np.float64], ub: NDArray[np.float64], m: int, capacitated: bool, *,
               time_limit_s: float) -> tuple[float, NDArray[np.float64] | None, str]:
    """The fewest-sites model's LP bound, a feasible start for its MILP, and how it was made.

    Every row is ``lo <= a x`` (coverage ≥ 1, served ≥ target) or ``a x <= hi``. The LP
    solution with every site it uses opened is feasible (raising a site's y only loosens its
    rows, and a pair's flow never exceeds its compound's demand, so the MILP's
    ``x_ij <= d_i y_j`` rows that ``a`` may leave out hold once y_j = 1); uncapacitated,
    greedy set cover usually beats that rounding and is kept when cheaper. An LP stopped at
    ``time_limit_s`` gives no bound (and, capacitated, no start).
    """
    ge = np.isfinite(lo)
    signed = sp.csr_array(sp.diags(np.where(ge, -1.0, 1.0)) @ a)
    x_lp, status, fun = _run_lp(c, signed, np.full(lo.size, -np.inf), np.where(ge, -lo, hi), ub,
                                time_limit_s=time_limit_s)
    if status != "optimal" or x_lp is None:
        greedy = None if capacitated else greedy_cover(a, c).astype(float)
        return -np.inf, greedy, "" if greedy is None else "greedy cover"
    x0 = x_lp.copy()
    x0[:m] = (x_lp[:m] > 1e-7).astype(float)
    if not capacitated:
        greedy = greedy_cover(a, c).astype(float)
        if float(c @ greedy) < float(c @ x0):
            return fun, greedy, "greedy cover"
    return fun, x0, "LP rounding"


def _max_servable(inst: _Instance) -> float:
    """The most weighted demand that every site together could serve (capacitated LP)."""
    everything = np.ones(inst.m, bool)
    return _value(inst, _allocation_lp(inst, everything))
