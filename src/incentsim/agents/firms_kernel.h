/* The firms' yearly step (incentsim.agents.firms, rules 1-4 of its module docstring:
 * productivity, output, investment, exit) for one chunk of whole prefectures, fused:
 * one pass over each prefecture's firms, then the exits of its weak firms, instead of
 * ~40 numpy passes; then entry (rule 5) into the segment's empty slots.
 *
 * Reproducibility: float32 arithmetic rounded operation by operation, with exp and
 * log of kernel_math.h's own (see there), so a firm's numbers do not depend on the
 * vector width, the instruction set or the machine; prefecture totals are float64
 * sums in a fixed order (fk_sums). Random words come from each segment's SFC64 stream
 * in the order numpy's ``random_raw`` gives them (SFC64's step inline, kernel_math.h's
 * ks_next, the stream left where numpy's would be), as firms.py drew them before: the
 * segment's normals (one per slot), then one uniform per weak alive firm, one per
 * empty slot after the exits, and one normal per entrant, each in slot order.
 */
#ifndef INCENTSIM_FIRMS_KERNEL_H
#define INCENTSIM_FIRMS_KERNEL_H

#include <float.h>

#include "kernel_math.h"

/* Rows of the parameter table (float64): one value per prefecture (ensemble members
 * may differ). The order is firms.py's KERNEL_PARAMETERS. */
enum {
    F_ALPHA,       /* rules 2-3: capital_share */
    F_DRIFT,       /* rule 1: incumbent_learning * frontier_growth - sd**2 / 2 */
    F_SD,          /* rule 1: firm_productivity_sd */
    F_ENV,         /* rule 2: the prefecture's environment M_p */
    F_LOG_SUB,     /* rule 3: log((1 + subsidy rate) / (hurdle rate + depreciation)) */
    F_SLOPE,       /* rule 3: firm_investment_sensitivity * confidence */
    F_DELTA,       /* rule 3: depreciation */
    F_MAX_RATE,    /* rule 3: max_investment_rate */
    F_WEAK,        /* rule 4: exit_threshold * the prefecture's frontier */
    F_PROTECTION,  /* rule 4: probability that a weak firm is protected */
    F_ENTRY,       /* rule 5: probability that an empty slot is entered */
    F_FRONTIER,    /* rule 5: the prefecture's frontier */
    F_ENTRANT_SD,  /* rule 5: entrant_productivity_sd */
    F_CAP_SCALE,   /* rule 5: alpha / (hurdle rate + depreciation) */
    F_CAP_POWER,   /* rule 5: 1 / (1 - alpha) */
    F_ENTRANT_CAP, /* rule 5: entrant_capital */
    N_FPARAMS
};

/* Rows of the prefecture totals, in the order of firms.py's FirmYear fields (the
 * kernel writes all but entries). */
enum {
    A_OUTPUT, A_CAPITAL, A_INVESTMENT, A_ENTRIES, A_EXITS, A_ALIVE, A_TFP_NUM, A_TFP_DEN,
    N_TOTALS
};

typedef struct {
    /* state columns of the chunk's firm slots (n = rows * per) */
    float *productivity, *capital, *output;
    uint8_t *alive, *protected_;
    int16_t *age;
    /* out: the chunk slots entered this year, in order (room for n) */
    intptr_t *entered;
    /* parameters: N_FPARAMS rows of `stride` prefectures, the chunk's first at column
     * lo; totals: rows of `stride` prefectures likewise */
    const double *par;
    double *agg;
    intptr_t stride, lo;
    intptr_t rows, per;
    /* random streams (SFC64 states): segment s covers rows seg_row[s] ..
     * seg_row[s + 1] - 1 */
    int n_segments;
    const intptr_t *seg_row;
    ks_sfc64 **streams;
    /* out: how many segments have a slot fk_first_broken finds */
    intptr_t broken;
} fk_chunk;

/* Per-slot terms summed into a prefecture's totals (scratch rows of `per` floats). */
enum { S_OUTPUT, S_CAPITAL, S_INVESTMENT, S_ALIVE, S_TFP_NUM, S_TFP_DEN, N_SUMS };

/* The float64 sums of the N_SUMS rows of n floats at x (row r at x + r * n), each in
 * the same order: eight running sums (slot j into sum j % 8, in order), then added
 * pairwise; the same order whatever the vector width. The rows are summed side by
 * side, so their running sums are independent chains, not one after another (a
 * prefecture's six rows cost a chain of additions each, waiting on the one before). */
