"""The model: invariants every year, seeding, agents reachable, upper-level turnover."""

import copy
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from mesa import Agent

import incentsim
from incentsim.agents import _draws_kernel
from incentsim.agents._sums_kernel import ordered_row_sums, row_sums, segment_sums
from incentsim.agents.leader import Leader, _rank_in_member, _term_weight_of
from incentsim.indicators import SCORED
from incentsim.model import IncentModel, InvariantError
from incentsim.outcomes import OUTCOME_NAMES, PANEL_COLUMNS
from incentsim.rules.evaluation import credit
from incentsim.seeding import MemberStreams, bit_generators, stream

TS_REQUIRED = [
    "year",
    "gdp_growth_true",
    "gdp_growth_reported",
    "manipulation_gap",
    "investment_rate",
    "tfp_growth",
    "firm_entry_rate",
    "firm_exit_rate",
    "public_services",
    "pollution",
    "debt_to_gdp",
    "trust_local",
    "trust_central",
    "firm_trust",
    "petitions",
    "promotion_rate",
]
PANEL_REQUIRED = [
    "year",
    "prefecture",
    "province",
    "leader_id",
    "tenure_year",
    "term_length",
    "age",
    "insider",
    "connected",
    "ability",
    "investment_share",
    "public_services_share",
    "environment_share",
    "subsidy_share",
    "manipulation",
    "gdp_growth_true",
    "gdp_growth_reported",
    "evaluated",
    "promoted",
    "dismissed",
]


def test_result_frames_have_the_promised_columns(tiny):
    res = incentsim.simulate(tiny, seed=0)
    assert set(TS_REQUIRED) <= set(res.timeseries.columns)
    assert list(res.timeseries.columns) == ["year", *OUTCOME_NAMES]
    assert set(PANEL_REQUIRED) <= set(res.leaders.columns) == set(PANEL_COLUMNS)
    h = tiny["world"]["horizon"]
    assert list(res.timeseries.year) == list(range(1, h + 1))
    assert len(res.leaders) == h * 6
    assert res.leaders.groupby("year").prefecture.nunique().eq(6).all()


@pytest.mark.parametrize("rule", ["gdp_tournament", "citizen_satisfaction", "random"])
def test_invariants_hold_every_year(tiny, rule):
    tiny["promotion"] = {"rule": rule}
    tiny["accountability"] = {
        "statistical_audit": {},
        "petition_channel": {},
        "performance_transfers": {},
    }
    model = IncentModel(tiny, seed=2)
    for _ in range(12):
        model.step()
        st, f, c = model.state, model.firms, model.citizens
        np.testing.assert_allclose(st.shares.sum(axis=1), 1.0)
        assert (st.shares >= 0).all()
        assert ((c.trust_local >= 0) & (c.trust_local <= 1)).all()
        assert ((c.trust_central >= 0) & (c.trust_central <= 1)).all()
        assert (f.capital >= 0).all() and np.isfinite(f.capital).all()
        assert (f.output[~f.alive] == 0).all(), "only alive firms produce"
        assert (f.output[f.alive & (f.age > 0)] > 0).all()  # entrants produce next year
        assert np.isfinite(st.gdp).all() and (st.gdp > 0).all()
        assert (st.debt >= 0).all() and (st.pollution > 0).all()
        assert len(model.leaders) == model.n_prefectures
        assert [ld.prefecture for ld in model.leaders] == list(range(model.n_prefectures))


def test_broken_invariant_names_year_prefecture_and_quantity(tiny):
    model = IncentModel(tiny, seed=0)
    model.step()
    model.state.services[4] = np.nan
    with pytest.raises(InvariantError) as info:
        model.check_invariants()
    msg = str(info.value)
    assert "prefecture 4" in msg and "services" in msg and "year" in msg


@pytest.mark.parametrize("off", [1.0005e-5, np.nan, -1.0])
def test_budget_shares_off_one_name_the_prefecture(tiny, off):
    # 1.0005e-5 off: outside the check's tolerance (1e-9 + 1e-5) but inside np.isclose's
    # default one, which once picked the prefecture to name: an IndexError instead
    model = IncentModel(tiny, seed=0)
    model.step()
    model.state.shares[3, 0] += off
    with pytest.raises(InvariantError) as info:
        model.check_invariants()
    assert "prefecture 3" in str(info.value) and "budget shares" in str(info.value)
    model.state.shares[3, 0] -= 0.0 if np.isnan(off) else off - 0.9e-5  # within: passes
    if not np.isnan(off):
        model.check_invariants()


