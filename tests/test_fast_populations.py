"""The populations' compiled yearly steps (:mod:`incentsim.agents.citizens`,
:mod:`incentsim.agents.firms`) give the numbers of their rules, from the draws
:mod:`incentsim.agents.fastrng` defines; chunks of an ensemble are grouped as designed."""

import subprocess
import sys

import numpy as np
import pytest

from incentsim.agents import fastrng

F32 = np.float32


def _population(per, n_pref, k, seed):
    """A population of ``n_pref`` prefectures of ``per`` citizens with random state,
    set up as :class:`CitizenPopulation` sets one up (chunks, ties, streams), without a
    model."""
    from incentsim.agents.citizens import CitizenPopulation

    rng = np.random.default_rng(seed)
    n = per * n_pref
    pop = CitizenPopulation.__new__(CitizenPopulation)
    pop.per_prefecture, pop.n_pref = per, n_pref
    pop.k = k if per >= 2 else 0
    pop.n_lattice = min(pop.k, 2)
    pop.skill = rng.lognormal(0, 0.3, n).astype(F32)
    pop._income = rng.lognormal(0, 0.3, n).astype(F32)
    pop._expected_growth = rng.normal(0.05, 0.02, n).astype(F32)
    pop._satisfaction = np.zeros(n, F32)
    pop._trust_local = rng.random(n).astype(F32)
    pop._trust_central = rng.random(n).astype(F32)
    pop._petitioned = np.ones(n, bool)
    pop._tally()
    pop._chunks = fastrng.Chunking(n_pref, per, rng)
    pop._ties = pop._random_ties(n_pref, per, pop.k - pop.n_lattice, rng)
    pop._chunks.spawn(rng)
    return pop


def _table(n_pref, seed, **fixed):
    """A parameter table of the kernel: random values per prefecture, some fixed."""
    from incentsim.agents.citizens import KERNEL_PARAMETERS

    rng = np.random.default_rng(seed)
    par = rng.uniform(0.05, 0.6, (len(KERNEL_PARAMETERS), n_pref)).astype(F32)
    names = {name: row for row, name in zip(par, KERNEL_PARAMETERS)}
    names["trapped"][...] = rng.integers(0, 2, n_pref)  # members with and without the trap
    names["neg_weight"] *= -1
    names["shock"][::2] = 0.0
    for name, value in fixed.items():
        names[name][...] = value
    return par, names


def _stream_copy(pop):
    bg = np.random.SFC64()
    bg.state = pop._chunks.streams[0].state
    return bg


@pytest.mark.parametrize("per, n_pref, k", [(3, 5, 2), (40, 6, 6)])
def test_the_kernel_counts_the_columns_of_trust_out_of_zero_one(per, n_pref, k):
    """The kernel counts the columns of trust (local, central) of each segment holding a
    value outside [0, 1]: NaN (the rules clip the rest)."""
    from incentsim.agents.citizens import KERNEL_PARAMETERS

    pop = _population(per, n_pref, k, seed=1)
    par, _ = _table(n_pref, seed=k)
    par[KERNEL_PARAMETERS.index("shock"), 1] = np.nan  # every local trust of prefecture 1
    pop._trust_central[-1] = np.nan  # the last prefecture's last citizen's
    outside = [None]
    pop._step_chunk(0, par, outside)
    assert outside == [2]
    assert np.isnan(pop._trust_local[per : 2 * per]).all()


