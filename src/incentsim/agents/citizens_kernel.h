/* The citizens' yearly step (incentsim.agents.citizens, rules 1-5 of its module
 * docstring) for one chunk of whole prefectures, fused: one pass over the citizens
 * for rules 1-4 and one for the social pull, instead of ~50 numpy passes.
 *
 * Reproducibility: float32 arithmetic rounded operation by operation, with exp, log,
 * sin and cos of kernel_math.h's own (see there), so a citizen's numbers do not depend
 * on the vector width, the instruction set or the machine. Random words come from
 * each segment's SFC64 stream in the order numpy's ``random_raw`` gives them (SFC64's
 * step inline, kernel_math.h's ks_next, the stream left where numpy's would be);
 * uniforms and normals are made from them exactly as incentsim.agents.fastrng
 * describes (23-bit uniforms, Box-Muller), with those functions for log, sin and cos.
 */
#ifndef INCENTSIM_CITIZENS_KERNEL_H
#define INCENTSIM_CITIZENS_KERNEL_H

#include "kernel_math.h"
#include "pairwise_sum.h"

/* Rows of the parameter table: one value per prefecture (ensemble members may
 * differ). The order is citizens.py's KERNEL_PARAMETERS. */
enum {
    P_WAGE,        /* rule 1: the prefecture's wage */
    P_INCOME_SD,   /* rule 1: income_shock_sd */
    P_ADJ,         /* rule 1: expectation_adjustment */
    P_NEG_WEIGHT,  /* rule 2: -satisfaction_income (the index's weight on the surprise) */
    P_NEG_NOISE,   /* rule 2: -citizen_noise */
    P_BASE,        /* rule 2: the rest of the satisfaction index (services, pollution, news) */
    P_TRAPPED,     /* rule 3: 1 where a Tacitus threshold is set, else 0 */
    P_THR,         /* rule 3: tacitus_threshold */
    P_TAC,         /* rule 3: trust_gain_rate / tacitus_threshold */
    P_GAIN,        /* rule 3: trust_gain_rate */
    P_LOSS,        /* rule 3: trust_loss_rate */
    P_KEEP,        /* rule 3: 1 - social_influence */
    P_PULL,        /* rule 3: social_influence / k */
    P_SHOCK,       /* rule 3: scandal_shock */
    P_PREMIUM,     /* rule 4: central_premium */
    P_CREDIT,      /* rule 4: central_credit * trust_gain_rate */
    P_BLAME,       /* rule 4: central_blame * trust_loss_rate */
    P_PTHR,        /* rule 5: petition_threshold */
    P_PSCALE,      /* rule 5: petition_scale * petition_propensity / petition_threshold */
    N_PARAMS
};

typedef struct {
    /* state columns of the chunk's citizens (n = rows * per) */
    float *income, *expected_growth, *satisfaction, *trust_local, *trust_central;
    const float *skill;
    uint8_t *petitioned;
    /* out: per prefecture (`stride` of them, the chunk's first at column lo), the float32
     * sums of satisfaction (row 0) and of expected growth (row 1), as numpy sums them
     * (ks_numpy_sum), and the count of petitioners */
    float *sums;
    intptr_t *petitions;
    /* parameters: N_PARAMS rows of `stride` prefectures, the chunk's first at column lo */
    const float *par;
    intptr_t stride, lo;
    intptr_t rows, per;
    /* network: lattice ties (0, 1 or 2) and k_rand random ties, ties[r * tie_stride + i]
     * the chunk-local row of citizen i's r-th random tie */
    int n_lattice, k_rand;
    const int32_t *ties;
    intptr_t tie_stride;
    /* random streams (SFC64 states): segment s covers rows seg_row[s] ..
     * seg_row[s + 1] - 1 */
    int n_segments;
    const intptr_t *seg_row;
    ks_sfc64 **streams;
} ks_chunk;

/* numpy's float32 sum of a row (pairwise_sum.h); recursive, so not inlined: cloned for
 * the instruction sets as ks_step_chunk is */