@pytest.mark.parametrize(
    ("value", "broken"),
    [(-0.0, False), (0.0, False), (1.0, False), (np.nan, True), (-1e-9, True), (1.0000001, True)],
)
def test_trust_outside_zero_one_breaks_an_invariant_and_minus_zero_does_not(tiny, value, broken):
    model = IncentModel(tiny, seed=0)
    model.step()
    c = model.citizens
    c.trust_central[7] = value  # float32: 1.0000001 is the next float above 1
    if not broken:
        model.check_invariants()
        return
    with pytest.raises(InvariantError) as info:
        model.check_invariants()
    assert "trust_central" in str(info.value)
    assert f"prefecture {int(c.prefecture[7])}" in str(info.value)


@pytest.mark.parametrize(
    ("value", "broken"), [(-0.0, False), (np.inf, True), (np.nan, True), (-1.0, True)]
)
def test_firm_capital_below_zero_or_not_finite_breaks_an_invariant(tiny, value, broken):
    model = IncentModel(tiny, seed=0)
    model.step()
    f = model.firms
    f.capital[3] = value
    if not broken:
        model.check_invariants()
        return
    with pytest.raises(InvariantError, match="firm capital"):
        model.check_invariants()


def test_output_of_a_dead_firm_breaks_an_invariant(tiny):
    model = IncentModel(tiny, seed=0)
    model.step()
    model.check_invariants()
    f = model.firms
    dead = int(np.flatnonzero(~f.alive)[0])
    f.output[dead] = 1.0
    with pytest.raises(InvariantError) as info:
        model.check_invariants()
    msg = str(info.value)
    assert "output of a dead firm" in msg and f"prefecture {int(f.prefecture[dead])}" in msg


def test_prefecture_means_are_numpys_means_of_the_citizens_after_redress(tiny):
    """The year's per-prefecture means of satisfaction, expected income growth and
    petitions (made in the citizens' step, mended where petitions were redressed) are
    numpy's means of the citizens' columns as the year leaves them, bit for bit."""
    tiny["world"]["citizens_per_prefecture"] = 300  # numpy's pairwise sums split rows
    tiny["behaviour"] = {"petition_threshold": 0.9}
    tiny["accountability"] = {"petition_channel": {"redress": 0.5}}
    model = IncentModel(tiny, seed=3)
    c, st, rows = model.citizens, model.state, (model.n_prefectures, 300)
    petitioned = 0
    for _ in range(4):
        model.step()
        petitioned += int(np.count_nonzero(c.petitioned))  # some to redress
        sums = [x.reshape(rows).sum(axis=1).astype(np.float64) / 300 for x in (
            c.satisfaction, c.expected_growth)]  # fmt: skip
        np.testing.assert_array_equal(st.satisfaction_mean, sums[0])
        np.testing.assert_array_equal(st.expected_income_growth, sums[1])
        count = np.count_nonzero(c.petitioned.reshape(rows), axis=1)
        np.testing.assert_array_equal(st.petitions, 1000 * count / 300)
    assert petitioned > 0


def test_same_seed_same_frames_different_seed_differs(tiny):
    a, b, c = (incentsim.simulate(tiny, seed=s) for s in (5, 5, 6))
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    pd.testing.assert_frame_equal(a.leaders, b.leaders)
    assert not a.timeseries.equals(c.timeseries)


def test_a_path_a_dict_and_a_scenario_give_the_same_run(tmp_path, tiny):
    import yaml

    p = tmp_path / "tiny.yaml"
    p.write_text(yaml.safe_dump({**tiny, "name": "tiny"}))
    sc = incentsim.load_scenario(p)
    r1 = incentsim.simulate(p, seed=1)
    r2 = incentsim.simulate({**tiny, "name": "tiny"}, seed=1)
    r3 = incentsim.simulate(sc, seed=1)
    pd.testing.assert_frame_equal(r1.timeseries, r2.timeseries)
    pd.testing.assert_frame_equal(r1.timeseries, r3.timeseries)