KS_INLINE void fk_sums(const float *restrict x, intptr_t n, double *restrict out) {
    double acc[N_SUMS][8];
    for (int k = 0; k < N_SUMS; k++)
        for (int l = 0; l < 8; l++)
            acc[k][l] = 0.0;
    intptr_t j = 0;
    for (; j + 8 <= n; j += 8)
        for (int k = 0; k < N_SUMS; k++)
            for (int l = 0; l < 8; l++)
                acc[k][l] += (double)x[k * n + j + l];
    for (int k = 0; k < N_SUMS; k++) {
        double *a = acc[k];
        for (int l = 0; j + l < n; l++)
            a[l] += (double)x[k * n + j + l];
        out[k] = ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
    }
}

/* A prefecture's parameters of rules 1-3 (fk_rules_1_to_3). */
typedef struct {
    float alpha, drift, sd, env, slope, delta, max_rate, threshold, alpha_less_1, min_rate,
        shift;
} fk_rates;

/* Rules 1-3 for n slots of one prefecture (below): the loop over floats only, with
 * every array distinct (restrict: vectorised). */
KS_INLINE void fk_walk_produce_invest(const fk_rates *r, intptr_t n, const float *restrict e,
                                      float *restrict prod, float *restrict cap,
                                      float *restrict out, const float *restrict s_alive,
                                      float *restrict s_out, float *restrict s_cap,
                                      float *restrict s_inv, float *restrict s_num,
                                      float *restrict s_den) {
    for (intptr_t j = 0; j < n; j++) {
        const float live = s_alive[j];
        /* 1. a *= exp(drift + sd * e) */
        const float a = prod[j] * ks_exp(e[j] * r->sd + r->drift);
        prod[j] = a;
        /* 2. y = M a k**alpha (alive firms) */
        const float k = cap[j], logk = ks_log(k);
        const float kpow = ks_exp(logk * r->alpha) * live;
        const float y = a * kpow;
        s_num[j] = y;
        s_den[j] = kpow;
        out[j] = y * r->env;
        s_out[j] = y * r->env;
        /* 3. rate = clip(slope log(MPK (1 + s) / user cost), -delta, max rate) */
        float rate = (((logk * r->alpha_less_1) + ks_log(a)) + r->shift) * r->slope;
        rate = rate < r->min_rate ? r->min_rate : rate;
        rate = (rate > r->max_rate ? r->max_rate : rate) * live;
        const float capa = k * live;
        s_cap[j] = capa;
        s_inv[j] = (rate + r->delta) * capa;
        cap[j] = k * (rate + 1.0f);
    }
}

/* Columns of the last slots of a prefecture, copied out and padded to a full vector. */
enum { T_E, T_PROD, T_CAP, T_OUT, T_ALIVE, T_NUM, T_DEN, T_SOUT, T_SCAP, T_SINV, N_TCOLS };

/* Rules 1-3 for the `per` slots of one prefecture (parameter column `at`), e this
 * year's shocks: every slot's productivity walks; an alive firm produces, invests and
 * ages (a dead slot's output, investment and rate are 0, its capital unchanged); each
 * slot's terms of the prefecture totals go to the s_* rows, and `weak` (the protected
 * column) flags the weak alive firms (rule 4 decides which stay protected). The slots
 * are taken KS_WIDTH at a time and the last per % KS_WIDTH through a padded copy, so
 * they too run in full vectors instead of one by one (the same numbers: each slot's
 * are its own). */