KS_PAIRWISE_SUM(ks_pairwise, float, KS_CLONES static)
KS_INLINE float ks_numpy_sum(const float *x, intptr_t n) { return 0.0f + ks_pairwise(x, n); }

/* ------------------------------------------------------------------- the rules */

#define KS_PAR(name, row) (c->par[(name) * c->stride + c->lo + (row)])

/* A prefecture's parameters of rules 1-4 (ks_rules_1_to_4). */
typedef struct {
    float wage, sd, adj, neg_weight, neg_noise, base, thr, tac, gain, loss, premium, credit,
        blame, pthr;
    int trapped;
} ks_rates;

/* Rules 1-4 for n citizens of one prefecture (below), every array distinct
 * (restrict: the loop is vectorised). */
KS_INLINE void ks_citizen_year(const ks_rates *r, intptr_t n, const float *restrict e,
                               const float *restrict skill, const float *restrict tl,
                               float *restrict inc, float *restrict eg, float *restrict sat,
                               float *restrict tc, float *restrict t,
                               uint8_t *restrict below) {
    for (intptr_t j = 0; j < n; j++) {
        /* 1. income = wage * skill * exp(sd * e); surprise = growth - expected growth */
        float income = ks_exp(e[j] * r->sd) * r->wage * skill[j];
        float surprise = income / inc[j] - 1.0f - eg[j];
        eg[j] = eg[j] + surprise * r->adj;
        inc[j] = income;
        /* 2. satisfaction = logistic(index + noise * e) = 1 / (1 + exp(-(...))):
         * exp overflows to inf for a very unhappy citizen, satisfaction 0 */
        float x = surprise * r->neg_weight + e[j] * r->neg_noise - r->base;
        float s = 1.0f / (ks_exp(x) + 1.0f);
        sat[j] = s;
        below[j] = s < r->pthr;  /* 5. may petition (ks_petitions draws) */
        /* 3. local trust moves toward satisfaction: gains at the gain rate (below the
         * Tacitus threshold in proportion to trust), losses at the loss rate */
        float own = tl[j];
        float gap = s - own;
        float up = r->trapped ? (own < r->thr ? own : r->thr) * r->tac : r->gain;
        t[j] = own + (gap > 0.0f ? up * gap : gap * r->loss);
        /* 4. trust in the centre moves toward min(1, satisfaction + premium): credit
         * for gains, blame for losses */
        float target = s + r->premium;
        float gap_c = (target > 1.0f ? 1.0f : target) - tc[j];
        float moved = tc[j] + (gap_c > 0.0f ? gap_c * r->credit : gap_c * r->blame);
        moved = moved < 0.0f ? 0.0f : moved;
        tc[j] = moved > 1.0f ? 1.0f : moved;
    }
}

/* Columns of the last citizens of a prefecture, copied out and padded to a full vector. */
enum { C_E, C_SKILL, C_TL, C_INC, C_EG, C_SAT, C_TC, C_T, N_CCOLS };

/* Rules 1-4 for the `per` citizens of one prefecture, whose parameters are the
 * column `at` of the table `par` (`stride` prefectures a row): income, expectations,
 * satisfaction, the move of trust in the centre, each citizen's moved local trust t
 * (before the social pull), and whether satisfaction is below the petition threshold
 * (`below`). e: this year's shocks. The citizens are taken KS_WIDTH at a time and the
 * last per % KS_WIDTH through a padded copy, so they too run in full vectors (the
 * same numbers: each citizen's are its own). */
