"""The zoning solver: contiguous zones under a household floor and cap and a diameter limit.

:class:`RenovationZoner` works on plain arrays (a symmetric adjacency matrix, households,
attributes, coordinates); :mod:`planning.zoning` puts the compound layer in front of it.

Objective (lexicographic, best first):

1. the number of zones whose households lie in ``[min_households, max_households]`` and whose
   diameter is within ``max_diameter_m``: as many as possible (or, with ``n_zones``, as close to
   that target as possible from below);
2. within-zone dissimilarity ``H + compactness_weight * S``, where
   ``H = sum over zones of sum over member pairs of ||z_i - z_j||_1`` on z-scored attributes
   (renovation needs: build year, missing facilities — the objective spopt's max-p minimises),
   and ``S`` the same sum over centroid distances divided by the median neighbour distance
   (a compactness penalty in the same unit-free scale).

Every unit ends in exactly one zone. A group that cannot meet the bounds (an island of 80
households, a single compound above the cap) becomes a zone of its own marked infeasible with its
reason, unless ``join`` links let it join the nearest feasible zone within the distance limit.

Method: region growing from seeds (most enclosed unit first, so corners are not stranded), with
the floor, cap and diameter as hard constraints and the smallest overshoot when closing a zone;
leftover units join a neighbouring zone (least dissimilarity increase, cap and diameter kept);
several seeded restarts keep the best; then a local search moves boundary units between
neighbouring zones when it lowers the dissimilarity and keeps both zones contiguous and within
their bounds, and when no single move is left, exchanges two boundary units between neighbouring
zones (zones of a max-p partition sit just above the floor, where single moves are refused).

Examples
--------
>>> import numpy as np
>>> from scipy import sparse
>>> # a path of 6 units, 100 households each: floor 200 -> 3 zones
>>> a = sparse.diags([np.ones(5), np.ones(5)], [-1, 1], format="csr")
>>> z = RenovationZoner(a, np.full(6, 100), np.zeros((6, 1)), np.c_[np.arange(6) * 100.0,
...                     np.zeros(6)], min_households=200, max_households=300, seed=1).solve()
>>> z.n_zones_, z.labels_.tolist()
(3, [0, 0, 1, 1, 2, 2])
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from geo.errors import ScenarioError

__all__ = [
    "RenovationZoner",
]

_EPS = 1e-9


@dataclass
class _State:
    """A partition under construction: members per zone, labels, totals."""

    labels: np.ndarray  # zone per unit (-1 none)
    members: list[list[int]]
    hh: list[float]

    def add_zone(self, units: list[int], households: float) -> int:
        k = len(self.members)
        self.members.append(list(units))
        self.hh.append(float(households))
        labels = self.labels
        for u in units:
            labels[u] = k
        return k


class RenovationZoner:
    """Contiguous renovation zones that maximise the zone count under household bounds.

    Parameters
    ----------
    adjacency
        Symmetric ``n x n`` sparse matrix; a nonzero entry links two neighbouring units.
    households
        Households per unit (>= 0).
    attributes
        ``n x k`` renovation-need attributes; z-scored inside (a constant column counts 0).
    xy
        ``n x 2`` unit centroids in metres.
    min_households, max_households
        Bounds of a zone's households (``max_households=None``: no cap).
    max_diameter_m
        Largest walking diameter of a zone: the largest centroid distance between two members
        times ``detour_factor``. None: no limit.
    detour_factor
        Walking / straight-line distance ratio used for the diameter.
    n_zones
        Target zone count; None maximises it.
    compactness_weight
        Weight of the compactness term ``S`` in the objective (0 ignores compactness).
    restarts
        Seeded restarts of the construction; the best is kept. None: ``10000 // n`` clipped to
        6–64 (many for a small district, where they are cheap; 6 for a province).
    local_search
        Run the boundary moves and exchanges after construction.
    join
        Optional sparse ``n x n`` matrix of gap distances (metres, nonzero) along which a unit
        of a group that cannot meet the floor may join the nearest feasible zone.
    seed
        Seed of every random choice; the same inputs and seed give the same zones.

    Attributes
    ----------
    labels_
        Zone per unit, ``0..n_zones_total-1``, numbered by each zone's westmost (then
        southmost) member centroid.
    feasible_
        Per zone: households within the bounds and diameter within the limit.
    reasons_
        Per zone: ``""`` when feasible, else codes ``below_min``, ``above_max``, ``diameter``
        (``;``-separated).
    joined_
        Per unit: the gap in metres it was joined across (NaN when it was not joined).
    n_zones_
        Number of feasible zones.
    heterogeneity_
        ``H`` of the solution (attributes only).
    objective_
        ``H + compactness_weight * S``.
    households_, diameter_m_
        Per zone totals and diameters (metres, detour factor applied).
    """

    def __init__(self, adjacency: sparse.sparray | sparse.spmatrix, households: np.ndarray,
                 attributes: np.ndarray, xy: np.ndarray, *, min_households: float,
                 max_households: float | None = None, max_diameter_m: float | None = None,
                 detour_factor: float = 1.0, n_zones: int | None = None,
                 compactness_weight: float = 0.25, restarts: int | None = None,
                 local_search: bool = True,
                 join: sparse.sparray | sparse.spmatrix | None = None, seed: int = 0) -> None:
        self.adjacency = adjacency
        self.households = households
        self.attributes = attributes
        self.xy = xy
        self.min_households = min_households
        self.max_households = max_households
        self.max_diameter_m = max_diameter_m
        self.detour_factor = detour_factor
        self.n_zones = n_zones
        self.compactness_weight = compactness_weight
        self.restarts = restarts
        self.local_search = local_search
        self.join = join
        self.seed = seed

    # --- public ------------------------------------------------------------------------------

    def solve(self) -> RenovationZoner:
        """Build the zones; results go to the attributes ending in ``_``."""
        self._prepare()
        rng = np.random.default_rng(self.seed)
        best: _State | None = None
        best_key: tuple[float, float] | None = None
        restarts = (int(np.clip(10_000 // max(self._n, 1), 6, 64)) if self.restarts is None
                    else max(1, int(self.restarts)))
        for r in range(restarts):
            state = self._construct(rng, jitter=0.0 if r == 0 else 1.5)
            self._absorb_leftovers(state)
            count = float(self._count_feasible(state))
            if best_key is not None and count < best_key[0]:
                continue
            key = (count, -self._dissimilarity(state))
            if best_key is None or key > best_key:
                best, best_key = state, key
        assert best is not None
        state = best
        if self.local_search:
            self._improve(state, rng)
        if self.n_zones is not None:
            self._merge_to_target(state)
            if self.local_search:
                self._improve(state, rng)
        self._join_small_groups(state)
        self._finish(state)
        return self

    # --- preparation -------------------------------------------------------------------------

    def _prepare(self) -> None:
        a = sparse.csr_array(self.adjacency)
        n = a.shape[0]
        hh = np.asarray(self.households, dtype=float)
        x = np.asarray(self.attributes, dtype=float).reshape(n, -1) if n else np.empty((0, 0))
        xy = np.asarray(self.xy, dtype=float).reshape(-1, 2)
        problems = []
        if a.shape != (n, n):
            problems.append(f"adjacency must be square, got {a.shape}")
        if len(hh) != n or len(xy) != n:
            problems.append("households, attributes and xy must have one row per unit")
        elif (~np.isfinite(hh)).any() or (hh < 0).any():
            problems.append("households must be finite and >= 0")
        if not np.isfinite(xy).all():
            problems.append("xy must be finite")
        if not self.min_households > 0:
            problems.append(f"min_households must be > 0, got {self.min_households}")
        if self.max_households is not None and self.max_households < self.min_households:
            problems.append("max_households must be >= min_households")
        if self.max_diameter_m is not None and not self.max_diameter_m > 0:
            problems.append("max_diameter_m must be > 0")
        if self.n_zones is not None and self.n_zones < 1:
            problems.append("n_zones must be >= 1")
        if problems:
            msg = "zoning parameters: " + "; ".join(problems)
            raise ScenarioError(msg)
        z = _zscore(x) if x.size else np.zeros((n, 1))
        a = sparse.csr_array(((a + a.T) != 0).astype(np.int8))
        a.setdiag(0)
        a.eliminate_zeros()
        a.sort_indices()
        self._n = n
        self._hh = hh
        self._z = np.ascontiguousarray(z)
        self._xy = xy
        self._zl = self._z.tolist()
        self._xyl = [tuple(p) for p in xy.tolist()]
        self._hhl = hh.tolist()
        self._nbrs = [a.indices[a.indptr[i]:a.indptr[i + 1]].tolist() for i in range(n)]
        self._cap = np.inf if self.max_households is None else float(self.max_households)
        self._floor = float(self.min_households)
        self._dmax = (np.inf if self.max_diameter_m is None
                      else float(self.max_diameter_m) / float(self.detour_factor))
        rows, cols = a.nonzero()
        d = np.hypot(*(xy[rows] - xy[cols]).T) if len(rows) else np.empty(0)
        self._scale = float(np.median(d)) if len(d) and np.median(d) > 0 else 1.0
        self._lam = float(self.compactness_weight) / self._scale
        self._n_comp, self._comp = connected_components(a, directed=False)

    # --- cost helpers --------------------------------------------------------------------------

    def _cost_to(self, i: int, members: list[int]) -> float:
        """Dissimilarity of unit ``i`` to every unit in ``members`` (excluding i itself)."""
        if len(members) > 48:
            m = np.asarray(members)
            total = float(np.abs(self._z[m] - self._z[i]).sum())
            if self._lam:
                total += self._lam * float(np.hypot(*(self._xy[m] - self._xy[i]).T).sum())
            return total
        zl, zi = self._zl, self._zl[i]
        total = 0.0
        for j in members:
            zj = zl[j]
            for q in range(len(zi)):
                total += abs(zi[q] - zj[q])
        if self._lam:
            xl, (xi, yi) = self._xyl, self._xyl[i]
            d = 0.0
            for j in members:
                xj, yj = xl[j]
                d += math.hypot(xi - xj, yi - yj)
            total += self._lam * d
        return total

    def _fits_diameter(self, i: int, members: list[int]) -> bool:
        if self._dmax == math.inf or not members:
            return True
        xl, (xi, yi) = self._xyl, self._xyl[i]
        lim = self._dmax * self._dmax + _EPS
        for j in members:
            xj, yj = xl[j]
            if (xi - xj) ** 2 + (yi - yj) ** 2 > lim:
                return False
        return True

    def _feasible_zone(self, members: list[int], hh: float) -> bool:
        if not self._floor - _EPS <= hh <= self._cap + _EPS:
            return False
        return self._dmax == math.inf or self._diameter(members) <= self._dmax + _EPS

    def _diameter(self, members: list[int]) -> float:
        if len(members) < 2:
            return 0.0
        p = self._xy[np.asarray(members)]
        d = p[:, None, :] - p[None, :, :]
        return float(np.sqrt((d ** 2).sum(-1).max()))

    def _count_feasible(self, state: _State) -> int:
        return sum(1 for m, h in zip(state.members, state.hh, strict=True)
                   if m and self._feasible_zone(m, h))

    def _dissimilarity(self, state: _State, *, spatial: bool = True) -> float:
        total = 0.0
        for m in state.members:
            if len(m) < 2:
                continue
            idx = np.asarray(m)
            z = self._z[idx]
            total += float(np.abs(z[:, None, :] - z[None, :, :]).sum()) / 2
            if spatial and self._lam:
                p = self._xy[idx]
                total += self._lam * float(
                    np.sqrt(((p[:, None, :] - p[None, :, :]) ** 2).sum(-1)).sum()) / 2
        return total

    # --- construction -----------------------------------------------------------------------

    def _construct(self, rng: np.random.Generator, *, jitter: float) -> _State:
        n, hh, nbrs = self._n, self._hhl, self._nbrs
        zl, xyl = self._zl, self._xyl
        floor, cap, scale = self._floor - _EPS, self._cap + _EPS, self._scale
        limited = self._dmax != math.inf
        state = _State(labels=np.full(n, -1, dtype=np.int64), members=[], hh=[])
        free = [True] * n
        udeg = [len(v) for v in nbrs]
        noise = (rng.random(n) * jitter).tolist()
        heap = [(udeg[i] + noise[i], i) for i in range(n)]

        # The heap picks the next seed (fewest free neighbours); seeds are only picked between
        # regions, so a unit whose count drops is queued once, when the region closes.
        touched: set[int] = set()

        def take(i: int) -> None:
            free[i] = False
            for j in nbrs[i]:
                if free[j]:
                    udeg[j] -= 1
                    touched.add(j)

        def requeue() -> None:
            for j in touched:
                if free[j]:
                    heapq.heappush(heap, (udeg[j] + noise[j], j))
            touched.clear()

        # A unit that meets the floor alone is a zone alone (never wastes a zone's worth).
        for i in range(n):
            if hh[i] >= floor:
                state.add_zone([i], hh[i])
                take(i)
        requeue()
        heapq.heapify(heap)
        k = len(zl[0]) if zl else 0
        while heap:
            key, seed = heapq.heappop(heap)
            if not free[seed] or key != udeg[seed] + noise[seed]:
                continue  # taken, or a stale key
            region = [seed]
            take(seed)
            total = hh[seed]
            zsum = list(zl[seed])
            sx, sy = xyl[seed]
            frontier = {j: None for j in nbrs[seed] if free[j]}
            ok = True
            while total < floor:
                room = cap - total
                cands = [c for c in frontier if free[c] and hh[c] <= room]
                if limited:
                    cands = [c for c in cands if self._fits_diameter(c, region)]
                if not cands:
                    ok = False
                    break
                closing = [c for c in cands if total + hh[c] >= floor]
                if closing:
                    low = min(hh[c] for c in closing)
                    pick = [c for c in closing if hh[c] <= low + _EPS]
                    c = pick[0] if len(pick) == 1 else min(
                        pick, key=lambda u: (self._cost_to(u, region), u))
                else:
                    size = len(region)
                    mean = [v / size for v in zsum]
                    best, best_score = -1, math.inf
                    for u in cands:
                        zu = zl[u]
                        attr = 0.0
                        for q in range(k):
                            attr += abs(zu[q] - mean[q])
                        ux, uy = xyl[u]
                        score = (udeg[u] + 0.5 * attr + 0.5 * math.hypot(ux - sx, uy - sy) / scale
                                 + noise[u])
                        if score < best_score:
                            best, best_score = u, score
                    c = best
                region.append(c)
                take(c)
                total += hh[c]
                zc = zl[c]
                for q in range(k):
                    zsum[q] += zc[q]
                frontier.pop(c, None)
                for j in nbrs[c]:
                    if free[j]:
                        frontier[j] = None
            if ok:
                state.add_zone(region, total)
            requeue()
            # a failed region stays unassigned (label -1) and is absorbed later
        return state

    def _absorb_leftovers(self, state: _State) -> None:
        """Leftover units join a neighbouring zone; the rest become zones of their own."""
        labels, hh, nbrs = state.labels, self._hh, self._nbrs
        changed = True
        while changed:
            changed = False
            for i in np.flatnonzero(labels < 0).tolist():
                best, best_cost = -1, np.inf
                for k in sorted({int(labels[j]) for j in nbrs[i] if labels[j] >= 0}):
                    if state.hh[k] + hh[i] > self._cap + _EPS:
                        continue
                    if not self._fits_diameter(i, state.members[k]):
                        continue
                    # prefer zones still below the floor, then the least dissimilar
                    cost = self._cost_to(i, state.members[k]) / max(len(state.members[k]), 1)
                    if state.hh[k] < self._floor - _EPS:
                        cost -= 1e6
                    if cost < best_cost:
                        best, best_cost = k, cost
                if best >= 0:
                    state.members[best].append(i)
                    state.hh[best] += hh[i]
                    labels[i] = best
                    changed = True
        # group what is left into connected pieces: each becomes a zone of its own. All at
        # once: no leftover touches another's piece (it would be in it) and no zone changed,
        # so a pass between two pieces could absorb nothing (it made this quadratic: 25 s for
        # 2,000 leftovers of a 5,000-compound district)
        for start in np.flatnonzero(labels < 0).tolist():
            if labels[start] < 0:
                piece = self._piece(start, labels)
                state.add_zone(piece, float(hh[piece].sum()))

    def _piece(self, start: int, labels: np.ndarray) -> list[int]:
        seen = {start}
        queue = deque([start])
        while queue:
            u = queue.popleft()
            for v in self._nbrs[u]:
                if labels[v] < 0 and v not in seen:
                    seen.add(v)
                    queue.append(v)
        return sorted(seen)

    # --- local search -----------------------------------------------------------------------

    def _connected_without(self, members: list[int], drop: int) -> bool:
        rest = [u for u in members if u != drop]
        return len(rest) == 1 or (len(rest) > 1 and self._connected(rest))

    def _improve(self, state: _State, rng: np.random.Generator, *, max_passes: int = 25) -> None:
        labels, hh, nbrs = state.labels, self._hhl, self._nbrs
        lab = labels.tolist()  # plain ints: far quicker to read one at a time than numpy
        feasible = [self._feasible_zone(m, h) for m, h in zip(state.members, state.hh,
                                                                strict=True)]
        swept = False  # an exchange pass has run
        changed: set[int] = set()  # zones changed since the last exchange pass began
        for _ in range(max_passes):
            moved = 0
            for i in rng.permutation(self._n).tolist():
                a = lab[i]
                if a < 0 or not feasible[a] or len(state.members[a]) < 2:
                    continue
                if state.hh[a] - hh[i] < self._floor - _EPS:
                    continue
                targets = sorted({lab[j] for j in nbrs[i]} - {a})
                targets = [b for b in targets if b >= 0 and feasible[b]
                           and state.hh[b] + hh[i] <= self._cap + _EPS]
                if not targets:
                    continue
                members_a = state.members[a]
                stay = self._cost_to(i, members_a) - 0.0
                best, best_gain = -1, _EPS
                for b in targets:
                    gain = stay - self._cost_to(i, state.members[b])
                    if gain > best_gain and self._fits_diameter(i, state.members[b]):
                        best, best_gain = b, gain
                if best < 0 or not self._connected_without(members_a, i):
                    continue
                members_a.remove(i)
                state.hh[a] -= hh[i]
                state.members[best].append(i)
                state.hh[best] += hh[i]
                labels[i] = lab[i] = best
                changed.update((a, best))
                moved += 1
            if moved:
                continue
            if swept and not changed:
                break
            # the first exchange pass tries every unit, later ones only around changed zones
            scope = changed if swept else None
            changed, swept = set(), True
            if not self._swap_pass(state, lab, rng, feasible, dirty=scope, changed=changed):
                break

    def _swap_pass(self, state: _State, lab: list[int], rng: np.random.Generator,
                   feasible: list[bool], *, dirty: set[int] | None, changed: set[int]) -> int:
        """Exchange two boundary units between neighbouring zones when that lowers the cost.

        Zones of a max-p partition sit just above the floor, so most single moves are refused;
        an exchange keeps both zones' households near where they were.  The gain of ``i`` (in A)
        and ``j`` (in B) changing places is ``C(i, A) + C(j, B) - C(i, B) - C(j, A) + 2 d(i, j)``
        with ``C`` the cost to every member and ``d`` the cost of the pair.  Only units in or
        next to a ``dirty`` zone are tried (None: every unit); zones changed go to ``changed``;
        ``lab`` is ``state.labels`` as a list, kept in step.
        """
        labels, hh, nbrs = state.labels, self._hhl, self._nbrs
        floor, cap = self._floor - _EPS, self._cap + _EPS
        swapped = 0
        cache: dict[int, dict[int, float]] = {}  # zone -> unit -> cost to the zone's members

        def cost(u: int, zone: int) -> float:
            known = cache.setdefault(zone, {})
            if u not in known:
                known[u] = self._cost_to(u, state.members[zone])
            return known[u]

        for i in rng.permutation(self._n).tolist():
            a = lab[i]
            if a < 0 or not feasible[a] or len(state.members[a]) < 2:
                continue
            if dirty is not None and a not in dirty and not any(
                    lab[v] in dirty for v in nbrs[i]):
                continue
            hi, ha0 = hh[i], state.hh[a]
            pairs = []
            for b in sorted({lab[v] for v in nbrs[i]} - {a}):
                if b < 0 or not feasible[b] or len(state.members[b]) < 2:
                    continue
                hb0 = state.hh[b]
                for j in state.members[b]:
                    # both zones stay within their bounds; j touches what is left of A
                    hj = hh[j]
                    if not (floor <= ha0 - hi + hj <= cap and floor <= hb0 - hj + hi <= cap):
                        continue
                    if any(lab[v] == a and v != i for v in nbrs[j]):
                        pairs.append((b, j))
            if not pairs:
                continue
            members_a = state.members[a]
            c_ia = cost(i, a)
            gains = []
            for b, j in pairs:
                gain = (c_ia + cost(j, b) - cost(i, b) - cost(j, a)
                        + 2 * self._cost_to(i, [j]))
                if gain > _EPS:
                    gains.append((-gain, b, j))
            # the best exchange that keeps both zones whole and within the diameter
            for _, b, j in sorted(gains):
                new_a = [u for u in members_a if u != i] + [j]
                new_b = [u for u in state.members[b] if u != j] + [i]
                if self._dmax != math.inf and (
                        self._diameter(new_a) > self._dmax + _EPS
                        or self._diameter(new_b) > self._dmax + _EPS):
                    continue
                if self._connected(new_a) and self._connected(new_b):
                    break
            else:
                continue
            state.members[a], state.members[b] = new_a, new_b
            state.hh[a] += hh[j] - hh[i]
            state.hh[b] += hh[i] - hh[j]
            labels[i], labels[j] = b, a
            lab[i], lab[j] = b, a
            changed.update((a, b))
            cache.pop(a, None)
            cache.pop(b, None)
            swapped += 1
        return swapped

    def _connected(self, units: list[int]) -> bool:
        rest = set(units)
        start = units[0]
        seen = {start}
        stack = [start]
        while stack:
            u = stack.pop()
            for v in self._nbrs[u]:
                if v in rest and v not in seen:
                    seen.add(v)
                    stack.append(v)
        return len(seen) == len(rest)

    def _merge_to_target(self, state: _State) -> None:
        """Merge neighbouring feasible zones (least dissimilarity added) down to ``n_zones``."""
        target = int(self.n_zones or 0)
        while self._count_feasible(state) > target:
            feasible = {k for k, (m, h) in enumerate(zip(state.members, state.hh, strict=True))
                        if m and self._feasible_zone(m, h)}
            best: tuple[float, int, int] | None = None
            for a in sorted(feasible):
                touching = sorted({int(state.labels[j]) for i in state.members[a]
                                   for j in self._nbrs[i]} & feasible)
                for b in touching:
                    if b <= a or state.hh[a] + state.hh[b] > self._cap + _EPS:
                        continue
                    both = state.members[a] + state.members[b]
                    if self._diameter(both) > self._dmax + _EPS:
                        continue
                    cost = sum(self._cost_to(i, state.members[b]) for i in state.members[a])
                    if best is None or cost < best[0]:
                        best = (cost, a, b)
            if best is None:
                break
            _, a, b = best
            for i in state.members[b]:
                state.labels[i] = a
            state.members[a].extend(state.members[b])
            state.hh[a] += state.hh[b]
            state.members[b] = []
            state.hh[b] = 0.0

    # --- islands and small groups ------------------------------------------------------------

    def _join_small_groups(self, state: _State) -> None:
        """Zones below the floor join the nearest feasible zone along ``join`` links."""
        self._joined = np.full(self._n, np.nan)
        if self.join is None:
            return
        j = sparse.csr_array(self.join)
        feasible = [bool(m) and self._feasible_zone(m, h)
                    for m, h in zip(state.members, state.hh, strict=True)]
        for k, members in enumerate(state.members):
            if not members or feasible[k] or state.hh[k] >= self._floor - _EPS:
                continue
            best: tuple[float, int] | None = None
            for i in members:
                lo, hi = j.indptr[i], j.indptr[i + 1]
                for t, gap in zip(j.indices[lo:hi], j.data[lo:hi], strict=True):
                    b = int(state.labels[t])
                    if b == k or b < 0 or not feasible[b]:
                        continue
                    if state.hh[b] + state.hh[k] > self._cap + _EPS:
                        continue
                    if self._diameter(state.members[b] + members) > self._dmax + _EPS:
                        continue
                    if best is None or (float(gap), b) < best:
                        best = (float(gap), b)
            if best is None:
                continue
            gap, b = best
            for i in members:
                state.labels[i] = b
                self._joined[i] = gap
            state.members[b].extend(members)
            state.hh[b] += state.hh[k]
            state.members[k] = []
            state.hh[k] = 0.0

    # --- results ----------------------------------------------------------------------------

    def _finish(self, state: _State) -> None:
        zones = [m for m in state.members if m]
        # stable order: by each zone's westmost, then southmost member centroid
        keys = []
        for m in zones:
            p = self._xy[np.asarray(m)]
            k = int(np.lexsort((p[:, 1], p[:, 0]))[0])
            keys.append((round(float(p[k, 0]), 3), round(float(p[k, 1]), 3), min(m)))
        order = sorted(range(len(zones)), key=lambda q: keys[q])
        labels = np.full(self._n, -1, dtype=np.int64)
        members = [sorted(zones[q]) for q in order]
        for new, m in enumerate(members):
            labels[m] = new
        hh = np.array([self._hh[m].sum() for m in members], dtype=float)
        diam = np.array([self._diameter(m) for m in members], dtype=float)
        reasons = []
        for h, d in zip(hh, diam, strict=True):
            codes = []
            if h < self._floor - _EPS:
                codes.append("below_min")
            if h > self._cap + _EPS:
                codes.append("above_max")
            if d > self._dmax + _EPS:
                codes.append("diameter")
            reasons.append(";".join(codes))
        final = _State(labels=labels, members=members, hh=list(hh))
        self.labels_ = labels
        self.members_ = members
        self.households_ = hh
        self.diameter_m_ = diam * float(self.detour_factor)
        self.reasons_ = reasons
        self.feasible_ = np.array([r == "" for r in reasons], dtype=bool)
        self.n_zones_ = int(self.feasible_.sum())
        self.joined_ = self._joined
        self.heterogeneity_ = self._dissimilarity(final, spatial=False)
        self.objective_ = self._dissimilarity(final)


def _zscore(x: np.ndarray) -> np.ndarray:
    """Z-scores per column; missing values take the column median, constant columns 0."""
    out = np.zeros_like(x, dtype=float)
    for c in range(x.shape[1]):
        col = x[:, c].copy()
        ok = np.isfinite(col)
        if not ok.any():
            continue
        col[~ok] = np.median(col[ok])
        sd = col.std()
        out[:, c] = (col - col.mean()) / sd if sd > 0 else 0.0
    return out