@pytest.mark.parametrize("per, n_pref, k", [(2, 3, 1), (3, 5, 2), (7, 4, 4), (40, 6, 6), (1, 3, 4)])
def test_the_kernel_follows_rules_1_to_5(per, n_pref, k):
    """With no income shock and no noise, a year of the compiled kernel gives exactly the
    numbers of the rules of incentsim.agents.citizens (float32, each operation rounded,
    in the docstring's order), given the satisfaction it computes, which is the logistic
    of the index to float32 rounding: incomes and expectations; local trust moved
    toward satisfaction (gain rate, Tacitus trap where set, loss rate), pulled toward
    the ring's ``j + 1`` and ``j - 1`` (one of them with ``k = 1``) and the random ties,
    knocked down by a scandal, clipped; trust in the centre; and petitions drawn, one
    uniform per citizen below the threshold, from the stream after the normals."""
    pop = _population(per, n_pref, k, seed=per * 10 + k)
    par, p = _table(n_pref, seed=k, income_sd=0.0, neg_noise=0.0, pthr=0.5)
    old = {c: getattr(pop, c).copy() for c in ("_income", "_expected_growth", "_trust_local",
                                               "_trust_central")}  # fmt: skip
    stream = _stream_copy(pop)
    outside = [None]
    pop._step_chunk(0, par, outside)
    assert outside == [0]  # every trust in [0, 1]

    def rep(name):  # a parameter of each citizen's prefecture
        return np.repeat(p[name], per)

    income = rep("wage") * pop.skill
    surprise = income / old["_income"] - F32(1.0) - old["_expected_growth"]
    np.testing.assert_array_equal(pop._income, income)
    np.testing.assert_array_equal(
        pop._expected_growth, old["_expected_growth"] + surprise * rep("adj")
    )
    x = (surprise * rep("neg_weight") - rep("base")).astype(np.float64)
    np.testing.assert_allclose(pop._satisfaction, 1 / (1 + np.exp(x)), rtol=3e-7)
    sat, tl, tc = pop._satisfaction, old["_trust_local"], old["_trust_central"]
    gap = sat - tl
    up = np.where(rep("trapped") > 0, np.minimum(tl, rep("thr")) * rep("tac"), rep("gain"))
    t = tl + np.where(gap > 0, up * gap, gap * rep("loss"))
    gap_c = np.minimum(sat + rep("premium"), F32(1.0)) - tc
    moved = tc + np.where(gap_c > 0, gap_c * rep("credit"), gap_c * rep("blame"))
    np.testing.assert_array_equal(pop._trust_central, np.clip(moved, 0, 1))
    if pop.k:
        j = np.tile(np.arange(per), n_pref)
        base = np.repeat(np.arange(n_pref) * per, per)
        cols = [base + (j + o) % per for o in (1, -1)[: pop.n_lattice]] + list(pop._ties)
        acc = t[cols[0]]
        for col in cols[1:]:
            acc = acc + t[col]
        t = t * rep("keep") + acc * rep("pull")
    np.testing.assert_array_equal(pop._trust_local, np.clip(t - rep("shock"), 0, 1))
    fastrng.normals(stream, per * n_pref)  # the year's shocks come first
    below = np.flatnonzero(sat < rep("pthr"))
    u = fastrng.uniforms(stream, len(below))
    expect = np.zeros(per * n_pref, bool)
    expect[below] = u < (rep("pthr") - sat)[below] * rep("pscale")[below]
    np.testing.assert_array_equal(pop._petitioned, expect)
    assert 0 < len(below) < per * n_pref or per * n_pref < 20
    assert stream.random_raw() == pop._chunks.streams[0].random_raw()  # as many draws


@pytest.mark.parametrize("n", [1, 2, 9, 4501])
def test_the_kernels_shocks_are_fastrngs_normals(n):
    """The kernel's income shocks are :func:`fastrng.normals` of its stream, to float32
    rounding (its own log, sin and cos), odd and even counts: with wage and skill 1 and
    ``income_shock_sd`` 1, log income is the shock."""
    pop = _population(n, 1, 0, seed=n)
    pop.skill[...] = 1.0
    par, _ = _table(1, seed=n, income_sd=1.0, wage=1.0)
    expect = fastrng.normals(_stream_copy(pop), n)
    pop._step_chunk(0, par, [None])
    np.testing.assert_allclose(np.log(pop._income.astype(np.float64)), expect, rtol=0, atol=2e-6)


def _bits(x):
    return np.asarray(x, F32).view(np.uint32)


