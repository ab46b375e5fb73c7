"""Exact reduction of a maximal-covering instance before it goes to the MILP.

Three reductions that never change the optimum of the uncapacitated coverage model (MCLP with
per-group site counts and/or a budget; see :mod:`planning.siting_models`):

1. **Compounds worth nothing are dropped**: zero demand (or weight), or no site in reach. They
   add nothing to the objective whichever sites open.
2. **Dominated sites are dropped**: site ``j`` is dominated by site ``k`` when ``k`` reaches
   every compound ``j`` reaches, both count against the same group's limit and, under a budget,
   ``k`` costs no more. Any plan that opens ``j`` can open ``k`` instead (or simply close ``j``
   when ``k`` is already open): the count per group does not rise, the cost does not rise and
   no compound loses its cover, so some optimal plan avoids every dominated site. Ties (equal
   reach sets) keep one site: the cheaper one, then the lower position. A site that reaches no
   compound of value is dropped outright (closing it never hurts).
3. **Compounds with the same reach set are merged** into one row whose value is the sum: in the
   model, compounds reached by exactly the same sites are served together or not at all.

Why this is exact: dominance is a strict order (larger set first, then lower cost, then lower
position) so it has no cycles and every dropped site has a surviving dominator, the smallest
under that order; the reduced model's plans are exactly the original's plans that avoid the
dropped sites, with the same objective value. The reduced LP relaxation has the same optimum as
the original's (the same exchange argument holds for fractional plans), but it is smaller and
solves faster; branch and bound sees fewer symmetric choices.

Examples
--------
Five compounds, three sites; site 2 reaches a subset of site 0's compounds, compounds 0 and 1
are reached by the same sites, and no site reaches compound 4:

>>> import numpy as np
>>> import scipy.sparse as sp
>>> a = sp.csr_array(np.array([[1, 0, 1], [1, 0, 1], [1, 1, 0], [0, 1, 0], [0, 0, 0]],
...                           dtype=float))
>>> red = reduce_coverage(a, np.array([2.0, 3, 4, 1, 7]))
>>> red.sites.tolist(), red.value.tolist()
([0, 1], [5.0, 4.0, 1.0])
>>> red.row.tolist(), red.representative.tolist()
([0, 0, 1, 2, -1], [0, 1, 0])
>>> red.to_original(np.array([True, False])).tolist()
[True, False, False]
>>> red.to_reduced(np.array([False, False, True])).tolist()
[True, False]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

__all__ = ["CoverageReduction", "reduce_coverage"]


@dataclass(frozen=True)
class CoverageReduction:
    """A reduced coverage instance and the maps between it and the original.

    Attributes
    ----------
    pattern
        Reduced rows x kept sites, ones where the site reaches the row's compounds.
    value
        Value of each reduced row (the summed ``weight × demand`` of its compounds).
    sites
        Original position of each kept site (increasing).
    row
        Per original compound: its reduced row, or -1 when it was dropped (worth nothing or
        beyond every site's reach).
    representative
        Per original site: the kept site (original position) that dominates it, itself when
        kept, -1 when it reaches nothing of value.
    """

    pattern: sp.csr_array
    value: NDArray[np.float64]
    sites: NDArray[np.int64]
    row: NDArray[np.int64]
    representative: NDArray[np.int64]

    def to_reduced(self, y: NDArray[np.bool_]) -> NDArray[np.bool_]:
        """A plan on the original sites as a plan on the kept ones (dominators replace sites).

        Never worse and never less feasible: each dropped site is replaced by its dominator
        (same group, no dearer, reaching a superset), or closed when it reached nothing.
        """
        opened = self.representative[np.asarray(y, bool)]
        kept = np.zeros(self.representative.size, bool)
        kept[opened[opened >= 0]] = True
        return kept[self.sites]

    def to_original(self, y_reduced: NDArray[np.bool_]) -> NDArray[np.bool_]:
        """A plan on the kept sites as a plan on the original sites."""
        y = np.zeros(self.representative.size, bool)
        y[self.sites[np.asarray(y_reduced, bool)]] = True
        return y

    def covered_original(self, y_reduced: NDArray[np.bool_]) -> NDArray[np.bool_]:
        """Per original compound: whether the reduced plan serves it (through its row)."""
        covered_row = np.asarray(self.pattern @ np.asarray(y_reduced, float)) > 0
        return np.where(self.row >= 0, covered_row[np.maximum(self.row, 0)], False)


def reduce_coverage(pattern: sp.csr_array, value: NDArray[np.float64], *,
                    cost: NDArray[np.float64] | None = None,
                    group: NDArray[np.int64] | None = None,
                    budgeted: bool = False) -> CoverageReduction:
    """Reduce a compounds x sites coverage instance without changing its optimum.

    Parameters
    ----------
    pattern
        Compounds x sites; a stored entry means the site reaches the compound (values ignored).
    value
        ``weight × demand`` per compound (>= 0).
    cost, group
        Per site: cost (only compared when ``budgeted``) and the group whose count limit it
        counts against (default: one group).
    budgeted
        Whether a budget limits the plan; then a site dominates another only if no dearer.

    Returns
    -------
    CoverageReduction
    """
    a = sp.csr_array(pattern)
    a.sort_indices()
    n, m = a.shape
    value = np.asarray(value, float)
    g = np.zeros(m, np.int64) if group is None else np.asarray(group, np.int64)
    c = np.zeros(m) if (cost is None or not budgeted) else np.asarray(cost, float)
    # 1. compounds worth something and within some site's reach
    live = np.flatnonzero((value > 0) & (np.diff(a.indptr) > 0))
    ones = sp.csr_array((np.ones(a.nnz), a.indices, a.indptr), shape=(n, m))[live]
    # 2. dominated sites
    at = sp.csr_array(ones.T)
    size = np.diff(at.indptr)
    overlap = sp.coo_array(at @ ones)
    j, k = overlap.row.astype(np.int64), overlap.col.astype(np.int64)
    # k dominates j: S_j within S_k, same group, no dearer, and first in (size desc, cost, position)
    ahead = (size[k] > size[j]) | ((size[k] == size[j]) & ((c[k] < c[j]) |
                                                           ((c[k] == c[j]) & (k < j))))
    dom = (overlap.data == size[j]) & (j != k) & (g[j] == g[k]) & (c[k] <= c[j]) & ahead
    jj, kk = j[dom], k[dom]
    # the first dominator in that order survives (a dominator of it would dominate j and be
    # earlier still), so it is each dropped site's representative
    order = np.lexsort((kk, c[kk], -size[kk], jj))
    jj, kk = jj[order], kk[order]
    first = np.ones(jj.size, bool)
    first[1:] = jj[1:] != jj[:-1]
    representative = np.arange(m, dtype=np.int64)
    representative[jj[first]] = kk[first]
    representative[size == 0] = -1
    sites = np.flatnonzero(representative == np.arange(m))
    kept = sp.csr_array(ones[:, sites])
    kept.sort_indices()
    # 3. merge compounds with the same reach set among the kept sites
    keys: dict[bytes, int] = {}
    label = np.empty(live.size, np.int64)
    for r in range(live.size):
        key = kept.indices[kept.indptr[r]:kept.indptr[r + 1]].tobytes()
        label[r] = keys.setdefault(key, len(keys))
    firsts = np.unique(label, return_index=True)[1]
    row = np.full(n, -1, np.int64)
    row[live] = label
    return CoverageReduction(
        pattern=sp.csr_array(kept[firsts]),
        value=np.bincount(label, weights=value[live], minlength=firsts.size).astype(float),
        sites=sites.astype(np.int64),
        row=row,
        representative=representative,
    )
