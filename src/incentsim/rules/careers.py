"""How prefecture careers really ran: mechanisms the real record demands.

The stylized rules rank leaders on performance alone and move them only at the end of a
term. The prefecture record of 2000-07 does not look like that (calibration.md): the
promotion rate is flat across quintiles of relative growth (Landry, Lü & Duan 2018),
spells are irregular (mean 3.4 years, a fifth shorter than 2 years), and abler leaders
are promoted more (Yao & Zhang 2015), and leaders inflate reported growth by 2-3.5 pp
(Zeng & Zhou 2024; Wallace 2016) though promotion does not reward it. Each mechanism
here is off unless a scenario enables it (so every other scenario is unchanged bit for
bit), registered like the accountability mechanisms and drawing only from its own random
stream. Their defaults are illustrative; ``configs/china_2000s.yaml`` sets the values
estimated on the record. Their parameters describe how the system worked, not a reform:
``incentsim calibrate`` may estimate them (``estimable = True``).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field

from incentsim.rules.accountability import MECHANISMS, Mechanism, MechanismParams
from incentsim.rules.context import MechanismContext
from incentsim.varying import along

#: mean and spread of appointment-age seniority the seniority weight is measured in
SENIORITY_CENTRE, SENIORITY_SCALE = 50.0, 5.0


def _weight(default: float, high: float, what: str):
    return Field(default, ge=0.0, le=high, description=what)


@MECHANISMS.register
class MixedEvaluation(Mechanism):
    """Evaluators weigh performance together with connections, seniority and ability.

    Rule: the score the organisation department ranks on becomes
    ``performance_weight * rule score + connection_weight * connected
    + seniority_weight * (age - 50) / 5 + ability_weight * ability / SD(ability)``,
    all in peer-SD units, plus the evaluation noise (``promotion.noise``): evaluators'
    information about performance is noisy and growth is one consideration among several.
    Ability enters as the evaluators' impression of it (inspections, interviews, the
    cadre file), blurred by the same noise.

    Belief and practice: leaders forecast the same score except that they weigh
    performance by ``believed_performance_weight`` (by default the actual
    ``performance_weight``, so a lower weight also lowers what a pre-evaluation surge or
    an inflated growth report is worth to them). Set above the actual weight, leaders act
    as if growth counts more than it does: growth targets are announced, rankings
    published and a few promotions of fast growers are visible (Li & Zhou 2005 on how the
    tournament was understood), while the prefecture record's promotion rate shows no
    growth gradient (Landry, Lü & Duan 2018) and leaders inflate reported growth where
    promotion pressure is strong (Zeng & Zhou 2024; Wallace 2016). Leaders do not learn
    the actual weight from the promotions they see: the noise hides it.
    """

    name = "mixed_evaluation"
    description = "Promotion mixes performance with connections, seniority and ability"
    source = (
        "Landry, Lü & Duan (2018) Comp. Polit. Stud. 51 (growth barely matters for "
        "prefecture secretaries); Shih, Adolph & Liu (2012) APSR 106; Jia, Kudamatsu & "
        "Seim (2015) JEEA 13 (connections); Kou & Tsai (2014) China J. 71 (age); "
        "Yao & Zhang (2015) J. Econ. Growth 20 (abler leaders promoted); Li & Zhou "
        "(2005) J. Public Econ. 89 (the growth tournament leaders believe in); Zeng & "
        "Zhou (2024) and Wallace (2016) Br. J. Polit. Sci. 46 (growth inflation)"
    )
    estimable: ClassVar[bool] = True
    #: besides the rule's own score: the connection and the age (ability is the
    #: evaluators' impression, not an indicator)
    observes = ("connected", "age")
    neutral: ClassVar[dict | None] = {
        "performance_weight": 1.0,
        "connection_weight": 0.0,
        "seniority_weight": 0.0,
        "ability_weight": 0.0,
    }

    class Params(MechanismParams):
        performance_weight: float = _weight(
            0.5, 1.0, "weight of the promotion rule's performance score [0..1]"
        )
        connection_weight: float = _weight(
            0.5, 10.0, "score added by a connection to the provincial patron [peer SD]"
        )
        seniority_weight: float = _weight(0.0, 10.0, "score per 5 years of age above 50 [peer SD]")
        ability_weight: float = _weight(
            0.5, 10.0, "score per SD of leader ability seen by evaluators [peer SD]"
        )
        believed_performance_weight: float | None = Field(
            None,
            ge=0.0,
            le=1.0,
            description="weight of the performance score leaders believe evaluators use "
            "[0..1]; None: the actual performance_weight (source: Li & Zhou "
            "2005 on the believed tournament; Landry, Lü & Duan 2018 on the "
            "flat prefecture record; Zeng & Zhou 2024 on inflation)",
        )

    params: Params

    def adjust_score(self, score, ind, ctx):
        return self._blend(self.params.performance_weight, score, ind)

    def believed_score(self, score, ind, ctx):
        believed = self.params.believed_performance_weight
        weight = self.params.performance_weight if believed is None else believed
        return self._blend(weight, score, ind)

    def _blend(self, performance_weight: float, score, ind):
        """The score blend of the class docstring with the given performance weight."""
        p = self.params  # weights per prefecture where ensemble members differ
        score = np.asarray(score, dtype=float)
        out = along(performance_weight, score) * score
        if np.any(p.connection_weight):
            connected = np.asarray(ind["connected"], dtype=float)
            out = out + along(p.connection_weight, connected) * connected
        if np.any(p.seniority_weight):
            age = np.asarray(ind["age"], dtype=float)
            out = out + along(p.seniority_weight, age) * (age - SENIORITY_CENTRE) / SENIORITY_SCALE
        if np.any(p.ability_weight) and "ability" in ind:
            ability = np.asarray(ind["ability"], dtype=float)
            out = out + along(p.ability_weight, ability) * ability
        return out


@MECHANISMS.register
class IrregularTurnover(Mechanism):
    """Leaders leave their posts at irregular times, not only at the end of a term.

    Rule: each year (a) a leader not at the end of a term is also a candidate for the
    province's promotion slots with probability ``midterm_candidate_prob`` (posts above
    fall vacant at any time, and prefecture leaders are promoted mid-term); (b) the
    province's own leadership changes with probability ``provincial_turnover_prob``, and
    a new provincial leader moves each prefecture leader of the province who has served
    at least a year with probability ``reshuffle_share`` (transferred like an early
    move: rotated or retired from the post). Early transfers of single leaders stay with
    ``tenure.early_turnover_hazard``.
    """

    name = "irregular_turnover"
    description = "Mid-term promotions and reshuffles after provincial leaders change"
    source = (
        "Landry (2008) Decentralized Authoritarianism in China (prefecture cadre "
        "management, irregular spells); Jiang (2018) AJPS 62 (new provincial "
        "secretaries and their prefecture appointments); Eaton & Kostka (2014) "
        "China Q. 218 (short tenures, frequent rotation)"
    )
    stochastic = True
    estimable: ClassVar[bool] = True
    neutral: ClassVar[dict | None] = {"midterm_candidate_prob": 0.0, "reshuffle_share": 0.0}

    class Params(MechanismParams):
        midterm_candidate_prob: float = _weight(
            0.1, 1.0, "yearly probability a leader mid-term competes for promotion [0..1]"
        )
        provincial_turnover_prob: float = _weight(
            0.2, 1.0, "yearly probability the provincial leadership changes [0..1]"
        )
        reshuffle_share: float = _weight(
            0.2, 1.0, "share of prefecture leaders a new provincial leader moves [0..1]"
        )

    params: Params

    def midterm_candidates(self, model: MechanismContext, evaluated: np.ndarray) -> np.ndarray:
        """Leaders not up for evaluation who compete for promotion this year."""
        u = self.rng.random(len(evaluated))
        return ~evaluated & (u < self.params.midterm_candidate_prob)

    def reshuffled(self, model: MechanismContext, years_in_post: np.ndarray) -> np.ndarray:
        """Leaders moved because their province's new leadership reshuffles them."""
        n_prov, per = model.n_provinces, model.per_province
        prob = np.asarray(self.params.provincial_turnover_prob)  # per prefecture if members
        new_boss = np.repeat(self.rng.random(n_prov) < (prob[::per] if prob.ndim else prob), per)
        u = self.rng.random(n_prov * per)
        return new_boss & (years_in_post >= 1) & (u < self.params.reshuffle_share)