@pytest.mark.parametrize("per", [1, 5, 8, 9, 16, 71, 128, 129, 136, 257, 1000, 2003])
def test_the_kernels_sums_are_numpys_row_sums_bit_for_bit(per):
    """The sums of satisfaction and of expected growth the kernel makes in its pass are
    numpy's float32 ``sum`` of each prefecture's row, bit for bit (numpy's pairwise order:
    fewer than 8, blocks of up to 128, splits at multiples of 8), with expectations of
    both signs (they follow growth: ``expectation_adjustment`` 1, a wide income shock);
    its counts of petitioners are numpy's; so are the means read from them."""
    n_pref, signs = 4, set()
    for seed in range(5):
        pop = _population(per, n_pref, 4, seed=seed)
        par, _ = _table(n_pref, seed=seed, adj=1.0, income_sd=2.0, pthr=0.5, wage=1.0)
        for i in range(len(pop._chunks)):
            pop._step_chunk(i, par, [None] * len(pop._chunks))
        rows = (n_pref, per)
        signs |= set(np.sign(pop._expected_growth).tolist())
        for k, col in enumerate((pop._satisfaction, pop._expected_growth)):
            np.testing.assert_array_equal(_bits(pop._sums[k]), _bits(col.reshape(rows).sum(1)))
        count = np.count_nonzero(pop._petitioned.reshape(rows), axis=1)
        np.testing.assert_array_equal(pop._petitions, count)
        means = pop.means(n_pref)
        np.testing.assert_array_equal(
            means["expected_growth"], pop._expected_growth.reshape(rows).sum(1).astype(float) / per
        )
        np.testing.assert_array_equal(means["petitions"], 1000 * count / per)
    assert signs == {-1.0, 1.0}


def test_the_kernels_sums_of_all_minus_zero_are_numpys_plus_zero():
    """numpy's sum starts from +0: a row of -0.0 sums to +0.0, in the kernel too."""
    pop = _population(10, 2, 2, seed=1)
    par, _ = _table(2, seed=1, adj=0.0)
    pop._expected_growth[...] = -0.0
    pop._step_chunk(0, par, [None])
    np.testing.assert_array_equal(_bits(pop._sums[1]), _bits([0.0, 0.0]))


def test_very_unhappy_citizens_have_satisfaction_zero_and_very_happy_ones():
    """exp of a very large argument overflows to inf: satisfaction 0, not NaN; of a very
    small one, 0: satisfaction 1."""
    pop = _population(50, 2, 2, seed=3)
    par, _ = _table(2, seed=3, base=[-500.0, 500.0])
    pop._step_chunk(0, par, [None])
    np.testing.assert_array_equal(pop._satisfaction, np.repeat([0.0, 1.0], 50))


def test_an_ensembles_last_small_group_joins_the_one_before():
    """Members' chunks are grouped up to ``CHUNK_MAX_AGENTS`` agents; a last group under
    half that joins the one before, in order, every chunk in exactly one group; a
    population of one member keeps its own chunks."""
    per, n_pref = 300, 30  # 9,000 citizens a member: 14 to a full group
    own = [(m * n_pref, (m + 1) * n_pref) for m in range(22)]
    assert fastrng.merge_chunks(own[:16], per, 16) == [list(range(16))]
    assert fastrng.merge_chunks(own, per, 22) == [list(range(14)), list(range(14, 22))]
    big = [(m * 100, (m + 1) * 100) for m in range(8)]  # 60,000 agents a chunk
    assert fastrng.merge_chunks(big, 600, 8) == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert fastrng.merge_chunks(big[:5], 600, 5) == [[0, 1], [2, 3, 4]]
    alone = fastrng.chunk_bounds(40, 2000)
    assert len(fastrng.merge_chunks(alone, 2000)) == len(alone) > 1