def test_firms_and_citizens_are_reachable_as_mesa_agents(tiny):
    model = IncentModel(tiny, seed=0)
    model.step()
    firms = model.firms.agents(prefecture=2)
    assert len(firms) == int((model.firms.alive & (model.firms.prefecture == 2)).sum())
    f = next(iter(firms))
    assert isinstance(f, Agent) and f.prefecture == 2 and f.alive
    assert f.capital == model.firms.capital[f.row]
    assert model.firms.agent(f.row) is f  # one view per firm
    citizens = model.citizens.agents(prefecture=1)
    c = next(iter(citizens))
    assert isinstance(c, Agent) and c.prefecture == 1
    assert c.trust_local == model.citizens.trust_local[c.row]
    assert all(model.citizens.prefecture[j] == 1 for j in c.neighbours)
    rich = firms.select(lambda a: a.capital > np.median(model.firms.capital[model.firms.alive]))
    assert 0 < len(rich) < len(firms)


def test_firm_view_follows_the_firm_not_the_slot(tiny):
    model = IncentModel(tiny, seed=0)
    f = model.firms.agent(0)
    model.firms.firm_id[0] = 10**9  # slot reused by an entrant
    assert f.alive is False and f.capital is None


def test_leaders_are_agents_on_the_prefecture_network(tiny):
    model = IncentModel(tiny, seed=0)
    assert all(isinstance(ld, Leader) for ld in model.leaders)
    for p, ld in enumerate(model.leaders):
        assert ld.cell is model.space[p]
    assert model.space.G.number_of_nodes() == 6
    provinces = {model.space.G.nodes[p]["province"] for p in range(6)}
    assert provinces == {0, 1}


@pytest.mark.parametrize("seed", [1, [1, 2]], ids=["a run", "an ensemble of two"])
def test_leader_views_read_and_write_the_columns_and_follow_the_leader(tiny, seed):
    tiny["tenure"] = {"rotation_prob": 1.0, "reappointment_prob": 0.0, "term_length": 2}
    model = IncentModel(tiny, seed=seed)
    leaders = model.leaders
    views = {(ld.member, ld.leader_id): ld for ld in leaders}
    assert len(views) == model.n_prefectures
    assert [ld.leader_id for ld in leaders] == leaders.leader_id.tolist()
    ld = leaders[2]
    assert ld.age == leaders.age[2] and ld.shares.tolist() == model.state.shares[2].tolist()
    ld.ability = 1.5
    assert leaders.ability[2] == 1.5
    for _ in range(6):
        model.step()
        for (member, lid), view in views.items():
            rows = np.flatnonzero((model.member == member) & (leaders.leader_id == lid))
            if len(rows):  # still in post, possibly rotated: view and cell follow
                assert view.prefecture == rows[0] and view.cell is model.space[int(rows[0])]
                assert view.tenure_year == leaders.tenure_year[rows[0]]
            else:  # left: out of the model and the network
                assert view.prefecture is None and view.age is None and view.cell is None
                assert view not in model.agents
    assert any(v.prefecture not in (None, p) for p, v in enumerate(views.values()))


def _long(tiny, **tenure):
    tiny["world"]["horizon"] = 40
    tiny["tenure"] = tenure
    return incentsim.simulate(tiny, seed=4).leaders


def test_promotion_only_at_evaluation_and_never_past_the_age_limit(tiny):
    panel = _long(tiny, promotion_age_limit=55, retirement_age=60)
    promoted = panel[panel.promoted]
    assert len(promoted) > 0
    assert promoted.evaluated.all()
    assert (promoted.age < 55).all()
    assert (panel.age < 61).all()


def test_no_reappointment_means_no_second_terms(tiny):
    panel = _long(tiny, reappointment_prob=0.0, early_turnover_hazard=0.0, rotation_prob=0.0)
    assert panel.years_in_post.max() <= panel.term_length.max()
    panel = _long(tiny, reappointment_prob=1.0, early_turnover_hazard=0.0, rotation_prob=0.0)
    assert panel.years_in_post.max() > panel.term_length.max()


