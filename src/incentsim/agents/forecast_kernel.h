/* The leaders' forecasts of their candidate plans (incentsim.economy.forecast) and
 * their choice among them (incentsim.agents.leader.decide), fused: one pass over the
 * (leaders x plans) cells for every indicator a plan is forecast to give and the
 * leader's welfare of it, instead of ~70 numpy passes; one for the utility of each plan
 * before the mechanisms' terms; and one for the Gumbel-max choice, drawing its uniforms
 * from the leaders' streams.
 *
 * Each cell follows the economy's own formulas (economy.py: spending_shares,
 * subsidy_rate, subsidy_boost, abatement_next, compliance, public_output,
 * services_next, satisfaction_index, debt_next, innovation_next) in float32, operation
 * by operation in the order economy.py computes them, with kernel_math.h's exp and
 * log (a log1p made of its log): so a leader's numbers do not depend on where it falls
 * in a vectorised loop (an ensemble's member forecasts bit for bit as alone), on the
 * instruction set or on the machine.
 */
#ifndef INCENTSIM_FORECAST_KERNEL_H
#define INCENTSIM_FORECAST_KERNEL_H

#include "kernel_math.h"

/* Rows of the input table (float32), one value per leader: the prefecture's state,
 * then the economy's and the behaviour's parameters (ensemble members may differ). The
 * order is economy.py's FORECAST_INPUTS. */
enum {
    FC_GDP,               /* last year's GDP */
    FC_PRIVATE_CAPITAL,
    FC_PUB_OUTPUT,        /* last year's public output */
    FC_SUBSIDY_RATE,      /* last year's subsidy rate */
    FC_ABATEMENT,
    FC_SERVICES,
    FC_SERVICE_EFFICIENCY,
    FC_POLLUTION,
    FC_DEBT,
    FC_INNOVATION,
    FC_BUDGET_SHARE,      /* the budget before borrowing over GDP */
    FC_EXPECTED_GROWTH,   /* firms' expected private growth */
    FC_EXPECTED_INCOME,   /* residents' expected income growth */
    FC_HURDLE_RATE,
    FC_DEPRECIATION,
    FC_REF_INVESTMENT,    /* reference_investment */
    FC_INV_MULTIPLIER,    /* public_investment_multiplier */
    FC_OTHER_MULTIPLIER,  /* other_spending_multiplier */
    FC_SRV_RENEWAL,       /* services_renewal */
    FC_REF_SERVICES,
    FC_ENV_RENEWAL,       /* abatement_renewal */
    FC_REF_ENVIRONMENT,
    FC_INN_RENEWAL,       /* innovation_renewal */
    FC_REF_INNOVATION,
    FC_COMPLIANCE_COST,   /* environmental_compliance_cost */
    FC_COMPLIANCE_FLOOR,
    FC_SUBSIDY_OUTPUT,
    FC_SCALE_ELASTICITY,  /* pollution_scale_elasticity */
    FC_ABATEMENT_EFFECT,
    FC_DEBT_REPAYMENT,
    FC_SAT_BASE,          /* satisfaction_base */
    FC_SAT_SERVICES,      /* satisfaction_services */
    FC_SAT_INCOME,        /* satisfaction_income */
    FC_SAT_POLLUTION,     /* satisfaction_pollution */
    FC_NAT_GROWTH,        /* natural scales of the welfare terms, in WELFARE's order */
    FC_NAT_SERVICES,
    FC_NAT_ENVIRONMENT,
    FC_NAT_SATISFACTION,
    FC_NAT_DEBT,
    FC_NAT_INNOVATION,
    N_FC_INPUTS
};

/* Columns of the plans: the five budget shares (economy.USES), then borrowing. */
enum { FC_PLAN_COLUMNS = 6 };

/* Rows of the output (float32, each leaders x plans), economy.py's FORECAST_OUTPUTS. */
enum {
    FO_GROWTH, FO_ENVIRONMENT, FO_SERVICES, FO_DEBT, FO_INNOVATION, FO_SATISFACTION,
    FO_SUBSIDY, FO_WELFARE, N_FC_OUTPUTS
};

/* log(1 + x) for x >= 0: log(u) * x / (u - 1) with u = 1 + x rounded, x itself where
 * u rounds to 1 (Goldberg 1991: within a few ulp, where log(u) alone would lose the
 * low bits of a small x). */
KS_INLINE float fc_log1p(float x) {
    const float u = 1.0f + x, d = u - 1.0f;
    return d == 0.0f ? x : ks_log(u) * (x / d);
}

/* economy.compliance: max(1 - (abatement - 1) * cost, floor) (NaN kept, as np.maximum) */
KS_INLINE float fc_compliance(float abatement, float cost, float floor) {
    const float v = 1.0f - (abatement - 1.0f) * cost;
    return v < floor ? floor : v;
}

