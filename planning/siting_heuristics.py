"""Heuristics of the coverage models: greedy, 1-swap, LP rounding, perturbation search.

They work on the validated instance of :mod:`planning.siting_models` and return which sites
to open; the models measure what those sites serve and the gap to a proven bound. No solver
here: every function is plain numpy and scipy.sparse on the compounds x sites reach pattern.
"""

from __future__ import annotations

import heapq
import time
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

if TYPE_CHECKING:
    from planning.siting_models import _Instance

__all__ = ["TOL", "covered_value", "drop_by_reroute", "greedy_capacitated", "greedy_cover",
           "greedy_swap", "lp_rounding", "perturbation_search"]

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


def greedy_cover(cover: sp.csr_array, price: NDArray[np.float64]) -> NDArray[np.bool_]:
    """The cheap sites that reach every row: greedy set cover, then spare sites dropped.

    Greedy by price per newly reached row (Chvátal 1979: within a factor ln(rows) of the
    optimum), then each chosen site that every one of its rows can do without is dropped
    again, dearest first.

    ``cover`` is rows x sites (stored entries: the site reaches the row); every row must be
    reachable by some site. Lazy: a site's ratio only grows as rows get reached, so a popped
    ratio that is still current is the smallest.

    >>> cover = sp.csr_array(np.array([[1, 1, 0], [0, 1, 0], [0, 1, 1], [0, 0, 1]]))
    >>> greedy_cover(cover, np.array([1.0, 2.5, 1.0])).tolist()
    [False, True, True]

    Dear site 1 is the only one reaching row 1; greedy takes site 0 before it, and the drop
    pass removes site 0 again:

    >>> greedy_cover(cover, np.array([1.0, 9.0, 1.0])).tolist()
    [False, True, True]
    """
    at = sp.csr_array(cover.T)
    at.sort_indices()
    k, m = cover.shape
    reached = np.zeros(k, bool)
    size = np.diff(at.indptr)
    heap = [(float(price[j]) / size[j], j) for j in range(m) if size[j]]
    heapq.heapify(heap)
    selected = np.zeros(m, bool)
    left = k
    while left and heap:
        ratio, j = heapq.heappop(heap)
        rows = at.indices[at.indptr[j]:at.indptr[j + 1]]
        new = int((~reached[rows]).sum())
        if new == 0:
            continue
        now = float(price[j]) / new
        if now > ratio + TOL * max(1.0, abs(now)):  # stale: reached rows since it was pushed
            heapq.heappush(heap, (now, j))
            continue
        selected[j] = True
        left -= new
        reached[rows] = True
    count = np.asarray(cover @ selected.astype(float)).astype(np.int64)
    for j in np.flatnonzero(selected)[np.argsort(-price[selected], kind="stable")]:
        rows = at.indices[at.indptr[j]:at.indptr[j + 1]]
        if (count[rows] >= 2).all():
            selected[j] = False
            count[rows] -= 1
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


def greedy_capacitated(inst: _Instance, *, price: NDArray[np.float64] | None = None,
                       start: NDArray[np.bool_] | None = None,
                       residual: NDArray[np.float64] | None = None) -> NDArray[np.bool_]:
    """Greedy on residual demand: open the site that can serve the most (per cost) next.

    Per cost when the instance has a budget or ``price`` is given (the fewest-sites model's
    costs); ``start`` sites are open already and ``residual`` (default: all the demand) is
    what they leave unserved.
    """
    at = sp.csr_array(inst.pattern.T)
    dist_t = sp.csr_array(inst.distance.T)
    dist_t.sort_indices()
    residual = inst.demand.copy() if residual is None else residual.copy()
    selected = np.zeros(inst.m, bool) if start is None else start.copy()
    used = np.bincount(inst.group[selected], minlength=inst.limit.size).astype(float)
    spent = float(inst.cost[selected].sum())
    ratio = np.isfinite(inst.budget) or price is not None
    cost = inst.cost if price is None else price
    price = np.maximum(cost, 1e-9 * max(1.0, float(cost.max())))
    while True:
        reachable = at @ (inst.weight * residual)
        gain = np.minimum(reachable, inst.capacity * inst.weight.max())
        ok = _feasible(inst, selected, used, spent) & (gain > TOL)
        if not ok.any():
            break
        score = np.where(ok, gain / price if ratio else gain, -np.inf)
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