def test_promotion_slots_limit_promotions_per_province(tiny):
    tiny["promotion"] = {"capacity": 0.0}
    assert not incentsim.simulate(tiny, seed=0).leaders.promoted.any()
    tiny["world"]["horizon"] = 40
    tiny["promotion"] = {"capacity": 1.0 / 3.0, "min_percentile": 0.0}  # one slot a year
    panel = incentsim.simulate(tiny, seed=0).leaders
    assert panel.groupby(["year", "province"]).promoted.sum().max() == 1


def test_insider_probability_controls_appointments(tiny):
    tiny["world"]["horizon"] = 30
    none = _long(dict(tiny), insider_prob=0.0)
    all_in = _long(dict(tiny), insider_prob=1.0, rotation_prob=0.0)
    late = lambda p: p[p.year > 20]  # noqa: E731  (initial leaders have turned over)
    assert not late(none).insider.any()
    assert late(all_in).insider.all()


def _traits_one_by_one(g: np.random.Generator, shape: float, term: int, initial: bool) -> list:
    """A new leader's draws as ``Generator`` calls, in the order appointments make them."""
    u, z = g.random(3).tolist(), g.standard_normal(2).tolist()
    beta, z_perception = g.beta(shape, shape), g.standard_normal()
    return [*u, *z, beta, z_perception, g.integers(0, term) if initial else 0]


@pytest.mark.parametrize("shape", [1e-3, 0.4, 1.0, 2.0, 100.0])
@pytest.mark.parametrize("initial", [True, False])
def test_compiled_trait_draws_are_the_generators_calls_leader_by_leader(shape, initial):
    for seed in range(30):
        ours, theirs = ([stream(seed * 3 + j, "appoint") for j in range(3)] for _ in range(2))
        rng = np.random.default_rng(seed)
        member = rng.integers(0, 3, size=25).astype(np.intp)
        term = rng.integers(1, 9, size=3).astype(np.int64)
        out = np.empty((25, 8))
        _draws_kernel.traits(ours, member, np.full(25, shape), term[member], initial, out)
        want = [_traits_one_by_one(theirs[m], shape, int(term[m]), initial) for m in member]
        assert out.tobytes() == np.array(want, dtype=float).tobytes()
        # the streams go on alike (SFC64 keeps half a word after an integer draw)
        assert [g.integers(0, 7, 3).tolist() + [g.random()] for g in ours] == [
            g.integers(0, 7, 3).tolist() + [g.random()] for g in theirs
        ]


def test_compiled_vacancy_orders_are_the_generators_permutations_member_by_member():
    for seed in range(50):
        ours, theirs = ([stream(seed * 4 + j, "upper") for j in range(4)] for _ in range(2))
        counts = np.random.default_rng(seed).integers(0, 30, size=4)
        got = _draws_kernel.permutations(ours, counts)
        want = np.concatenate([g.permutation(int(c)) for g, c in zip(theirs, counts)])
        assert got.tolist() == want.tolist()
        assert [g.random() for g in ours] == [g.random() for g in theirs]


def test_bit_generators_are_seeded_as_by_a_seed_sequence():
    """The compiled mixing gives the states of ``SFC64(SeedSequence(entropy,
    spawn_key=(key,)))``, at the edges of the entropy's words and out of their range
    (seeded by a SeedSequence then); a population's chunk streams are those of
    ``SeedSequence(draw).spawn(n)``; streams named together are those named one by one."""
    from incentsim.agents.fastrng import spawn_streams

    edges = [0, 1, 2**32 - 1, 2**32, 2**63, 2**64 + 5, 2**128 - 1]
    rng = np.random.default_rng(7)
    pairs = [(e, k) for e in edges for k in (0, 1, 2**32 - 1)]
    pairs += [(int(rng.integers(0, 2**63)), int(rng.integers(0, 2**32))) for _ in range(200)]
    for case in (pairs, [(2**128, 3), *pairs[:5]], [(5, 2**32), *pairs[:5]]):
        want = [np.random.SFC64(np.random.SeedSequence(e, spawn_key=(k,))) for e, k in case]
        got = bit_generators(case)
        assert [g.random_raw(3).tolist() for g in got] == [g.random_raw(3).tolist() for g in want]
    ours, theirs = ([stream(j, "firms") for j in range(3)] for _ in range(2))
    spawned = [
        np.random.SFC64(s)
        for g in theirs
        for s in np.random.SeedSequence(int(g.integers(0, 2**63))).spawn(2)
    ]
    assert [g.random_raw(2).tolist() for g in spawn_streams(ours, 2)] == [
        g.random_raw(2).tolist() for g in spawned
    ]
    together = MemberStreams.named((4, 9), ("world", "mesa"))
    for name, streams in together.items():
        alone = MemberStreams((4, 9), name).members
        assert [g.random() for g in streams.members] == [g.random() for g in alone]