def _firms(per, n_pref, seed):
    """A firm population of ``n_pref`` prefectures of ``per`` slots with random state,
    chunked as :class:`FirmPopulation` chunks one (streams spawned), without a model."""
    from incentsim.agents.firms import FirmPopulation

    rng = np.random.default_rng(seed)
    n = per * n_pref
    pop = FirmPopulation.__new__(FirmPopulation)
    pop.per_prefecture, pop.n_pref = per, n_pref
    pop.alive = rng.random(n) < 0.7
    pop._productivity = rng.lognormal(0, 0.5, n).astype(F32)
    pop._capital = rng.lognormal(0, 1.0, n).astype(F32)
    pop._output = np.zeros(n, F32)
    pop.protected = np.ones(n, bool)
    pop.age = rng.integers(0, 30, n).astype(np.int16)
    pop._chunks = fastrng.Chunking(n_pref, per, rng)
    pop._chunks.spawn(rng)
    return pop


def _firm_table(n_pref, seed):
    """The firms' kernel parameter table: plausible random values per prefecture."""
    from incentsim.agents.firms import KERNEL_PARAMETERS

    rng = np.random.default_rng(seed)
    alpha = rng.uniform(0.25, 0.4, n_pref)
    p = dict(
        alpha=alpha, drift=rng.uniform(-0.02, 0.02, n_pref), sd=rng.uniform(0.05, 0.2, n_pref),
        env=rng.uniform(0.8, 1.2, n_pref), log_sub=rng.uniform(-0.2, 0.1, n_pref),
        slope=rng.uniform(0.2, 0.8, n_pref), delta=rng.uniform(0.05, 0.1, n_pref),
        max_rate=rng.uniform(0.1, 0.3, n_pref), weak=rng.uniform(0.3, 0.9, n_pref),
        protection=rng.uniform(0.2, 0.8, n_pref), entry=rng.uniform(0.05, 0.4, n_pref),
        frontier=rng.uniform(1.0, 1.5, n_pref), entrant_sd=rng.uniform(0.1, 0.3, n_pref),
        cap_scale=alpha / 0.15, cap_power=1 / (1 - alpha),
        entrant_capital=rng.uniform(0.3, 1, n_pref),
    )  # fmt: skip
    return np.array([p[name] for name in KERNEL_PARAMETERS]), {
        k: v.astype(F32) for k, v in p.items()
    }


@pytest.mark.parametrize("per, n_pref", [(7, 4), (40, 6)])
def test_the_firms_kernel_counts_segments_with_a_broken_slot(per, n_pref):
    """The kernel tests its segment's columns as first_broken does, after the year: an
    alive firm's NaN capital stays NaN (so does its output: the rules carry it)."""
    from incentsim.agents.firms import ROW

    pop = _firms(per, n_pref, seed=3)
    table, _ = _firm_table(n_pref, seed=per)
    i = int(np.flatnonzero(pop.alive)[0])
    pop._capital[i] = np.nan
    broken = [None]
    pop._step_chunk(0, table, np.zeros((len(ROW), n_pref)), [None], broken)
    assert broken == [1]
    assert pop.first_broken()[0] >= 0


