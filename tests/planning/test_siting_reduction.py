"""The exact coverage reduction: same optimum as brute force, plans map back exactly."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from planning.siting_models import MaximalCoverage
from planning.siting_reduction import reduce_coverage


def _awkward_instance(rng, n=11, m=7):
    """Random reach with the cases the reduction targets built in.

    Duplicate sites (equal sets, equal or different cost), a site inside another's set, twin
    compounds, a compound nobody reaches, zero demand, two groups, costs with ties.
    """
    cover = rng.uniform(size=(n, m)) < 0.35
    cover[:, 1] = cover[:, 0]  # equal sets
    cover[:, 3] = cover[:, 2] & (rng.uniform(size=n) < 0.6)  # subset of site 2
    cover[1] = cover[0]  # twin compounds
    cover[2] = False  # beyond every site's reach
    demand = rng.integers(0, 6, n).astype(float)
    demand[4] = 0.0
    cost = rng.integers(1, 4, m).astype(float)
    group = rng.integers(0, 2, m)
    return cover, demand, cost, group


def _plans(m, group, cost, limit, budget):
    for k in range(m + 1):
        for subset in itertools.combinations(range(m), k):
            sub = list(subset)
            if (np.bincount(group[sub], minlength=limit.size) > limit).any():
                continue
            if budget is not None and cost[sub].sum() > budget + 1e-9:
                continue
            y = np.zeros(m, bool)
            y[sub] = True
            yield y


def _brute(cover, value, cost, group, limit, budget):
    best = 0.0
    for y in _plans(cover.shape[1], group, cost, limit, budget):
        best = max(best, float(value[cover[:, y].any(axis=1)].sum()))
    return best


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("budget", [None, 5.0])
def test_reduction_keeps_the_optimum(seed, budget):
    cover, demand, cost, group = _awkward_instance(np.random.default_rng(seed))
    limit = np.array([2, 1])
    red = reduce_coverage(sp.csr_array(cover.astype(float)), demand, cost=cost, group=group,
                          budgeted=budget is not None)
    assert red.sites.size < cover.shape[1]  # the duplicate at least goes
    live = np.flatnonzero((demand > 0) & cover.any(axis=1))
    distinct = {tuple(np.flatnonzero(cover[i, red.sites])) for i in live}
    assert red.pattern.shape[0] == len(distinct)
    reduced = red.pattern.toarray() > 0
    expected = _brute(cover, demand, cost, group, limit, budget)
    got = _brute(reduced, red.value, cost[red.sites], group[red.sites], limit, budget)
    assert got == pytest.approx(expected)
    # and the MILP, which now solves the reduced model, agrees with brute force
    reach = sp.csr_array(np.where(cover, 100.0, 0.0))
    model = MaximalCoverage(max_sites=limit, budget=budget, method="milp",
                            mip_rel_gap=0.0).solve(reach, demand, cost=cost, group=group)
    assert model.objective_ == pytest.approx(expected)
    assert model.bound_ == pytest.approx(expected, rel=1e-6)
    assert (np.bincount(group[model.selected_], minlength=2) <= limit).all()
    if budget is not None:
        assert cost[model.selected_].sum() <= budget + 1e-9
    # the heuristic's LP bound comes from the reduced LP: still an upper bound
    heur = MaximalCoverage(max_sites=limit, budget=budget, method="heuristic").solve(
        reach, demand, cost=cost, group=group)
    assert heur.bound_ >= expected - 1e-6


@pytest.mark.parametrize("seed", range(4))
def test_reduced_plans_map_back_to_sites_and_compounds_exactly(seed):
    cover, demand, cost, group = _awkward_instance(np.random.default_rng(50 + seed))
    red = reduce_coverage(sp.csr_array(cover.astype(float)), demand, cost=cost, group=group,
                          budgeted=True)
    reduced = red.pattern.toarray() > 0
    for k in range(red.sites.size + 1):
        for subset in itertools.combinations(range(red.sites.size), k):
            y_red = np.zeros(red.sites.size, bool)
            y_red[list(subset)] = True
            y = red.to_original(y_red)
            assert np.flatnonzero(y).tolist() == red.sites[list(subset)].tolist()
            covered = cover[:, y].any(axis=1)
            # compound by compound: served in the original iff its row is, dropped ones
            # (no value or no reach) count as unserved
            live = (demand > 0) & cover.any(axis=1)
            np.testing.assert_array_equal(red.covered_original(y_red), covered & live)
            value_red = float(red.value[reduced[:, y_red].any(axis=1)].sum())
            assert value_red == pytest.approx(float(demand[covered].sum()))


@pytest.mark.parametrize("seed", range(4))
def test_original_plans_map_to_reduced_plans_no_worse(seed):
    cover, demand, cost, group = _awkward_instance(np.random.default_rng(90 + seed))
    red = reduce_coverage(sp.csr_array(cover.astype(float)), demand, cost=cost, group=group,
                          budgeted=True)
    reduced = red.pattern.toarray() > 0
    for y in _plans(cover.shape[1], group, cost, np.array([9, 9]), None):
        y_red = red.to_reduced(y)
        kept = red.sites[y_red]
        assert cost[kept].sum() <= cost[y].sum() + 1e-9
        assert (np.bincount(group[kept], minlength=2) <= np.bincount(group[y], minlength=2)).all()
        value_red = float(red.value[reduced[:, y_red].any(axis=1)].sum())
        assert value_red >= float(demand[cover[:, y].any(axis=1)].sum()) - 1e-9


def test_dominance_respects_groups_costs_and_ties():
    # sites 0, 1 equal sets; 2 equal to them but another group; 3 a strict subset of 0 but
    # cheaper; 4 reaches only a compound without demand
    cover = np.array([[1, 1, 1, 1, 0], [1, 1, 1, 0, 0], [0, 0, 0, 0, 1]], dtype=float)
    demand = np.array([3.0, 4.0, 0.0])
    cost = np.array([2.0, 1.0, 2.0, 1.0, 0.0])
    group = np.array([0, 0, 1, 0, 0])
    a = sp.csr_array(cover)
    counted = reduce_coverage(a, demand, cost=cost, group=group, budgeted=False)
    # no budget: cost does not matter, the lower position of the twins stays
    assert counted.sites.tolist() == [0, 2]
    assert counted.representative.tolist() == [0, 0, 2, 0, -1]
    budgeted = reduce_coverage(a, demand, cost=cost, group=group, budgeted=True)
    # budget: the cheaper twin (1) stays and also dominates 3 (superset, same cost)
    assert budgeted.sites.tolist() == [1, 2]
    assert budgeted.representative.tolist() == [1, 1, 2, 1, -1]
    assert budgeted.row.tolist() == [0, 0, -1]  # both compounds now reached by {1, 2}
    assert budgeted.value.tolist() == [7.0]


def test_nothing_of_value_in_reach():
    a = sp.csr_array(np.array([[1.0, 0.0], [0.0, 0.0]]))
    red = reduce_coverage(a, np.array([0.0, 5.0]))
    assert red.sites.size == 0 and red.pattern.shape == (0, 0)
    model = MaximalCoverage(max_sites=1, method="milp").solve(a, np.array([0.0, 5.0]))
    assert model.objective_ == 0.0 and not model.selected_.any()