@pytest.mark.parametrize(
    ("low", "high"),
    [(0, 1), (0, 20), (-5, 3), (0, 2**32 - 1), (0, 2**32), (3, 2**32 + 9), (0, 2**40)],
)
def test_members_integers_are_the_generators_calls_member_by_member(low, high):
    """Each member's block is ``Generator.integers(low, high, block)`` of its stream (one
    ``high`` for all, or one per member), drawn compiled: the same numbers, for one value
    (none drawn), ranges of 32-bit words and wider; the streams go on alike."""
    seeds = (3, 8, 21)
    for highs in (high, np.array([high, high + 1, high + 7])):
        ours, theirs = MemberStreams(seeds, "firms"), MemberStreams(seeds, "firms").members
        got = ours.integers(low, highs, 3 * 9)
        each = highs if np.ndim(highs) else [highs] * 3
        want = np.concatenate([g.integers(low, h, 9) for g, h in zip(theirs, each)])
        assert got.dtype == np.int64 and got.tolist() == want.tolist()
        assert [g.integers(0, 7, 3).tolist() + [g.random()] for g in ours.members] == [
            g.integers(0, 7, 3).tolist() + [g.random()] for g in theirs
        ]
    with pytest.raises(ValueError, match="high"):
        ours.integers(low, low, 3)
    with pytest.raises(ValueError, match="split"):
        ours.integers(low, high, 4)


@pytest.mark.parametrize(("per", "n_pref", "rows"), [(2, 3, 2), (3, 6, 1), (7, 9, 3), (300, 3, 2)])
def test_compiled_ties_are_the_generators_integers_tie_by_tie(per, n_pref, rows):
    """Each member draws its block of each tie in turn as ``Generator.integers(1, per)``
    (none when ``per`` is 2), and a citizen ``j`` is tied to ``first + (j + d) % per``;
    the streams go on alike, also from the half word an integer draw leaves."""
    for seed in range(40):
        ours, theirs = ([stream(seed * 3 + j, "citizens") for j in range(3)] for _ in range(2))
        first = np.random.default_rng(seed).integers(0, 99, 3 * n_pref).astype(np.int32)
        got = np.empty((rows, 3 * n_pref * per), np.int32)
        _draws_kernel.ties(ours, per, first, got)
        j = np.tile(np.arange(per), 3 * n_pref)
        d = np.stack([np.concatenate([g.integers(1, per, n_pref * per) for g in theirs])
                      for _ in range(rows)])  # fmt: skip
        assert got.tolist() == (np.repeat(first, per) + (j + d) % per).tolist()
        assert [g.integers(0, 7, 3).tolist() + [g.random()] for g in ours] == [
            g.integers(0, 7, 3).tolist() + [g.random()] for g in theirs
        ]
    with pytest.raises(ValueError, match="2 slots at least"):
        _draws_kernel.ties(ours, 1, first, np.empty((1, 3 * n_pref), np.int32))


@pytest.mark.parametrize(("normals", "uniforms"), [(0, 3), (5, 0), (7, 23)])
def test_compiled_evaluation_draws_are_the_generators_calls_member_by_member(normals, uniforms):
    ours, theirs = ([stream(j, "upper") for j in range(3)] for _ in range(2))
    z, u = _draws_kernel.normals_then_uniforms(ours, normals, uniforms)
    want = [(g.standard_normal(normals), g.random(uniforms)) for g in theirs]
    assert z.tobytes() == np.concatenate([w[0] for w in want]).tobytes()
    assert u.tobytes() == np.stack([w[1] for w in want]).tobytes()
    assert [g.random() for g in ours] == [g.random() for g in theirs]


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 127, 128, 129, 1000, 9000, 80_001])
def test_compiled_float32_row_sums_are_numpys_bit_for_bit(n):
    rng = np.random.default_rng(n)
    for x in (
        rng.random((3, n)),
        rng.standard_normal((2, n)) * 10 ** rng.uniform(-4, 4, (2, n)),
        -np.zeros((1, n)),
    ):
        x = x.astype(np.float32)
        assert row_sums(x).tobytes() == x.sum(axis=1).tobytes()