@pytest.mark.parametrize("per, n_pref", [(1, 3), (7, 4), (40, 6), (500, 2)])
def test_the_firms_kernel_follows_rules_1_to_5(per, n_pref):
    """A year of the compiled firms' step gives the numbers of the rules of
    incentsim.agents.firms (to float32 rounding: its own exp and log), from fastrng's
    normals and uniforms of the chunk's stream in order: every slot's productivity
    walk; output, investment and capital of alive firms and their prefecture totals;
    the weak alive firms' protection draws and exits; entry into the empty slots and
    the entrants' productivity and capital; and no draw more."""
    from incentsim.agents.firms import ROW

    pop = _firms(per, n_pref, seed=per + n_pref)
    table, p = _firm_table(n_pref, seed=per)
    state = (pop.alive, pop._productivity, pop._capital, pop.age)
    alive, prod, cap, age = (x.copy() for x in state)
    stream = _stream_copy(pop)
    agg, entrants = np.zeros((len(ROW), n_pref)), [None]
    broken = [None]
    pop._step_chunk(0, table, agg, entrants, broken)
    assert broken == [0]  # no slot first_broken would name

    def rep(name):  # a parameter of each slot's prefecture
        return np.repeat(p[name], per).astype(np.float64)

    n = per * n_pref
    e = fastrng.normals(stream, n).astype(np.float64)
    walked = prod * np.exp(rep("drift") + rep("sd") * e)
    old, new = alive, np.isin(np.arange(n), entrants[0])
    kept = old & ~new  # alive all year: their slots not entered again
    np.testing.assert_allclose(pop._productivity[kept], walked[kept], rtol=2e-6)
    # the kernel's walk (entrants' slots: that of the firm that exited)
    walk = np.where(new, walked.astype(F32), pop._productivity)
    a = walk.astype(np.float64)
    kpow = np.where(old, cap.astype(np.float64) ** rep("alpha"), 0.0)
    y = a * kpow * rep("env")
    mpk = rep("alpha") * y / cap * (np.exp(rep("log_sub")))
    log_mpk = np.log(mpk, where=old, out=np.zeros(n))
    rate = np.clip(rep("slope") * log_mpk, -rep("delta"), rep("max_rate"))
    rate = np.where(old, rate, 0.0)
    np.testing.assert_allclose(pop._capital[kept], (cap * (1 + rate))[kept], rtol=2e-5)
    np.testing.assert_array_equal(pop.age[kept], age[kept] + 1)

    def totals(x):
        return np.bincount(np.repeat(np.arange(n_pref), per), x, minlength=n_pref)

    np.testing.assert_allclose(agg[ROW["output"]], totals(y), rtol=2e-5)
    np.testing.assert_allclose(agg[ROW["tfp_num"]], totals(a * kpow), rtol=2e-5)
    np.testing.assert_allclose(agg[ROW["tfp_den"]], totals(kpow), rtol=2e-5)
    np.testing.assert_allclose(agg[ROW["capital"]], totals(np.where(old, cap, 0.0)), rtol=1e-6)
    inv = (rate + rep("delta")) * np.where(old, cap, 0.0)
    np.testing.assert_allclose(agg[ROW["investment"]], totals(inv), rtol=2e-5, atol=1e-6)
    np.testing.assert_array_equal(agg[ROW["alive_start"]], totals(old.astype(float)))
    weak = np.flatnonzero(old & (walk < np.repeat(p["weak"], per)))
    saved = fastrng.uniforms(stream, len(weak)) < rep("protection")[weak]
    np.testing.assert_array_equal(np.flatnonzero(pop.protected), weak[saved])
    after = old.copy()
    after[weak[~saved]] = False
    np.testing.assert_array_equal(agg[ROW["exits"]], totals((old & ~after).astype(float)))
    empty = np.flatnonzero(~after)
    entered = empty[fastrng.uniforms(stream, len(empty)) < rep("entry")[empty]]
    np.testing.assert_array_equal(entrants[0], entered)
    np.testing.assert_array_equal(pop.alive, after | new)
    np.testing.assert_array_equal(agg[ROW["entries"]], totals(new.astype(float)))
    np.testing.assert_array_equal(pop.age[entered], 0)
    z = fastrng.normals(stream, len(entered)).astype(np.float64)
    a_new = rep("frontier")[entered] * np.exp(rep("entrant_sd")[entered] * z)
    np.testing.assert_allclose(pop._productivity[entered], a_new, rtol=2e-6)
    steady = (rep("cap_scale") * rep("env"))[entered] * pop._productivity[entered]
    k_new = rep("entrant_capital")[entered] * steady ** rep("cap_power")[entered]
    np.testing.assert_allclose(pop._capital[entered], k_new, rtol=2e-5)
    np.testing.assert_array_equal(pop._output[~pop.alive | new], 0.0)
    assert len(weak) and len(entered) or n < 20
    assert stream.random_raw() == pop._chunks.streams[0].random_raw()  # as many draws