KS_INLINE void ks_rules_1_to_4(const float *par, intptr_t stride, intptr_t at, intptr_t per,
                               const float *e, const float *skill, const float *tl,
                               float *inc, float *eg, float *sat, float *tc, float *t,
                               uint8_t *below) {
    const ks_rates r = {
        par[P_WAGE * stride + at],       par[P_INCOME_SD * stride + at],
        par[P_ADJ * stride + at],        par[P_NEG_WEIGHT * stride + at],
        par[P_NEG_NOISE * stride + at],  par[P_BASE * stride + at],
        par[P_THR * stride + at],        par[P_TAC * stride + at],
        par[P_GAIN * stride + at],       par[P_LOSS * stride + at],
        par[P_PREMIUM * stride + at],    par[P_CREDIT * stride + at],
        par[P_BLAME * stride + at],      par[P_PTHR * stride + at],
        par[P_TRAPPED * stride + at] != 0.0f};
    const intptr_t body = per - per % KS_WIDTH, rest = per - body;
    ks_citizen_year(&r, body, e, skill, tl, inc, eg, sat, tc, t, below);
    if (rest) {
        float b[N_CCOLS][KS_WIDTH] = {{0.0f}};
        uint8_t flags[KS_WIDTH];
        const size_t bytes = (size_t)rest * sizeof(float);
        memcpy(b[C_E], e + body, bytes);
        memcpy(b[C_SKILL], skill + body, bytes);
        memcpy(b[C_TL], tl + body, bytes);
        memcpy(b[C_INC], inc + body, bytes);
        memcpy(b[C_EG], eg + body, bytes);
        memcpy(b[C_TC], tc + body, bytes);
        ks_citizen_year(&r, KS_WIDTH, b[C_E], b[C_SKILL], b[C_TL], b[C_INC], b[C_EG],
                        b[C_SAT], b[C_TC], b[C_T], flags);
        memcpy(inc + body, b[C_INC], bytes);
        memcpy(eg + body, b[C_EG], bytes);
        memcpy(sat + body, b[C_SAT], bytes);
        memcpy(tc + body, b[C_TC], bytes);
        memcpy(t + body, b[C_T], bytes);
        memcpy(below + body, flags, (size_t)rest);
    }
}

/* The moved trust `moved` of a citizen whose neighbours' moved trusts sum to `acc`,
 * pulled toward their mean (keep = 1 - influence, pull = influence / k), knocked down
 * by a scandal and clipped to [0, 1]. */
KS_INLINE float ks_pulled(float moved, float acc, float keep, float pull, float shock) {
    moved = moved * keep + acc * pull - shock;
    moved = moved < 0.0f ? 0.0f : moved;
    return moved > 1.0f ? 1.0f : moved;
}

/* Rule 3 (end) for the `per` citizens of one prefecture, whose moved trusts are `own`
 * (the prefecture's first citizen is the chunk's row `a`): each is pulled toward the
 * mean of its neighbours' (the ring's j + 1 and j - 1, n_lattice of them, then k_rand
 * random ties, `ties` rows `tie_stride` apart, of chunk rows; summed in that order),
 * a scandal knocks it down, and it is clipped to [0, 1] into tl. Inlined for each
 * small k_rand (ks_social_pull), so the loop over citizens is vectorised. */
KS_INLINE void
ks_social_row(intptr_t per, int n_lattice, int k_rand, const int32_t *restrict ties,
              intptr_t tie_stride, intptr_t a, const float *restrict own, float keep,
              float pull, float shock, float *restrict tl) {
    if (n_lattice == 0) {  /* no neighbours */
        for (intptr_t j = 0; j < per; j++) {
            float moved = own[j] - shock;
            moved = moved < 0.0f ? 0.0f : moved;
            tl[j] = moved > 1.0f ? 1.0f : moved;
        }
        return;
    }
    const int32_t first = (int32_t)a;  /* ties are below 2**31: chunks are small */
    /* the ring's ends, then the citizens between them (no wrap-around) */
    const intptr_t ends[2] = {0, per - 1};
    for (int end = 0; end < 2; end++) {
        const intptr_t j = ends[end];
        float acc = own[j + 1 < per ? j + 1 : 0];
        if (n_lattice == 2)
            acc = acc + own[j > 0 ? j - 1 : per - 1];
        for (int r = 0; r < k_rand; r++)
            acc = acc + own[ties[r * tie_stride + j] - first];
        tl[j] = ks_pulled(own[j], acc, keep, pull, shock);
    }
    for (intptr_t j = 1; j < per - 1; j++) {
        float acc = n_lattice == 2 ? own[j + 1] + own[j - 1] : own[j + 1];
        for (int r = 0; r < k_rand; r++)
            acc = acc + own[ties[r * tie_stride + j] - first];
        tl[j] = ks_pulled(own[j], acc, keep, pull, shock);
    }
}