def _term_weights_leader_by_leader(memory, lag, term, before, years):
    """The evaluation's weight on each leader's term, computed for each leader."""
    j = np.arange(1, years + 1)[None, :]
    memory, lag = (np.reshape(v, (-1, 1)) if np.ndim(v) else v for v in (memory, lag))
    term, before = term[:, None], before[:, None]
    return (memory ** (term - j) * credit(before + j, lag) * (j <= term)).sum(axis=1)


@pytest.mark.parametrize("differ", [False, True])
def test_term_weights_from_the_table_are_each_leaders_own(differ):
    """The table (made once, grown when a leader's years before the term fall outside
    it) gives each leader the numbers of their own sum, bit for bit."""
    rng = np.random.default_rng(int(differ))
    k, per, years = 3, 8, 5
    memory, lag = (rng.uniform(0.3, 0.9, k) if differ else 0.8 for _ in range(2))
    member = np.repeat(np.arange(k), per)
    params = SimpleNamespace(
        per_member=lambda p: {"promotion.memory": memory, "promotion.attribution_lag": lag}[p]
    )
    model = SimpleNamespace(member=member, n_members=k, params=params)
    for year in range(8):  # befores from negative (initial leaders) to ever larger
        term = rng.integers(1, years + 1, k * per).astype(float)
        tenure = np.minimum(rng.integers(0, years + 1, k * per), term)
        in_post = np.maximum(tenure + rng.integers(-years, 1 + 6 * year, k * per), 0.0)
        tr = {"k": term - tenure, "term": term, "in_post": in_post}
        got = _term_weight_of(model, tr, slice(None), years)
        own = [v[member] if np.ndim(v) else v for v in (memory, lag)]
        want = _term_weights_leader_by_leader(*own, term, in_post - tenure, years)
        assert got.tobytes() == want.tobytes()


def test_compiled_segment_sums_are_numpys_sums_of_each_segment():
    rng = np.random.default_rng(3)
    for _ in range(200):
        counts = rng.integers(0, 300 if rng.random() < 0.5 else 12, size=4)
        x = rng.standard_normal(counts.sum()) * 10 ** rng.uniform(-4, 4, counts.sum())
        ends = np.cumsum(counts)
        want = [x[e - c : e].sum() for c, e in zip(counts, ends)]
        assert segment_sums(x, counts).tobytes() == np.array(want).tobytes()


@pytest.mark.parametrize(("rows", "n"), [(0, 3), (4, 0), (1, 1), (7, 150), (480, 150)])
def test_compiled_ordered_row_sums_are_bincounts_sums(rows, n):
    """Each row summed value after value, as ``np.bincount`` sums the weights of a bin
    (not pairwise, as ``sum``: the two differ on these values)."""
    rng = np.random.default_rng(rows + n)
    x = rng.standard_normal((rows, n)) * 10 ** rng.uniform(-8, 8, (rows, n))
    want = np.bincount(np.repeat(np.arange(rows), n), x.ravel(), rows)
    assert ordered_row_sums(x).tobytes() == want.tobytes()
    assert rows * n < 1000 or not np.array_equal(want, x.sum(axis=1))


def test_a_copied_model_draws_from_its_own_streams(tiny):
    """A deep copy of a model mid-run steps on its own: the original's streams do not
    move (compiled draws take the generators' addresses at each call, not once)."""
    original, alone = IncentModel(tiny, seed=3), IncentModel(tiny, seed=3)
    for _ in range(4):
        original.step()
        alone.step()
    copied = copy.deepcopy(original)
    for _ in range(3):
        copied.step()
    for _ in range(3):
        original.step()
        alone.step()
    for model in (original, copied):
        assert model.state.gdp.tobytes() == alone.state.gdp.tobytes()
        assert model.leaders.leader_id.tolist() == alone.leaders.leader_id.tolist()