def test_the_firms_first_broken_slots_are_numpys():
    """The compiled invariant pass finds the first slot of capital below 0, infinite or
    NaN (-0 passes) and the first dead slot with output other than 0 (-0 passes), as
    numpy finds them, wherever they lie (in blocks, before and after each other)."""
    from incentsim.agents._firms_kernel import first_broken

    rng = np.random.default_rng(5)
    n = 5000
    for trial in range(40):
        alive = rng.random(n) < 0.8
        output = np.where(alive, rng.random(n), rng.choice([0.0, -0.0], n)).astype(F32)
        capital = rng.random(n).astype(F32)
        capital[rng.integers(0, n, 3)] = -0.0
        for _ in range(trial % 3):
            capital[rng.integers(0, n)] = rng.choice([-1e-30, np.inf, -np.inf, np.nan])
        for _ in range(trial % 4):
            output[rng.integers(0, n)] = rng.choice([1e-30, np.nan, -2.0])
        bad_capital = ~((capital >= 0) & np.isfinite(capital))
        bad_output = (output != 0) & ~alive
        expect = [int(np.flatnonzero(b)[0]) if b.any() else -1 for b in (bad_capital, bad_output)]
        assert list(first_broken(capital, output, alive.view(np.uint8))) == expect
    assert first_broken(*(np.empty(0, t) for t in (F32, F32, np.uint8))) == (-1, -1)


@pytest.mark.parametrize("n", [0, 1, 2, 7, 4501])
def test_the_set_up_normals_are_fastrngs_normals_and_move_the_stream_alike(n):
    """The populations' initial normals (:func:`fastrng.member_normals` with the compiled
    ``normals``) are :func:`fastrng.normals` of each member's stream to float32 rounding
    (the kernels' own log, sin and cos), float32, each member's block from its own
    stream, which is left where :func:`fastrng.normals` leaves it."""
    from incentsim.agents._citizens_kernel import normals
    from incentsim.seeding import MemberStreams

    streams = MemberStreams((1, 2, 3), "citizens")
    gens, twins = streams.members, MemberStreams((1, 2, 3), "citizens").members
    z = fastrng.member_normals(streams, 3 * n, normals)
    assert z.dtype == F32 and z.shape == (3 * n,)
    for block, twin in zip(z.reshape(3, n), twins, strict=True):
        expect = fastrng.normals(twin.bit_generator, n)
        np.testing.assert_allclose(block, expect, rtol=0, atol=2e-6)
    for g, twin in zip(gens, twins, strict=True):
        assert g.bit_generator.random_raw() == twin.bit_generator.random_raw()


def _sfc64(wrapping):
    """A seeded SFC64 stream; when ``wrapping``, its counter (the state's fourth word) is
    3 below 2**64 (it wraps within a few words) and it holds a buffered 32-bit half,
    which 64-bit words leave alone."""
    bg = np.random.SFC64(11)
    if wrapping:
        st = bg.state
        st["state"]["state"][3] = np.uint64(2**64 - 3)
        st["has_uint32"], st["uinteger"] = 1, 123456789
        bg.state = st
    return bg


def _same_state(a, b):
    """Whether two SFC64 streams are in the same state (words and buffered half)."""
    sa, sb = a.state, b.state
    return np.array_equal(sa["state"]["state"], sb["state"]["state"]) and (
        (sa["has_uint32"], sa["uinteger"]) == (sb["has_uint32"], sb["uinteger"])
    )


