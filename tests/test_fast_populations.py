"""The populations' faster passes give exactly the numbers of the rules they rewrite:
batched draws of an ensemble's chunk (:mod:`incentsim.agents.fastrng`) and the compiled
yearly step of :mod:`incentsim.agents.citizens`."""

import numpy as np
import pytest

from incentsim.agents import fastrng


@pytest.mark.parametrize("count", [1, 2, 7, 4500, 9001])
def test_equal_counts_of_several_streams_equal_them_one_by_one(count):
    """Equal counts (an ensemble's members' chunks, drawn as rows of one array) give
    exactly each stream's own normals, odd and even counts, and leave every stream where
    drawing alone leaves it."""
    alone = [np.random.SFC64(i) for i in range(5)]
    together = [np.random.SFC64(i) for i in range(5)]
    expect = np.concatenate([fastrng.normals(bg, count) for bg in alone])
    got = fastrng.normals_of(together, [count] * 5)
    assert got.dtype == np.float32 and got.shape == (5 * count,)
    np.testing.assert_array_equal(got.view(np.uint32), expect.view(np.uint32))
    assert [a.random_raw() for a in alone] == [t.random_raw() for t in together]


def test_row_loops_give_the_same_numbers_and_restore_the_buffer():
    """An op on rows (a chunk's prefectures times a column of their values) looped over
    rather than buffered gives the same numbers; numpy's buffer size is restored."""
    before = np.getbufsize()
    x = np.random.default_rng(1).lognormal(size=(30, 300)).astype(np.float32)
    col = np.random.default_rng(2).normal(size=(30, 1)).astype(np.float32)
    for op in (np.multiply, np.add, np.subtract):
        got = fastrng.by_rows(op, x, col, out=np.empty_like(x))
        np.testing.assert_array_equal(got.view(np.uint32), op(x, col).view(np.uint32))
    assert np.getbufsize() == before


def test_a_chunks_slots_counted_and_valued_by_prefecture():
    """:meth:`fastrng.Chunk.per_prefecture` counts sorted slots by prefecture as
    ``bincount`` of their prefectures would, and :meth:`fastrng.Chunk.by_slot` gives each
    slot its prefecture's value, as gathering would (empty selections included)."""
    per, lo, hi = 7, 3, 9
    c = fastrng.Chunk((lo, hi), per, [(lo, np.random.SFC64(0))])
    value = np.random.default_rng(0).random(12)
    for share in (0.0, 0.3, 1.0):
        idx = np.flatnonzero(np.random.default_rng(1).random((hi - lo) * per) < share)
        rows = lo + idx // per
        np.testing.assert_array_equal(
            c.per_prefecture(idx), np.bincount(rows - lo, minlength=hi - lo)
        )
        np.testing.assert_array_equal(c.by_slot(value, idx), value[rows])


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
    pop._step_chunk(0, par)

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
    pop._step_chunk(0, par)
    np.testing.assert_allclose(np.log(pop._income.astype(np.float64)), expect, rtol=0, atol=2e-6)


def test_very_unhappy_citizens_have_satisfaction_zero_and_very_happy_ones():
    """exp of a very large argument overflows to inf: satisfaction 0, not NaN; of a very
    small one, 0: satisfaction 1."""
    pop = _population(50, 2, 2, seed=3)
    par, _ = _table(2, seed=3, base=[-500.0, 500.0])
    pop._step_chunk(0, par)
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