def test_peer_means_are_numpys_province_means_bit_for_bit(tiny):
    """The compiled province sums (float64) and numpy's (other types) give the numbers
    of numpy's sum over each province's prefectures, -0.0 included."""
    model = IncentModel(tiny, seed=[0, 1, 2])
    up, rng = model.upper, np.random.default_rng(5)
    x = rng.standard_normal((7, model.n_prefectures)) * 10 ** rng.uniform(-4, 4, (7, 1))
    x[2] = -0.0
    x[3, : up.per] = -0.0
    for values in (x, x[1], x.astype(np.float32)):
        sums = values.reshape(*values.shape[:-1], up.n_prov, up.per).sum(axis=-1)
        want = np.repeat(sums / up.per, up.per, axis=-1)
        assert up.peer_mean(values).tobytes() == want.tobytes()


def test_evaluation_context_and_term_averages_are_the_one_at_a_time_numbers(tiny):
    """Scales repeated for each member's prefectures are each member's own
    (:meth:`IncentModel.scale`); term averages whether every term has begun or not."""
    model = IncentModel(tiny, seed=[0, 1, 2])
    st, some_unstarted = model.state, False
    for _ in range(4):
        model.step()
        some_unstarted |= not (st.term_weight > 0).all()
        for fill in (None, 0.5):  # as stepped; then every term begun
            if fill is not None:
                st.term_weight = np.where(st.term_weight > 0, st.term_weight, fill)
            started = st.term_weight > 0
            weight = np.where(started, st.term_weight, 1.0)
            want = [np.where(started, st.term_sum[k] / weight, st.indicators[k]) for k in SCORED]
            assert model.upper.term_averages().tobytes() == np.array(want).tobytes()
        ctx = model.upper.forecast_context()
        for k in SCORED:
            assert ctx.scale[k].tobytes() == model.scale(k)[:, None].tobytes()
        assert len(np.unique(model.scale("growth"))) == 3  # the members' scales differ
    assert some_unstarted


def test_new_terms_reset_the_stacked_record_and_the_states_names_read_it(tiny):
    """_reset_terms writes the stacked term record at flat indices: the reset prefectures'
    sums and weights are zero and their baselines this year's indicators, the others'
    untouched; the state's records by name are the stacks' rows."""
    model = IncentModel(tiny, seed=[0, 1])
    for _ in range(3):
        model.step()
    st = model.state
    model.term_sums += 1.0  # every sum nonzero before the reset
    before = [a.copy() for a in (model.term_sums, model.term_baselines, st.term_weight)]
    mask = np.random.default_rng(3).random(model.n_prefectures) < 0.4
    model._reset_terms(mask)
    for i, k in enumerate(SCORED):
        assert np.shares_memory(st.term_sum[k], model.term_sums)
        assert (st.term_sum[k] == np.where(mask, 0.0, before[0][i])).all()
        want = np.where(mask, st.indicators[k], before[1][i])
        assert st.term_baseline[k].tobytes() == want.tobytes()
        assert np.shares_memory(st.indicator_scale[k], model.scales)
    assert (st.term_weight == np.where(mask, 0.0, before[2])).all()


def test_state_totals_not_finite_name_the_quantity_and_finite_overflow_passes(tiny):
    model = IncentModel(tiny, seed=0)
    model.step()
    model.state.gdp[:2] = 1e308  # finite: their sum overflows, yet nothing is broken
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.check_invariants()
    model.state.debt[1], model.state.pollution[5] = np.inf, -np.inf  # sums: inf - inf
    with pytest.raises(InvariantError, match="prefecture 5: pollution"):
        model.check_invariants()


@pytest.mark.parametrize("ordered", [True, False])
def test_leader_ids_count_each_members_appointments_in_row_order(ordered):
    rng = np.random.default_rng(int(ordered))
    for _ in range(50):
        mem = np.sort(rng.integers(0, 4, 20)) if ordered else rng.integers(0, 4, 20)
        counts = np.bincount(mem, minlength=4)
        want = [int((mem[:i] == m).sum()) for i, m in enumerate(mem)]
        assert _rank_in_member(mem, counts).tolist() == want