@pytest.mark.parametrize("wrapping", [False, True], ids=["seeded", "counter wraps"])
@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 4501])
def test_the_kernels_sfc64_step_is_numpys(n, wrapping):
    """The kernels step SFC64 themselves (kernel_math.h's ks_next, the state in
    registers): the (n + 1) // 2 words (1, 1, 2, 3, 4 and 2251) that n normals take are
    numpy's ``random_raw`` words (the normals are those fastrng makes of them), and the
    stream is left in numpy's state after them, also where its counter wraps, its
    buffered 32-bit half untouched; and the leaders' uniforms (``choose``, numpy's
    ``next_double``) alike."""
    from incentsim.agents._citizens_kernel import normals
    from incentsim.agents._forecast_kernel import choose

    ours, twin = _sfc64(wrapping), _sfc64(wrapping)
    z = np.empty(n, F32)
    normals(ours, z)
    np.testing.assert_allclose(z, fastrng.normals(twin, n), rtol=0, atol=2e-6)
    assert _same_state(ours, twin)
    # Gumbel-max of equal utilities: each row's largest uniform (n rows of 3 plans)
    choice = choose(np.zeros((n, 3)), np.array([1.0]), [ours])
    u = np.random.Generator(twin).random((n, 3))
    np.testing.assert_array_equal(choice, np.argmax(u, axis=1))
    assert _same_state(ours, twin)


@pytest.mark.parametrize("other", [np.random.PCG64, np.random.MT19937, np.random.Philox])
def test_the_kernels_refuse_a_stream_other_than_sfc64(other):
    """The kernels step every stream as SFC64: each wrapper refuses another bit
    generator's (TypeError) before drawing, and the stream is left as it was."""
    from incentsim.agents._citizens_kernel import normals
    from incentsim.agents._forecast_kernel import choose
    from incentsim.agents.firms import ROW

    bg = other(3)
    before = str(bg.state)
    with pytest.raises(TypeError, match="SFC64"):
        normals(bg, np.empty(4, F32))
    with pytest.raises(TypeError, match="SFC64"):
        choose(np.zeros((2, 3)), np.array([1.0]), [np.random.SFC64(1), bg])
    pop, firms = _population(3, 4, 2, seed=1), _firms(7, 4, seed=3)
    pop._chunks.streams[-1] = bg
    with pytest.raises(TypeError, match="SFC64"):
        pop._step_chunk(len(pop._chunks) - 1, _table(4, seed=2)[0], [None] * len(pop._chunks))
    firms._chunks.streams[-1] = bg
    last, agg = len(firms._chunks) - 1, np.zeros((len(ROW), 4))
    with pytest.raises(TypeError, match="SFC64"):
        firms._step_chunk(
            last, _firm_table(4, seed=7)[0], agg, [None] * (last + 1), [None] * (last + 1)
        )
    assert str(bg.state) == before


#: a child process that cannot find one compiled kernel, then imports the model
_UNBUILT = """
import importlib.abc, sys

class Unbuilt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "incentsim.agents._draws_kernel":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Unbuilt())
import incentsim.model
"""


def test_an_unbuilt_kernel_fails_the_import_with_the_command_to_build_it():
    """Whichever module imports a kernel first, a source tree without one stops with a
    single message naming the kernel and the build command (before, importing the
    model ended in a bare ``No module named`` for the upper level's draws)."""
    done = subprocess.run([sys.executable, "-c", _UNBUILT], capture_output=True, text=True)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: incentsim's compiled kernels are not built")
    assert "(incentsim.agents._draws_kernel)" in last
    assert "python setup.py build_ext --inplace" in last


def test_the_import_check_covers_every_kernel_source():
    from pathlib import Path

    import incentsim.agents as agents

    sources = {p.stem for p in Path(agents.__file__).parent.glob("_*_kernel.pyx")}
    assert sources == set(agents.KERNELS)


def test_members_whose_words_are_drawn_four_streams_at_a_time_equal_their_solo_runs(tiny):
    """Five members stepped as one model: each kernel call draws the segments' words four
    streams at a time (the first four members), then the fifth alone; every member's
    run equals its solo run bit for bit."""
    import pandas as pd

    from incentsim import simulate
    from incentsim.api import run_members
    from incentsim.scenario import load_scenario

    sc = load_scenario(tiny)
    seeds = [4, 1, 7, 0, 9]
    for seed, res in zip(seeds, run_members(sc, seeds), strict=True):
        solo = simulate(sc, seed=seed)
        pd.testing.assert_frame_equal(res.timeseries, solo.timeseries, check_exact=True)