/* ks_social_row with k_rand a constant where it is small (the default: 2). */
KS_INLINE void ks_social_pull(intptr_t per, int n_lattice, int k_rand, const int32_t *ties,
                           intptr_t tie_stride, intptr_t a, const float *own, float keep,
                           float pull, float shock, float *tl) {
    switch (k_rand) {
#define KS_K(K)                                                                          \
    case K:                                                                              \
        ks_social_row(per, n_lattice, K, ties, tie_stride, a, own, keep, pull, shock, tl); \
        return;
        KS_K(0) KS_K(1) KS_K(2) KS_K(3) KS_K(4)
#undef KS_K
    default:
        ks_social_row(per, n_lattice, k_rand, ties, tie_stride, a, own, keep, pull, shock, tl);
    }
}

/* The social pull where the CPU has AVX-512 (x86-64-v4; gcc 12 or later on x86-64
 * Linux): ks_social_pull compiled again, tuned for Ice Lake servers, whose tuning
 * gathers the random ties' trusts with the gather instruction, where gcc's generic
 * tuning (ks_step_chunk's clones) gathers them lane by lane (the loop over 300
 * citizens: 1.37 -> 0.43 ns a citizen, measured in C). The same numbers: each
 * citizen's own operations, in the same order. ks_step_chunk calls it when the CPU
 * runs x86-64-v4. */
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__) && \
    __GNUC__ >= 12
#define KS_GATHERS 1
__attribute__((noinline, target("arch=x86-64-v4,tune=icelake-server,prefer-vector-width=512")))
static void ks_social_pull_gathered(intptr_t per, int n_lattice, int k_rand,
                                    const int32_t *ties, intptr_t tie_stride, intptr_t a,
                                    const float *own, float keep, float pull, float shock,
                                    float *tl) {
    ks_social_pull(per, n_lattice, k_rand, ties, tie_stride, a, own, keep, pull, shock, tl);
}
#endif

/* Rule 5 for the `n` citizens of a segment (`first` its first row), each flagged in
 * pet when below the petition threshold: such a citizen petitions with probability
 * (threshold - satisfaction) * scale, drawing one uniform from the segment's stream
 * (in order; a word is drawn for every two, as ``random_raw`` of (count + 1) / 2
 * words would draw them), and is counted in its prefecture's petitions (zero before).
 * Flags are read 64 at a time (ks_bits), only the set ones visited. */
KS_INLINE void ks_petitions(const ks_chunk *c, ks_sfc64 *g, intptr_t first, intptr_t n,
                         const float *sat, uint8_t *pet) {
    ks_rng r = ks_load(g);
    uint32_t halves[2] = {0, 0};
    intptr_t drawn = 0;  /* uniforms used so far */
    for (intptr_t at = 0; at < n; at += 64) {
        for (uint64_t w = ks_bits(pet + at, n - at < 64 ? n - at : 64, 0); w; w &= w - 1) {
            const intptr_t i = at + ks_lowest(w), row = first + i / c->per;
            if (drawn % 2 == 0) {
                const uint64_t raw = ks_next(&r);
                memcpy(halves, &raw, 8);
            }
            const float u = ks_uniform(halves[drawn % 2]);
            drawn++;
            pet[i] = u < (KS_PAR(P_PTHR, row) - sat[i]) * KS_PAR(P_PSCALE, row);
            c->petitions[c->lo + row] += pet[i];
        }
    }
    ks_store(g, r);
}