def test_scales_move_toward_numpys_within_province_sd_bit_for_bit(tiny):
    # _update_scales sums provinces and members in compiled calls: numpy's own numbers
    model = IncentModel(tiny, seed=[0, 1, 2])
    model.step()
    st, beh, k = model.state, model.national_behaviour, model.n_members
    x = np.random.default_rng(5).lognormal(size=(len(SCORED), model.n_prefectures))
    before = np.stack([st.indicator_scale[name] for name in SCORED])
    model._update_scales(x.copy())
    x4 = x.reshape(len(SCORED), k, -1, model.per_province)
    dev = (x4 - x4.mean(axis=3, keepdims=True)) ** 2
    sd = np.sqrt(dev.reshape(len(SCORED), k, -1).mean(axis=2))
    a = beh.scale_smoothing
    expect = np.maximum((1 - a) * before + a * sd, model._scale_floors)
    got = np.stack([st.indicator_scale[name] for name in SCORED])
    assert got.tobytes() == expect.tobytes()


@pytest.mark.parametrize("name", ["trust_local", "trust_central"])
def test_a_trust_the_citizens_step_makes_nan_breaks_the_years_invariant(tiny, name):
    # the step's own check reads the kernel's count of trusts outside [0, 1]
    model = IncentModel(tiny, seed=0)
    model.step()
    c = model.citizens
    getattr(c, name)[7] = np.nan  # the kernel's rules carry it into the new trusts
    with pytest.raises(InvariantError) as info:
        model.step()
    assert f"{name} = nan" in str(info.value)
    assert f"year {model.year}, prefecture {int(c.prefecture[7])}" in str(info.value)


def test_citizens_know_their_trusts_in_unit_once_a_step_and_redress_tests_its_own(tiny):
    model = IncentModel(tiny, seed=0)
    c, st, n = model.citizens, model.state, model.n_prefectures
    assert not c.trusts_in_unit()  # no step yet
    model.step()  # its check read the step's count
    assert not c.trusts_in_unit()

    def react():
        c.step(model._wage(), st.services, st.pollution, np.zeros(n), np.zeros(n))

    react()
    assert c.trusts_in_unit() and not c.trusts_in_unit()
    react()
    c.petitioned[:] = True
    c.redress(1.0, np.random.default_rng(0))  # every petitioner settled, in [0, 1]
    assert c.trusts_in_unit()
    react()
    c.petitioned[:] = True
    c.trust_central[5] = np.nan  # settled: min(1, nan + credit) is written back
    c.redress(1.0, np.random.default_rng(0))
    assert not c.trusts_in_unit()
    with pytest.raises(InvariantError, match=r"prefecture \d+: trust_central = nan"):
        model.check_invariants()


def test_firms_know_their_columns_sound_once_a_step(tiny):
    model = IncentModel(tiny, seed=0)
    f = model.firms
    assert not f.columns_sound()  # no step yet
    model.step()  # its check read the step's answer
    assert not f.columns_sound()
    st = model.state
    f.step(np.ones(model.n_prefectures), st.subsidy_rate, 1.0, st.protection, 1.0)
    assert f.columns_sound() and not f.columns_sound()
    dead = int(np.flatnonzero(~f.alive)[0])
    f.output[dead] = 1.0
    with pytest.raises(InvariantError, match="output of a dead firm"):
        model.check_invariants()


@pytest.mark.parametrize("shape", [(6, 5, 2), (3, 4, 1), (1, 5, 0), (4, 1, 1)])
def test_an_ensembles_geography_is_each_members_alone_side_by_side(shape):
    # the members' links are made unique in one call: each member's as drawn alone
    from incentsim.world import build_geographies, build_geography

    k, size = 4, shape[0] * shape[1]
    both = build_geographies(*shape, [np.random.default_rng(s) for s in range(k)])
    alone = [build_geography(*shape, np.random.default_rng(s)) for s in range(k)]
    want = np.concatenate([g.edges + j * size for j, g in enumerate(alone)])
    assert both.edges.dtype == want.dtype and both.edges.tolist() == want.tolist()
    for j, g in enumerate(alone):
        rows = slice(j * size, (j + 1) * size)
        assert (both.spillover[rows, rows] != g.spillover).nnz == 0
