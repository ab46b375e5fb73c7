"""Heuristics of the coverage models: greedy, 1-swap, LP rounding, perturbation search.

They work on the validated instance of :mod:`planning.siting_models` and return which sites
to open; the models measure what those sites serve and the gap to a proven bound. No solver
here: every function is plain numpy and scipy.sparse on the compounds x sites reach pattern.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

if TYPE_CHECKING:
    from planning.siting_models import _Instance

__all__ = ["TOL", "covered_value", "greedy_capacitated", "greedy_swap", "lp_rounding",
           "perturbation_search"]

TOL = 1e-9
"""Values closer than this count as equal."""


def perturbation_search(inst: _Instance, y: NDArray[np.bool_], deadline: float, *,
                        iterations: int, seed: int, stop_value: float) -> NDArray[np.bool_]:
    """Iterated local search: close a tenth of the open sites at random, refill greedily, swap.

    A move is kept when it serves at least as much (sideways moves let the search drift along
    plateaus). ``iterations`` bounds the work so that the same seed gives the same plan; the
    deadline is only a safety stop. Stops early once the plan serves ``stop_value``.
    """
    a = inst.pattern
    at = sp.csr_array(a.T)
    val = inst.weight * inst.demand
    rng = np.random.default_rng(seed)
    cur = y.copy()
    cur_v = covered_value(a, cur, val)
    best, best_v = cur.copy(), cur_v
    for _ in range(iterations):
        if time.perf_counter() >= deadline or best_v >= stop_value:
            break
        open_ = np.flatnonzero(cur)
        if open_.size == 0:
            break
        trial = cur.copy()
        k = max(1, min(open_.size, int(np.ceil(open_.size / 10))))
        trial[rng.choice(open_, size=k, replace=False)] = False
        trial = _greedy(inst, a, at, val, ratio=np.isfinite(inst.budget), start=trial)
        trial = _swap(inst, at, val, trial, deadline)
        value = covered_value(a, trial, val)
        if value >= cur_v - TOL:
            cur, cur_v = trial, value
            if value > best_v + TOL:
                best, best_v = trial.copy(), value
    return best


def lp_rounding(inst: _Instance, lp_y: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Open sites in decreasing order of their LP value while the limits allow."""
    selected = np.zeros(inst.m, bool)
    used = np.zeros(inst.limit.size)
    spent = 0.0
    for j in np.argsort(-lp_y, kind="stable"):
        if lp_y[j] <= 1e-6:
            break
        if used[inst.group[j]] < inst.limit[inst.group[j]] and \
                spent + inst.cost[j] <= inst.budget + 1e-9:
            selected[j] = True
            used[inst.group[j]] += 1
            spent += inst.cost[j]
    return selected


def _feasible(inst: _Instance, selected: NDArray[np.bool_], used: NDArray[np.float64],
              spent: float) -> NDArray[np.bool_]:
    return (~selected) & (used[inst.group] < inst.limit[inst.group]) & \
        (spent + inst.cost <= inst.budget + 1e-9)


def greedy_swap(inst: _Instance, deadline: float,
                 lp_y: NDArray[np.float64] | None = None) -> NDArray[np.bool_]:
    """Greedy by marginal demand (per cost under a budget), and LP rounding; then 1-swaps."""
    a = inst.pattern
    at = sp.csr_array(a.T)
    val = inst.weight * inst.demand
    budgeted = np.isfinite(inst.budget)
    starts = [_greedy(inst, a, at, val, ratio=budgeted)]
    if budgeted:
        starts.append(_greedy(inst, a, at, val, ratio=False))
    if lp_y is not None:
        starts.append(_greedy(inst, a, at, val, ratio=budgeted, start=lp_rounding(inst, lp_y)))
    improved = [_swap(inst, at, val, y, deadline) for y in starts]
    return max(improved, key=lambda s: covered_value(a, s, val))