@MECHANISMS.register
class TargetResponsibility(Mechanism):
    """The annual assessment of the cadre target-responsibility system.

    Rule: every year, not only in a term's evaluation year, the province assesses each
    prefecture leader against the growth target it handed down (``promotion.growth_target
    + promotion.target_escalation``): bonuses, rankings, warnings and the record in the
    cadre file ride on meeting it (Edin 2003; Whiting 2004; Li, Liu, Weng & Zhou 2019 on
    the targets). Missing the target is a yearly penalty whose chance falls smoothly as
    reported growth rises through the target, so the marginal reward of one more point of
    *reported* growth is a normal density around the target, and with a quadratic cost of
    faking (as for the career motive, Wallace 2016) the leader adds

    ``pressure * exp(-((growth_true - target) / tolerance)^2 / 2) / audit cost multiplier``

    to this year's report: ``pressure`` at the target with no audit deterrence, less far
    above it (the target is met anyway) and far below it (it cannot be met). Statistical
    audits deter it as they deter the career motive (the cost multiplier of
    ``manipulation_cost``); it is added after the year's audit, so a report the audit
    corrected stays correct, and the total inflation is capped by
    ``behaviour.max_manipulation``. Because the pressure does not depend on the term's
    evaluation year, inflation is spread over the term: it does not make the leaders up
    for evaluation the ones with high reported growth (the composition effect a belief in
    growth-based promotion creates, docs/calibration/report.md §5b). Source of the size:
    reported minus true growth of 2-3.5 pp where pressure is strong and audits weak
    (Zeng & Zhou 2024; Wallace 2016).
    """

    name = "target_responsibility"
    description = "Annual assessment against the growth target: yearly pressure to inflate"
    source = (
        "Edin (2003) China Q. 173 and Whiting (2004) (the cadre target-responsibility "
        "system); Li, Liu, Weng & Zhou (2019) Econ. J. 129 (growth targets); Zeng & Zhou "
        "(2024) and Wallace (2016) Br. J. Polit. Sci. 46 (2-3.5 pp of inflation)"
    )
    estimable: ClassVar[bool] = True
    neutral: ClassVar[dict | None] = {"pressure": 0.0}

    class Params(MechanismParams):
        pressure: float = Field(
            0.02,
            ge=0.0,
            le=0.1,
            description="reported-growth inflation at the target with no audit "
            "deterrence [growth rate per year, 0..0.1] (source: Zeng & Zhou 2024; "
            "Wallace 2016: 2-3.5 pp of inflation)",
        )
        tolerance: float = Field(
            0.05,
            gt=0.0,
            le=0.5,
            description="distance of true growth from the target at which the pressure "
            "falls to exp(-1/2) of its peak [growth rate per year] (set: about the "
            "within-province SD of growth, 5-8 pp, calibration.md)",
        )

    params: Params

    def after_reports(self, model: MechanismContext) -> None:
        p, st = self.params, model.state
        gap = (st.growth_true - model.growth_target) / p.tolerance
        extra = p.pressure * np.exp(-0.5 * gap**2) / model.manipulation_cost_multiplier
        cap = model.behaviour.max_manipulation
        total = np.where(st.scandal, st.manipulation, np.minimum(st.manipulation + extra, cap))
        st.growth_reported = st.growth_reported + (total - st.manipulation)
        st.manipulation = total