KS_INLINE void fk_rules_1_to_3(const double *par, intptr_t stride, intptr_t at,
                               intptr_t per, const float *restrict e,
                               float *restrict prod, float *restrict cap,
                               float *restrict out, const uint8_t *restrict alive,
                               uint8_t *restrict weak, int16_t *restrict age,
                               float *restrict s_out, float *restrict s_cap,
                               float *restrict s_inv, float *restrict s_alive,
                               float *restrict s_num, float *restrict s_den) {
    fk_rates r;
    r.alpha = (float)par[F_ALPHA * stride + at];
    r.drift = (float)par[F_DRIFT * stride + at];
    r.sd = (float)par[F_SD * stride + at];
    r.env = (float)par[F_ENV * stride + at];
    r.slope = (float)par[F_SLOPE * stride + at];
    r.delta = (float)par[F_DELTA * stride + at];
    r.max_rate = (float)par[F_MAX_RATE * stride + at];
    r.threshold = (float)par[F_WEAK * stride + at];
    /* log(MPK (1 + s) / user cost) = (alpha - 1) log k + log a + log(alpha M) + log_sub */
    r.alpha_less_1 = r.alpha - 1.0f;
    r.min_rate = -r.delta;
    r.shift = ks_log(r.alpha * r.env) + (float)par[F_LOG_SUB * stride + at];
    for (intptr_t j = 0; j < per; j++)
        s_alive[j] = (float)alive[j];
    const intptr_t body = per - per % KS_WIDTH, rest = per - body;
    fk_walk_produce_invest(&r, body, e, prod, cap, out, s_alive, s_out, s_cap, s_inv, s_num,
                           s_den);
    if (rest) {
        float t[N_TCOLS][KS_WIDTH] = {{0.0f}};
        const size_t bytes = (size_t)rest * sizeof(float);
        memcpy(t[T_E], e + body, bytes);
        memcpy(t[T_PROD], prod + body, bytes);
        memcpy(t[T_CAP], cap + body, bytes);
        memcpy(t[T_ALIVE], s_alive + body, bytes);
        fk_walk_produce_invest(&r, KS_WIDTH, t[T_E], t[T_PROD], t[T_CAP], t[T_OUT],
                               t[T_ALIVE], t[T_SOUT], t[T_SCAP], t[T_SINV], t[T_NUM],
                               t[T_DEN]);
        memcpy(prod + body, t[T_PROD], bytes);
        memcpy(cap + body, t[T_CAP], bytes);
        memcpy(out + body, t[T_OUT], bytes);
        memcpy(s_out + body, t[T_SOUT], bytes);
        memcpy(s_cap + body, t[T_SCAP], bytes);
        memcpy(s_inv + body, t[T_SINV], bytes);
        memcpy(s_num + body, t[T_NUM], bytes);
        memcpy(s_den + body, t[T_DEN], bytes);
    }
    for (intptr_t j = 0; j < per; j++) {
        age[j] = (int16_t)(age[j] + alive[j]);
        /* 4. (below) weak: productivity under the prefecture's exit threshold */
        weak[j] = alive[j] & (prod[j] < r.threshold);
    }
}

/* Rule 4 for the `n` slots from chunk slot `first` of a segment whose weak alive firms
 * are flagged in prot: each draws one uniform from the segment's stream (in order; a
 * word for every two, as ``random_raw`` of (count + 1) / 2 words would draw them,
 * `halves` and `drawn` carried from one prefecture to the next) and is protected when
 * it is below the prefecture's protection probability (compared in float64), else it
 * exits (not alive, no output; the prefecture's exits counted). Flags are read 64 at
 * a time (ks_bits), only the set ones visited. Returns the exits. */
KS_INLINE intptr_t fk_exits(ks_sfc64 *g, uint32_t *halves, intptr_t *drawn,
                            double protection, intptr_t n, uint8_t *prot, uint8_t *alive,
                            float *out) {
    ks_rng r = ks_load(g);
    intptr_t exits = 0;
    for (intptr_t at = 0; at < n; at += 64) {
        for (uint64_t w = ks_bits(prot + at, n - at < 64 ? n - at : 64, 0); w; w &= w - 1) {
            const intptr_t i = at + ks_lowest(w);
            if (*drawn % 2 == 0) {
                const uint64_t raw = ks_next(&r);
                memcpy(halves, &raw, 8);
            }
            const float u = ks_uniform(halves[*drawn % 2]);
            ++*drawn;
            /* without a branch: the draws do not follow a pattern to predict */
            const uint8_t stays = (double)u < protection;
            prot[i] = stays;
            alive[i] = stays;
            out[i] = stays ? out[i] : 0.0f;
            exits += 1 - stays;
        }
    }
    ks_store(g, r);
    return exits;
}

/* Entrants taken at a time (fk_enter), a multiple of KS_WIDTH; columns of a block. */
enum { FK_BLOCK = 64 };
enum { E_Z, E_SD, E_FRONTIER, E_SCALE, E_ENV, E_POWER, E_CAPITAL, N_ECOLS };

/* Rule 5's entrants, n of them (columns of x, by entrant: E_Z their normals, the rest
 * their prefectures' parameters): productivity a = frontier * exp(entrant_sd * z) into
 * prod, capital entrant_capital * exp(log(cap_scale * (M * a)) * cap_power) into cap.
 * Every array distinct (restrict: vectorised). */
KS_INLINE void fk_entrants(intptr_t n, float (*restrict x)[FK_BLOCK], float *restrict prod,
                           float *restrict cap) {
    for (intptr_t i = 0; i < n; i++) {
        const float a = ks_exp(x[E_Z][i] * x[E_SD][i]) * x[E_FRONTIER][i];
        const float steady =
            ks_exp(ks_log(x[E_SCALE][i] * (x[E_ENV][i] * a)) * x[E_POWER][i]);
        prod[i] = a;
        cap[i] = x[E_CAPITAL][i] * steady;
    }
}