def drop_by_reroute(inst: _Instance, y: NDArray[np.bool_], allocation: sp.csr_array,
                    price: NDArray[np.float64], *, rounds: int = 3, tries: int = 4
                    ) -> tuple[NDArray[np.bool_], sp.csr_array]:
    """Close open sites whose flow fits elsewhere, or swap them for a cheaper closed site.

    A capacitated plan's local search without an LP. For each open site, dearest and least
    used first, every compound it serves is moved to the nearest other open sites in its
    reach that have room; the site closes when all of its flow moved. Failing that, up to
    ``tries`` cheaper closed sites reaching its compounds (those reaching most first) are
    each tried as the one opened in its place. Each compound keeps what it is served, so
    the plan serves exactly as much for less. ``rounds`` bounds the passes (the same plan
    for the same input, whatever the machine).
    """
    y = y.copy()
    flow = sp.dok_array(allocation)  # compounds x sites
    load = np.asarray(allocation.sum(axis=0)).reshape(-1)
    served_by: list[set[int]] = [set() for _ in range(inst.m)]  # compounds each site serves
    for (i, j) in flow.keys():
        served_by[j].add(i)
    dist = inst.distance
    near = [dist.indices[dist.indptr[i]:dist.indptr[i + 1]][
        np.argsort(dist.data[dist.indptr[i]:dist.indptr[i + 1]], kind="stable")]
        for i in range(inst.n)]
    reach_t = sp.csr_array(inst.pattern.T)

    def moved(j: int, extra: int = -1) -> list[tuple[int, int, float]] | None:
        """The moves that empty site ``j`` (into open sites, and ``extra`` if given)."""
        spare = np.where(y, inst.capacity - load, 0.0)
        spare[j] = 0.0
        if extra >= 0:
            spare[extra] = inst.capacity[extra]
        moves = []
        for i in sorted(served_by[j]):
            need = float(flow[i, j])
            for k in near[i]:
                if need <= TOL:
                    break
                take = min(need, float(spare[k]))
                if take > TOL:
                    moves.append((i, int(k), take))
                    spare[k] -= take
                    need -= take
            if need > TOL:
                return None
        return moves

    def apply(j: int, moves: list[tuple[int, int, float]]) -> None:
        y[j] = False
        for i, k, take in moves:
            flow[i, k] = flow.get((i, k), 0.0) + take
            load[k] += take
            served_by[k].add(i)
            y[k] = True
        for i in served_by[j]:
            del flow[i, j]
        served_by[j] = set()
        load[j] = 0.0

    for _ in range(rounds):
        changed = False
        for j in np.lexsort((load, -price)):  # dearest first, then least used
            if not y[j]:
                continue
            moves = moved(int(j))
            if moves is None:
                rows = np.fromiter(served_by[j], dtype=np.int64)
                reached = sp.csr_array(reach_t[:, rows]).sum(axis=1) if rows.size else \
                    np.zeros(inst.m)
                cheaper = np.flatnonzero(~y & (price < price[j] - TOL) & (reached > 0))
                order = np.lexsort((price[cheaper], -reached[cheaper]))
                for k in cheaper[order[:tries]]:
                    moves = moved(int(j), int(k))
                    if moves is not None:
                        break
            if moves is not None:
                apply(int(j), moves)
                changed = True
        if not changed:
            break
    out = sp.csr_array(sp.coo_array(flow), shape=(inst.n, inst.m))
    out.eliminate_zeros()
    return y, out
