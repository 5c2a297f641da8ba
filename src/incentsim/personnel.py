"""The personnel system (the upper level): province organisation departments and
the centre evaluate, promote, rotate and appoint leaders.

Not agents but model-level machinery (DESIGN §2). Each year, after the
year's reports are in, it:

1. scores every leader on the recency-weighted indicators of the current
   term (``promotion.memory``) with the scenario's evaluator, plus
   evaluation noise (``promotion.noise``), and ranks them among province
   peers. Each year enters the term record with the incumbent's *credit*
   for it, ``1 - promotion.attribution_lag ** years_in_post``
   (:func:`incentsim.rules.evaluation.credit`):
   outcomes early in a leader's tenure partly reflect the predecessor's
   projects and budget, so evaluators credit a new leader with a share of
   them that rises with years in post (relative performance against the
   predecessor: Chen, Li & Zhou 2005; leaders' effects on growth build up
   over their tenure: Yao & Zhang 2015). Credit saturates, so in a long
   term the last years weigh little more than the middle ones, and the
   pre-evaluation surge is smaller (seed 002: short terms lead to
   investment spikes before promotion);
2. evaluates the leaders whose term ends (``tenure_year == term_length``):
   those below ``promotion.promotion_age_limit`` with no failed veto target
   and a rank at least ``promotion.min_percentile`` compete for the
   province's slots (``promotion.capacity`` x prefectures, rounded at random
   — a tournament); the best-scored win;
3. reappoints the rest with ``tenure.reappointment_prob``, otherwise moves
   them on (rotated to another prefecture with ``tenure.rotation_prob``);
4. applies the early-turnover hazard, retirements and dismissals;
5. fills vacancies: first with rotated leaders (outsiders where they land),
   then with new appointees (insiders with ``tenure.insider_prob``).
"""

from __future__ import annotations

import numpy as np

from incentsim.agents import _draws_kernel
from incentsim.agents._sums_kernel import segment_sums
from incentsim.indicators import SCORED, VETO
from incentsim.rules.promotion import EvalContext