def _greedy(inst: _Instance, a: sp.csr_array, at: sp.csr_array, val: NDArray[np.float64], *,
            ratio: bool, start: NDArray[np.bool_] | None = None) -> NDArray[np.bool_]:
    selected = np.zeros(inst.m, bool) if start is None else start.copy()
    used = np.bincount(inst.group[selected], minlength=inst.limit.size).astype(float)
    spent = float(inst.cost[selected].sum())
    count = np.asarray(a @ selected.astype(float)).astype(np.int64)
    gain = at @ (val * (count == 0))
    price = np.maximum(inst.cost, 1e-9 * max(1.0, float(inst.cost.max())))
    while True:
        ok = _feasible(inst, selected, used, spent) & (gain > TOL)
        if not ok.any():
            break
        score = np.where(ok, gain / price if ratio else gain, -np.inf)
        j = int(np.argmax(score))
        selected[j] = True
        used[inst.group[j]] += 1
        spent += inst.cost[j]
        rows = at.indices[at.indptr[j]:at.indptr[j + 1]]
        newly = rows[count[rows] == 0]
        count[rows] += 1
        if newly.size:
            gain = gain - sp.csr_array(a[newly]).T @ val[newly]
    return selected


def covered_value(a: sp.csr_array, y: NDArray[np.bool_], val: NDArray[np.float64]) -> float:
    """Value of the compounds that at least one open site reaches."""
    return float(val[(a @ y.astype(float)) > 0].sum())


def _swap(inst: _Instance, at: sp.csr_array, val: NDArray[np.float64], y: NDArray[np.bool_],
          deadline: float) -> NDArray[np.bool_]:
    """Replace one open site by a closed one while that serves more (best swap per site)."""
    y = y.copy()
    count = np.asarray(inst.pattern @ y.astype(float)).astype(np.int64)
    used = np.bincount(inst.group[y], minlength=inst.limit.size).astype(float)
    spent = float(inst.cost[y].sum())
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        gain0 = at @ (val * (count == 0))
        single = val * (count == 1)
        for s in np.flatnonzero(y):
            if time.perf_counter() >= deadline:
                break
            rows_s = at.indices[at.indptr[s]:at.indptr[s + 1]]
            loss = float(single[rows_s].sum())
            only_s = np.zeros(inst.n)
            only_s[rows_s] = single[rows_s]
            delta = gain0 + at @ only_s - loss
            used_after = used.copy()
            used_after[inst.group[s]] -= 1
            ok = _feasible(inst, y, used_after, spent - inst.cost[s])
            delta = np.where(ok, delta, -np.inf)
            t = int(np.argmax(delta))
            if delta[t] > 1e-9 * max(1.0, float(val.sum())):
                y[s], y[t] = False, True
                used = used_after
                used[inst.group[t]] += 1
                spent += inst.cost[t] - inst.cost[s]
                count[rows_s] -= 1
                count[at.indices[at.indptr[t]:at.indptr[t + 1]]] += 1
                improved = True
                break
    return y


def greedy_capacitated(inst: _Instance) -> NDArray[np.bool_]:
    """Greedy on residual demand: open the site that can serve the most (per cost) next."""
    at = sp.csr_array(inst.pattern.T)
    dist_t = sp.csr_array(inst.distance.T)
    dist_t.sort_indices()
    residual = inst.demand.copy()
    selected = np.zeros(inst.m, bool)
    used = np.zeros(inst.limit.size)
    spent = 0.0
    budgeted = np.isfinite(inst.budget)
    price = np.maximum(inst.cost, 1e-9 * max(1.0, float(inst.cost.max())))
    while True:
        reachable = at @ (inst.weight * residual)
        gain = np.minimum(reachable, inst.capacity * inst.weight.max())
        ok = _feasible(inst, selected, used, spent) & (gain > TOL)
        if not ok.any():
            break
        score = np.where(ok, gain / price if budgeted else gain, -np.inf)
        j = int(np.argmax(score))
        selected[j] = True
        used[inst.group[j]] += 1
        spent += inst.cost[j]
        lo, hi = dist_t.indptr[j], dist_t.indptr[j + 1]
        rows = dist_t.indices[lo:hi][np.argsort(dist_t.data[lo:hi], kind="stable")]
        left = inst.capacity[j]
        for i in rows:  # nearest compounds first; bounded by the site's reach list
            take = min(left, residual[i])
            residual[i] -= take
            left -= take
            if left <= TOL:
                break
    return selected