/* The m entrants of a segment into their slots (`entered`, in order; z their normals;
 * the segment's first prefecture is column lo of the parameters, and ends at chunk
 * slot next): each alive, aged 0, with fk_entrants' productivity and capital, counted
 * in its prefecture's entries. Taken FK_BLOCK at a time: their parameters gathered one
 * by one, then their numbers in full vectors (a block's last entrants padded with
 * zeros, computed and not kept), then written to their slots. */
KS_INLINE void fk_enter(const fk_chunk *c, intptr_t lo, intptr_t next, intptr_t m,
                        const intptr_t *entered, const float *z) {
    const intptr_t per = c->per, stride = c->stride;
    const double *par = c->par;
    intptr_t at = lo; /* the prefecture of the entrant, which ends at chunk slot next */
    for (intptr_t b = 0; b < m; b += FK_BLOCK) {
        const intptr_t len = m - b < FK_BLOCK ? m - b : FK_BLOCK;
        float x[N_ECOLS][FK_BLOCK] = {{0.0f}}, prod[FK_BLOCK], cap[FK_BLOCK];
        for (intptr_t i = 0; i < len; i++) {
            for (; entered[b + i] >= next; next += per)
                at++;
            x[E_Z][i] = z[b + i];
            x[E_SD][i] = (float)par[F_ENTRANT_SD * stride + at];
            x[E_FRONTIER][i] = (float)par[F_FRONTIER * stride + at];
            x[E_SCALE][i] = (float)par[F_CAP_SCALE * stride + at];
            x[E_ENV][i] = (float)par[F_ENV * stride + at];
            x[E_POWER][i] = (float)par[F_CAP_POWER * stride + at];
            x[E_CAPITAL][i] = (float)par[F_ENTRANT_CAP * stride + at];
            c->agg[A_ENTRIES * stride + at] += 1.0;
        }
        fk_entrants((len + KS_WIDTH - 1) / KS_WIDTH * KS_WIDTH, x, prod, cap);
        for (intptr_t i = 0; i < len; i++) {
            const intptr_t j = entered[b + i];
            c->productivity[j] = prod[i];
            c->capital[j] = cap[i];
            c->alive[j] = 1;
            c->age[j] = 0;
        }
    }
}

/* Rule 5 for the `size` slots of a segment from chunk slot `a0`: each empty slot
 * draws a uniform from the segment's stream (in slot order, a word for every two, as
 * rule 4's draws) and is entered when it is below its prefecture's entry probability
 * (compared in float64); then the entrants draw one normal each (u, e: scratch for
 * them). An entrant is alive, aged 0, with productivity frontier * exp(entrant_sd * z)
 * and capital entrant_capital times its steady state (cap_scale * M * a) ** cap_power.
 * Counts the prefectures' entries, writes the slots entered to `entered` (in order)
 * and returns how many. */
KS_INLINE intptr_t fk_entry(const fk_chunk *c, ks_sfc64 *g, intptr_t a0, intptr_t size,
                            uint32_t *u, float *e, intptr_t *entered) {
    const intptr_t per = c->per, stride = c->stride, lo = c->lo + a0 / per;
    const double *par = c->par;
    ks_rng r = ks_load(g);
    uint32_t halves[2] = {0, 0};
    intptr_t m = 0, drawn = 0;
    for (intptr_t a = a0; a < a0 + size; a += per) { /* prefecture by prefecture */
        const double entry = par[F_ENTRY * stride + lo + (a - a0) / per];
        for (intptr_t at = 0; at < per; at += 64) {
            /* the empty slots of 64, visited in order */
            for (uint64_t w = ks_bits(c->alive + a + at, per - at < 64 ? per - at : 64, 1); w;
                 w &= w - 1) {
                if (drawn % 2 == 0) {
                    const uint64_t raw = ks_next(&r);
                    memcpy(halves, &raw, 8);
                }
                const float draw = ks_uniform(halves[drawn % 2]);
                drawn++;
                /* written always, kept when entered (no branch to mispredict) */
                entered[m] = a + at + ks_lowest(w);
                m += (double)draw < entry;
            }
        }
    }
    ks_store(g, r);
    ks_normals(g, u, e, m);
    fk_enter(c, lo, a0 + per, m, entered, e);
    return m;
}