/* economy._renewed: sqrt(spending / reference) * renewal + kept ((1 - renewal) * stock) */
KS_INLINE float fc_renewed(float spending, float reference, float renewal, float kept) {
    return sqrtf(spending / reference) * renewal + kept;
}

/* What the forecasts of one leader's plans share: its state and parameters, and the
 * terms of the formulas that do not depend on the plan. */
typedef struct {
    float gdp, bs, pub_now, private_share, boost_now, cost, floor, comply_now, trend;
    float capital, abatement, env_renew, env_kept, srv_renew, srv_kept, inn_renew, inn_kept;
    float debt_kept, ref_inv, inv_mult, other_mult, sub_out, ref_srv, ref_env, ref_inn;
    float efficiency, scale_el, abate_eff, pollution_now, income, base, w_srv, w_inc, w_pol;
    float n_gro, n_srv, n_env, n_sat, n_dbt, n_inn;
} fc_leader;

/* A leader's fc_leader from its column of the input table (`stride` leaders a row). */
KS_INLINE fc_leader fc_leader_of(const float *in, intptr_t stride) {
#define IN(row) in[(row) * stride]
    fc_leader k;
    k.gdp = IN(FC_GDP);
    k.bs = IN(FC_BUDGET_SHARE);
    k.pub_now = IN(FC_PUB_OUTPUT) / k.gdp;
    k.private_share = 1.0f - k.pub_now;
    k.sub_out = IN(FC_SUBSIDY_OUTPUT);
    k.boost_now = fc_log1p(IN(FC_SUBSIDY_RATE)) * k.sub_out + 1.0f;
    k.cost = IN(FC_COMPLIANCE_COST);
    k.floor = IN(FC_COMPLIANCE_FLOOR);
    k.abatement = IN(FC_ABATEMENT);
    k.comply_now = fc_compliance(k.abatement, k.cost, k.floor);
    k.trend = IN(FC_EXPECTED_GROWTH) * k.private_share;
    const float pk = IN(FC_PRIVATE_CAPITAL);
    k.capital = (IN(FC_HURDLE_RATE) + IN(FC_DEPRECIATION)) * (pk < 1e-9f ? 1e-9f : pk);
    k.env_renew = IN(FC_ENV_RENEWAL);
    k.env_kept = (1.0f - k.env_renew) * k.abatement;
    k.srv_renew = IN(FC_SRV_RENEWAL);
    k.srv_kept = (1.0f - k.srv_renew) * IN(FC_SERVICES);
    k.inn_renew = IN(FC_INN_RENEWAL);
    k.inn_kept = (1.0f - k.inn_renew) * IN(FC_INNOVATION);
    k.debt_kept = IN(FC_DEBT) * (1.0f - IN(FC_DEBT_REPAYMENT));
    k.ref_inv = IN(FC_REF_INVESTMENT);
    k.inv_mult = IN(FC_INV_MULTIPLIER);
    k.other_mult = IN(FC_OTHER_MULTIPLIER);
    k.ref_srv = IN(FC_REF_SERVICES);
    k.ref_env = IN(FC_REF_ENVIRONMENT);
    k.ref_inn = IN(FC_REF_INNOVATION);
    k.efficiency = IN(FC_SERVICE_EFFICIENCY);
    k.scale_el = IN(FC_SCALE_ELASTICITY);
    k.abate_eff = IN(FC_ABATEMENT_EFFECT);
    k.pollution_now = IN(FC_POLLUTION);
    k.income = IN(FC_EXPECTED_INCOME);
    k.base = IN(FC_SAT_BASE);
    k.w_srv = IN(FC_SAT_SERVICES);
    k.w_inc = IN(FC_SAT_INCOME);
    k.w_pol = IN(FC_SAT_POLLUTION);
    k.n_gro = IN(FC_NAT_GROWTH);
    k.n_srv = IN(FC_NAT_SERVICES);
    k.n_env = IN(FC_NAT_ENVIRONMENT);
    k.n_sat = IN(FC_NAT_SATISFACTION);
    k.n_dbt = IN(FC_NAT_DEBT);
    k.n_inn = IN(FC_NAT_INNOVATION);
#undef IN
    return k;
}

/* The forecasts of one leader's `plans` plans (its spending shares s_*, borrowing) into
 * its rows of the outputs. Every array is distinct (restrict: the loop is vectorised). */