class UpperLevel:
    """The upper level: evaluates leaders against their peers and moves them.

    Its arrays are small (a value a prefecture): it calls array methods (``x.repeat``,
    ``x.argsort``, ``x.nonzero``) where numpy's functions of the same name would only
    wrap them, at a cost above that of the work."""

    def __init__(self, model) -> None:
        self.model = model
        self.rng = model.streams["upper"]
        self.n_prov = model.n_provinces
        self.per = model.per_province
        #: the ensemble member each province belongs to
        self.province_member = model.member[:: self.per]
        # a province's k-th place, for every province: where :meth:`_places` scatters
        self._first = (np.arange(self.n_prov) * self.per)[:, None]
        self._place = np.tile(np.arange(self.per), self.n_prov)
        #: the segments of :meth:`peer_mean`'s compiled sums, by the number of values
        self._segments: dict[int, np.ndarray] = {}

    # ------------------------------------------------------------- peer statistics

    def peer_mean(self, x: np.ndarray) -> np.ndarray:
        """Province mean of ``x`` (prefectures along the last axis; several quantities
        at once along the others), repeated for every prefecture: the sum over the
        count, the same numbers as ``mean``. Float64 values are summed in one compiled
        call (:func:`incentsim.agents._sums_kernel.segment_sums`: numpy's sums of each
        province, the same bits; 11 -> 3 us for the seven scored indicators at small
        scale, K = 16, where numpy reduces each province's five values in a loop of
        its own), other types by numpy."""
        flat = x.ravel()
        if x.dtype == np.float64:
            counts = self._segments.get(flat.size)
            if counts is None:
                counts = np.full(flat.size // self.per, self.per, dtype=np.intp)
                self._segments[flat.size] = counts
            sums = segment_sums(flat, counts).reshape(*x.shape[:-1], self.n_prov)
        else:
            sums = x.reshape(*x.shape[:-1], self.n_prov, self.per).sum(axis=-1)
        return (sums / self.per).repeat(self.per, axis=-1)

    def _places(self, x: np.ndarray) -> np.ndarray:
        """Each prefecture's place in its province when sorted by ``x`` (ascending,
        ties in prefecture order), 0..per - 1: the inverse of the sorting order,
        scattered (the numbers of ``argsort`` of it, in one pass)."""
        order = x.reshape(self.n_prov, self.per).argsort(axis=1, kind="stable")
        place = np.empty(x.size, dtype=np.intp)
        place[(order + self._first).ravel()] = self._place
        return place

    def percentile(self, x: np.ndarray) -> np.ndarray:
        """Rank within province as a share of peers scored lower (0..1; alone = 1)."""
        if self.per == 1:
            return np.ones_like(x, dtype=float)
        return self._places(x) / (self.per - 1)

    def _evaluated(self, averages: np.ndarray) -> dict[str, np.ndarray]:
        """Each leader's term-to-date average of every scored indicator by name (the rows
        of ``averages``, from :meth:`term_averages`), and their connection and age."""
        st = self.model.state
        out = dict(zip(SCORED, averages))
        out["connected"] = st.indicators["connected"]
        out["age"] = st.indicators["age"]
        return out

    def term_averages(self) -> np.ndarray:
        """Each leader's term-to-date average of every scored indicator (the year's value
        before the term's first weight): (scored indicators, leaders). When every term
        has begun (as at evaluation), the sums over the weights alone: the same numbers,
        without the year's values. Every indicator's at once, from the model's stacked
        term sums and indicators."""
        model = self.model
        weight = model.state.term_weight
        started = weight > 0
        if started.all():
            return model.term_sums / weight
        return np.where(started, model.term_sums / np.where(started, weight, 1.0), model.scored)

    def _context(self, averages: np.ndarray, column: bool) -> EvalContext:
        """The evaluation context of the term-to-date ``averages`` (:meth:`term_averages`,
        stacked once for both): peer means, scales, baselines and targets, each an (L, 1)
        column if ``column``. Every indicator's per-member scale is repeated for the
        member's prefectures (consecutive, ``member_size`` of them) in one call on the
        model's stacked scales: the numbers of :meth:`~incentsim.model.IncentModel.scale`
        one at a time (a third of their cost, 7 -> 2 us at small scale, K = 16)."""
        model = self.model
        scales = model.scales.repeat(model.member_size, 1)
        stacked = [self.peer_mean(averages), scales, model.term_baselines]
        if column:
            stacked = [a[:, :, None] for a in stacked]
        peer_mean, scale, baseline = (dict(zip(SCORED, a)) for a in stacked)
        target = model.growth_target
        return EvalContext(
            peer_mean=peer_mean,
            scale=scale,
            baseline=baseline,
            target=target[:, None] if column else target,
        )

    def forecast_context(self) -> EvalContext:
        """Context a leader forecasts with: peers' term-to-date averages, (L, 1)."""
        return self._context(self.term_averages(), column=True)

    # ------------------------------------------------------------------ evaluation

    def evaluate(self) -> dict[str, np.ndarray]:
        """Score, rank and decide every leader's fate this year."""
        model = self.model
        promo, ten = model.promotion, model.tenure
        leaders, st = model.leaders, model.state
        averages = self.term_averages()
        ind = self._evaluated(averages)
        ind["ability"] = leaders.ability.copy()  # seen by mixed_evaluation
        ctx = self._context(averages, column=False)
        score = model.evaluator.score(ind, ctx, rng=model.streams["rule"])
        noise, (u_reappoint, u_rotate, u_hazard), u_slots = self._draws()
        score = score + promo.noise * noise
        pct = self.percentile(score)
        st.last_score, st.rank_pct = score, pct
        age, term = leaders.age, leaders.term_length
        evaluated = leaders.tenure_year >= term
        contest, reshuffled = self.irregular(evaluated)
        dismissed = st.scandal_dismissal.copy()
        candidate = contest & ~dismissed & (age < ten.promotion_age_limit)
        candidate &= pct >= promo.min_percentile
        for key, limit in promo.veto.items():  # no failed veto target
            candidate &= -ind[VETO[key]] <= limit
        promoted = self.promote(np.where(candidate, score, -np.inf), u_slots)
        free = ~(promoted | dismissed)
        retire = (age >= ten.retirement_age) & free
        stays = free & ~retire
        reappointed = (
            stays
            & evaluated
            & (u_reappoint < ten.reappointment_prob)
            & (age + term < ten.retirement_age)
        )
        early = stays & ~evaluated & ((u_hazard < ten.early_turnover_hazard) | reshuffled)
        moved = stays & ((evaluated & ~reappointed) | early)
        return dict(
            score=score,
            rank_pct=pct,
            evaluated=evaluated,
            contested=contest,
            promoted=promoted,
            dismissed=dismissed,
            retired=retire,
            reappointed=reappointed,
            moved=moved,
            rotated=moved & (u_rotate < ten.rotation_prob),
        )

    def _draws(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The year's draws: the evaluation noise's normals, one per prefecture; then
        uniforms, three per prefecture (reappointment, rotation, hazard;
        ``(3, prefectures)``) and one per province (its slots). Each member draws its
        normals, then its three rows of prefectures' and its provinces' uniforms, from
        its stream: compiled, the numbers of ``standard_normal`` and ``random`` calls
        member by member (:func:`incentsim.agents._draws_kernel.normals_then_uniforms`)."""
        k, m = self.model.n_members, self.model.member_size
        z, u = _draws_kernel.normals_then_uniforms(self.rng.members, m, 3 * m + self.n_prov // k)
        rows = u[:, : 3 * m].reshape(k, 3, m).transpose(1, 0, 2).reshape(3, -1)
        return z, rows, u[:, 3 * m :].ravel()

    def promote(self, ranked: np.ndarray, u_slots: np.ndarray) -> np.ndarray:
        """The province tournaments: ``promotion.capacity`` x prefectures slots per
        province (rounded at random with ``u_slots``) go to the best-ranked candidates
        (``ranked``: the score of a candidate, ``-inf`` for everyone else)."""
        capacity = self.model.params.value("promotion.capacity", self.province_member)
        slots = np.floor(capacity * self.per + u_slots).astype(int)
        place = self._places(-ranked)  # each candidate's place in the province's order
        return (place < slots.repeat(self.per)) & np.isfinite(ranked)

    def irregular(self, evaluated: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Who competes for promotion (those up for evaluation, and mid-term candidates
        mechanisms add) and who mechanisms move from their posts this year."""
        contest, reshuffled = evaluated.copy(), np.zeros(len(evaluated), dtype=bool)
        in_post = self.model.leaders.years_in_post
        for mech in self.model.mechanisms:
            contest |= mech.midterm_candidates(self.model, evaluated)
            reshuffled |= mech.reshuffled(self.model, in_post)
        return contest, reshuffled

    # ------------------------------------------------------------------ turnover

    def turnover(self, fate: dict[str, np.ndarray]) -> np.ndarray:
        """Apply the year's decisions; returns a mask of prefectures with a new leader.

        Vacancies are filled in a random order: the k-th vacancy takes the k-th rotated
        leader (in prefecture order) unless that is the leader's own prefecture (then
        the leader leaves), and a new appointee once the rotated leaders are placed."""
        model = self.model
        leaders = model.leaders
        leaving = fate["promoted"] | fate["dismissed"] | fate["retired"] | fate["moved"]
        again = fate["reappointed"]
        leaders.tenure_year[again] = 0
        leaders.terms_served[again] += 1
        # every member's vacancies at once, each member's order drawn from its stream
        vacant = leaving.nonzero()[0]
        k = model.n_members
        counts = np.bincount(model.member[vacant], minlength=k)
        start = (counts.cumsum() - counts).repeat(counts)
        order = _draws_kernel.permutations(self.rng.members, counts)  # rng.permutation(c)s
        dest = vacant[order + start]
        pool = vacant[fate["rotated"][vacant]]  # the rotated leaders, in prefecture order
        pooled = np.bincount(model.member[pool], minlength=k)
        first = np.arange(len(vacant)) - start < pooled.repeat(counts)  # they go here
        placed = dest[first]
        moving = pool != placed
        appoint = ~first
        appoint[first] = ~moving
        leaders.rotate(pool[moving], placed[moving])
        leaders.appoint(dest[appoint])
        leaders.sync_views()
        return leaving