/* Whether any of the n trusts x is not in [0, 1] (NaN included; -0.0 is in), tested once
 * a segment, while it is in cache: flags or'ed, which vectorises (a max of the values'
 * bits did not: 17 times slower, measured alone). */
KS_CLONES static __attribute__((noinline)) int ks_outside_unit(const float *restrict x,
                                                                intptr_t n) {
    int outside = 0;
    for (intptr_t j = 0; j < n; j++)
        outside |= !((x[j] >= 0.0f) & (x[j] <= 1.0f));
    return outside;
}

/* Scratch memory (4-byte slots) for a chunk of n citizens in prefectures of per. */
KS_INLINE intptr_t ks_scratch_slots(intptr_t n, intptr_t per) {
    return 2 * n + n / per + 1 + per;
}

/* The year of one chunk, segment by segment (each draws from its own stream): first
 * every segment's words of its normals (ks_segment_words), then per segment its
 * normals, rules 1-4, the sums of satisfaction and expected growth,
 * and the social pull prefecture by prefecture (a prefecture's columns stay in cache),
 * then its petitions. `scratch`: at least
 * ks_scratch_slots 4-byte slots (the segments' words, a segment's normals, a prefecture's moved
 * trusts). Returns how many of the chunk's segments' columns of trust (local,
 * central) hold a value outside [0, 1] (ks_outside_unit). */
KS_CLONES static intptr_t ks_step_chunk(const ks_chunk *c, void *scratch) {
    const intptr_t n = c->rows * c->per, per = c->per;
    intptr_t outside = 0;
    uint32_t *u = scratch;
    float *e = (float *)(u + n + c->rows + 1), *t = e + n;
    ks_segment_words(c->streams, c->n_segments, c->seg_row, per, u);
    for (int s = 0; s < c->n_segments; s++) {
        const intptr_t first = c->seg_row[s], a0 = first * per;
        const intptr_t size = (c->seg_row[s + 1] - first) * per;
        ks_box_muller(u + ks_words_at(c->seg_row, per, s), e, size);
        for (intptr_t row = first; row < c->seg_row[s + 1]; row++) {
            const intptr_t a = row * per, at = c->lo + row;
            ks_rules_1_to_4(c->par, c->stride, at, per, e + (a - a0), c->skill + a,
                            c->trust_local + a, c->income + a, c->expected_growth + a,
                            c->satisfaction + a, c->trust_central + a, t,
                            c->petitioned + a);
            c->sums[at] = ks_numpy_sum(c->satisfaction + a, per);
            c->sums[c->stride + at] = ks_numpy_sum(c->expected_growth + a, per);
            c->petitions[at] = 0;
            const float keep = c->par[P_KEEP * c->stride + at];
            const float pull = c->par[P_PULL * c->stride + at];
            const float shock = c->par[P_SHOCK * c->stride + at];
#ifdef KS_GATHERS
            if (__builtin_cpu_supports("x86-64-v4"))
                ks_social_pull_gathered(per, c->n_lattice, c->k_rand, c->ties + a,
                                        c->tie_stride, a, t, keep, pull, shock,
                                        c->trust_local + a);
            else
#endif
                ks_social_pull(per, c->n_lattice, c->k_rand, c->ties + a, c->tie_stride, a,
                               t, keep, pull, shock, c->trust_local + a);
        }
        outside += ks_outside_unit(c->trust_local + a0, size) +
                   ks_outside_unit(c->trust_central + a0, size);
        ks_petitions(c, c->streams[s], first, size, c->satisfaction + a0, c->petitioned + a0);
    }
    return outside;
}

/* ks_normals as a function of its own, for the populations' set-up (their initial
 * draws): the same numbers on every machine, cloned for the instruction sets. */
KS_CLONES static void ks_fill_normals(ks_sfc64 *g, uint32_t *u, float *e, intptr_t n) {
    ks_normals(g, u, e, n);
}

#endif