KS_INLINE void
fc_plans(const fc_leader k, intptr_t plans, const float *restrict s_inv,
         const float *restrict s_srv, const float *restrict s_env, const float *restrict s_sub,
         const float *restrict s_inn, const float *restrict borrow, float *restrict growth_out,
         float *restrict env_out, float *restrict srv_out, float *restrict debt_out,
         float *restrict inn_out, float *restrict sat_out, float *restrict subsidy_out,
         float *restrict welfare_out) {
    for (intptr_t c = 0; c < plans; c++) {
        /* spending_shares: the budget split by the plan, borrowing to investment */
        const float inv = s_inv[c] * k.bs + borrow[c], srv = s_srv[c] * k.bs;
        const float env = s_env[c] * k.bs, sub = s_sub[c] * k.bs, inn = s_inn[c] * k.bs;
        const float subsidy = sub * k.gdp / k.capital;
        /* growth: expected private growth on the private share, the change in public
         * output, and in support to firms and compliance costs */
        const float abate = fc_renewed(env, k.ref_env, k.env_renew, k.env_kept);
        const float comply = fc_compliance(abate, k.cost, k.floor) / k.comply_now;
        const float pub = sqrtf(k.ref_inv * inv) * k.inv_mult + (srv + env) * k.other_mult;
        float growth = k.trend + (pub - k.pub_now);
        growth = growth + ((fc_log1p(subsidy) * k.sub_out + 1.0f) * comply / k.boost_now
                           - 1.0f) * k.private_share;
        /* pollution growth: first order in growth and in the abatement stock's change */
        const float poll_growth = k.scale_el * growth - k.abate_eff * (abate - k.abatement);
        const float services = fc_renewed(srv * k.efficiency, k.ref_srv, k.srv_renew,
                                          k.srv_kept);
        const float pollution = (1.0f + poll_growth) * k.pollution_now;
        const float index = k.base + k.w_srv * (services - 1.0f) + k.w_inc * (growth - k.income)
                            - k.w_pol * (pollution - 1.0f) + 0.0f;
        const float sat = 1.0f / (ks_exp(-index) + 1.0f);
        const float debt = -(borrow[c] * k.gdp + k.debt_kept) / k.gdp;
        const float innovation = fc_renewed(inn, k.ref_inn, k.inn_renew, k.inn_kept);
        growth_out[c] = growth;
        env_out[c] = -poll_growth;
        srv_out[c] = services;
        debt_out[c] = debt;
        inn_out[c] = innovation;
        sat_out[c] = sat;
        subsidy_out[c] = subsidy;
        welfare_out[c] = (growth / k.n_gro + services / k.n_srv + -poll_growth / k.n_env
                          + sat / k.n_sat + debt / k.n_dbt + innovation / k.n_inn) / 6.0f;
    }
}

/* Every leader's forecasts: `in` is the input table (N_FC_INPUTS rows of `leaders`),
 * `cand` the plans (N_USES + 1 columns of `rows` x plans cells: five budget shares and
 * borrowing; leader l's plans are row `plan_row[l]`, or row l where `plan_row` is NULL),
 * `out` the outputs (N_FC_OUTPUTS rows of leaders x plans cells). */
KS_CLONES static void fc_forecast(const float *in, intptr_t leaders, intptr_t plans,
                                  const float *cand, const int64_t *plan_row, intptr_t rows,
                                  float *out) {
    const intptr_t cells = leaders * plans, columns = rows * plans;
    for (intptr_t l = 0; l < leaders; l++) {
        const float *p = cand + (plan_row ? plan_row[l] : l) * plans;
        float *o = out + l * plans;
        fc_plans(fc_leader_of(in + l, leaders), plans, p, p + columns, p + 2 * columns,
                 p + 3 * columns, p + 4 * columns, p + 5 * columns, o + FO_GROWTH * cells,
                 o + FO_ENVIRONMENT * cells, o + FO_SERVICES * cells, o + FO_DEBT * cells,
                 o + FO_INNOVATION * cells, o + FO_SATISFACTION * cells,
                 o + FO_SUBSIDY * cells, o + FO_WELFARE * cells);
    }
}

/* ------------------------------------------------------------------- the choice */

/* The Gumbel draw -log(-log(u)) of a uniform u on [0, 1), -log(u) in float32: of u
 * itself below a half, as -log1p(u - 1) above (u - 1 exact in double), so that both
 * tails keep their precision; -inf for u = 0. */
KS_INLINE double fc_gumbel(double u) {
    /* one log for both: of u, or of 1 + x for fc_log1p(x) (the same numbers) */
    const int low = u < 0.5;
    const float x = (float)(u - 1.0), w = 1.0f + x, d = w - 1.0f;
    const float log_of = ks_log(low ? (float)u : w);
    const float minus_log = low ? -log_of : -(d == 0.0f ? x : log_of * (x / d));
    const double g = -(double)ks_log(minus_log);
    return u > 0.0 ? g : -INFINITY;
}

/* One leader's utilities over the temperature plus the Gumbel draws of its uniforms
 * `u`, in place (restrict: the loop is vectorised). */