/* Scratch memory (4-byte slots) for a chunk of n firm slots in prefectures of per. */
KS_INLINE intptr_t fk_scratch_slots(intptr_t n, intptr_t per) {
    return 2 * n + n / per + 1 + N_SUMS * per;
}

/* The invariants of the firms' columns (incentsim.model's _check_agents), in one pass
 * over n slots: bad[0] the first slot whose capital is negative, infinite or NaN (-0 is
 * not negative), bad[1] the first dead slot whose output is not 0; -1 where none. Slots
 * are tested in blocks of 1024 without branches (vectorised), a block with a broken
 * slot then slot by slot. */
KS_CLONES static void fk_first_broken(const float *restrict cap, const float *restrict out,
                                      const uint8_t *restrict alive, intptr_t n,
                                      intptr_t *bad) {
    bad[0] = bad[1] = -1;
    for (intptr_t at = 0; at < n && (bad[0] < 0 || bad[1] < 0); at += 1024) {
        const intptr_t end = n - at < 1024 ? n : at + 1024;
        int broken = 0;
        for (intptr_t i = at; i < end; i++)
            broken |= (((cap[i] >= 0.0f) & (cap[i] <= FLT_MAX)) == 0)
                      | ((alive[i] == 0) & (out[i] != 0.0f));
        for (intptr_t i = at; broken && i < end; i++) {
            if (bad[0] < 0 && !(cap[i] >= 0.0f && cap[i] <= FLT_MAX))
                bad[0] = i;
            if (bad[1] < 0 && !alive[i] && out[i] != 0.0f)
                bad[1] = i;
        }
    }
}

/* The year of one chunk, segment by segment (each draws from its own stream): first
 * every segment's words of its normals (ks_segment_words), then per segment its
 * normals, prefecture by prefecture rules 1-3, the prefecture's totals, and its exits;
 * then the segment's entry. `scratch`: at least
 * fk_scratch_slots 4-byte slots (the segments' words, a segment's normals, a prefecture's terms
 * of the totals); last the segment's invariants (fk_first_broken), counted in
 * c->broken (zero before). Returns how many slots were entered (c->entered). */
KS_CLONES static intptr_t fk_step_chunk(fk_chunk *c, void *scratch) {
    const intptr_t n = c->rows * c->per, per = c->per, stride = c->stride;
    uint32_t *u = scratch;
    float *e = (float *)(u + n + c->rows + 1), *sums = e + n;
    ks_segment_words(c->streams, c->n_segments, c->seg_row, per, u);
    intptr_t m = 0;
    for (int s = 0; s < c->n_segments; s++) {
        const intptr_t first = c->seg_row[s], a0 = first * per;
        const intptr_t size = (c->seg_row[s + 1] - first) * per;
        uint32_t halves[2] = {0, 0};
        intptr_t drawn = 0; /* the segment's exit uniforms so far */
        uint32_t *words = u + ks_words_at(c->seg_row, per, s);
        ks_box_muller(words, e, size);
        for (intptr_t row = first; row < c->seg_row[s + 1]; row++) {
            const intptr_t a = row * per, at = c->lo + row;
            fk_rules_1_to_3(c->par, stride, at, per, e + (a - a0), c->productivity + a,
                            c->capital + a, c->output + a, c->alive + a,
                            c->protected_ + a, c->age + a, sums + S_OUTPUT * per,
                            sums + S_CAPITAL * per, sums + S_INVESTMENT * per,
                            sums + S_ALIVE * per, sums + S_TFP_NUM * per,
                            sums + S_TFP_DEN * per);
            double *agg = c->agg + at, total[N_SUMS];
            fk_sums(sums, per, total);
            agg[A_OUTPUT * stride] = total[S_OUTPUT];
            agg[A_CAPITAL * stride] = total[S_CAPITAL];
            agg[A_INVESTMENT * stride] = total[S_INVESTMENT];
            agg[A_ALIVE * stride] = total[S_ALIVE];
            agg[A_TFP_NUM * stride] = total[S_TFP_NUM];
            agg[A_TFP_DEN * stride] = total[S_TFP_DEN];
            agg[A_EXITS * stride] = (double)fk_exits(
                c->streams[s], halves, &drawn, c->par[F_PROTECTION * stride + at], per,
                c->protected_ + a, c->alive + a, c->output + a);
        }
        m += fk_entry(c, c->streams[s], a0, size, words, e, c->entered + m);
        intptr_t bad[2]; /* the segment's invariants, while its columns are in cache */
        fk_first_broken(c->capital + a0, c->output + a0, c->alive + a0, size, bad);
        c->broken += bad[0] >= 0 || bad[1] >= 0;
    }
    return m;
}

#endif