KS_INLINE void fc_perturbed(const double *restrict util, double temperature, intptr_t plans,
                            double *restrict u) {
    for (intptr_t c = 0; c < plans; c++)
        u[c] = util[c] / temperature + fc_gumbel(u[c]);
}

/* The first index of the largest of x[0 .. n - 1] (of the first NaN if any: as
 * numpy's argmax). */
KS_INLINE intptr_t fc_argmax(const double *x, intptr_t n) {
    intptr_t best = 0;
    if (x[0] != x[0])
        return 0;
    for (intptr_t c = 1; c < n; c++) {
        if (x[c] != x[c])
            return c;
        if (x[c] > x[best])
            best = c;
    }
    return best;
}

/* Each leader's plan by Gumbel-max (a softmax choice with the leader's temperature):
 * the plan of the largest util / temperature - log(-log(u)), u uniform on [0, 1).
 * `util`: leaders x plans; `temperature`: one per leader (`t_step` 1) or one for all
 * (0). The leaders are n_streams equal blocks, block s drawing its uniforms from
 * streams[s], leader by leader and plan by plan (as numpy's ``Generator.random`` of
 * the block's leaders x plans draws them: SFC64's next_double, here inline, ks_next and
 * ks_double). `scratch`: room for `plans` doubles. */
KS_CLONES static void fc_choose(const double *util, intptr_t leaders, intptr_t plans,
                                const double *temperature, intptr_t t_step,
                                ks_sfc64 **streams, intptr_t n_streams, double *scratch,
                                int64_t *choice) {
    const intptr_t per = leaders / n_streams;
    for (intptr_t l = 0; l < leaders; l++) {
        ks_sfc64 *g = streams[l / per];
        ks_rng r = ks_load(g);
        for (intptr_t c = 0; c < plans; c++)
            scratch[c] = ks_double(ks_next(&r));
        ks_store(g, r);
        fc_perturbed(util + l * plans, temperature[l * t_step], plans, scratch);
        choice[l] = (int64_t)fc_argmax(scratch, plans);
    }
}

/* -------------------------------------------------------------------- the utility */

/* What the utility of each plan before the mechanisms' terms (leader._plan_utility)
 * reads: per leader `career`, `intrinsic`, `borrowing`, `budget`, and the inertias
 * (`*_step` 1: one per leader, 0: one for all); per cell (leaders x plans) the believed
 * `score` (`score_cols` plans a row, or 1: one per leader) and the `welfare` forecast;
 * the budget `drift` and the `borrow`ing of each plan, rows of `plans` values: row
 * `drift_row[l]` (`borrow_row[l]`) for leader l, or row l where that is NULL. */
typedef struct {
    const double *career, *score, *drift, *budget_inertia;
    const float *intrinsic, *welfare, *borrow, *borrowing, *budget, *borrowing_inertia;
    const int64_t *drift_row, *borrow_row;
    intptr_t leaders, plans, score_cols, budget_step, borrowing_step;
} fc_utility_in;

/* One leader's utilities (restrict: the loop is vectorised). */
KS_INLINE void fc_utility_row(intptr_t plans, double career, const double *restrict score,
                              intptr_t score_step, const float *restrict welfare,
                              float intrinsic, const double *restrict drift,
                              double budget_inertia, const float *restrict borrow,
                              float borrowing, float budget, float borrowing_inertia,
                              double *restrict out) {
    for (intptr_t c = 0; c < plans; c++) {
        float change = (borrow[c] - borrowing) / budget;
        change = change * change * borrowing_inertia;
        double u = career * score[c * score_step] + (double)(welfare[c] * intrinsic);
        out[c] = u - drift[c] * budget_inertia - (double)change;
    }
}

/* Each leader's utility of each plan before the mechanisms' terms: career * score +
 * welfare * intrinsic - budget_inertia * drift - borrowing_inertia * ((borrow -
 * borrowing) / budget)**2, the welfare and borrowing terms in float32, the rest and the
 * sum in float64, in the order leader.py's numpy code summed them; into `out`. */
KS_CLONES static void fc_utility(const fc_utility_in *u, double *out) {
    const intptr_t plans = u->plans, step = u->score_cols > 1;
    for (intptr_t l = 0; l < u->leaders; l++) {
        const intptr_t at = l * plans;
        const double *drift = u->drift + (u->drift_row ? u->drift_row[l] * plans : at);
        const float *borrow = u->borrow + (u->borrow_row ? u->borrow_row[l] * plans : at);
        fc_utility_row(plans, u->career[l], u->score + l * u->score_cols, step,
                       u->welfare + at, u->intrinsic[l], drift,
                       u->budget_inertia[l * u->budget_step], borrow,
                       u->borrowing[l], u->budget[l], u->borrowing_inertia[l * u->borrowing_step],
                       out + at);
    }
}

#endif
