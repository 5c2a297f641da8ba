/* The citizens' yearly step (incentsim.agents.citizens, rules 1-5 of its module
 * docstring) for one chunk of whole prefectures, fused: one pass over the citizens
 * for rules 1-4 and one for the social pull, instead of ~50 numpy passes.
 *
 * Reproducibility. Every operation here is an IEEE float32 +, -, *, /, sqrt, compare
 * or bit operation, each rounded once (the build turns off fused multiply-adds:
 * -ffp-contract=off), and exp, log, sin and cos are the polynomials below rather
 * than a library's. So a citizen's numbers do not depend on where it falls in a
 * vectorised loop (the vector body or the scalar tail: an ensemble's member steps
 * bit for bit as alone), on the instruction set the compiler targets, nor on the
 * machine. Random words come from each segment's SFC64 stream in the order numpy's
 * ``random_raw`` gives them; uniforms and normals are made from them exactly as
 * incentsim.agents.fastrng describes (23-bit uniforms, Box-Muller), with these
 * functions for log, sin and cos.
 */
#ifndef INCENTSIM_CITIZENS_KERNEL_H
#define INCENTSIM_CITIZENS_KERNEL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Every helper is inlined into ks_step_chunk, and on x86-64 Linux (gcc, clang) that
 * is compiled three times, for AVX-512, AVX2 and the baseline, and the best the CPU
 * runs is chosen when the module loads: the same numbers, faster where the CPU allows
 * (the loops are vectorised 16, 8 or 4 floats wide). */
#if defined(__GNUC__)
#define KS_INLINE static inline __attribute__((always_inline))
#else
#define KS_INLINE static inline
#endif
#if defined(__x86_64__) && defined(__linux__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
/* x86-64-v4 (AVX-512 F/BW/DQ/VL) vectorises rules 1-4 16 wide, where "avx512f" alone
 * gives 8: a year 12 % cheaper (measured, gcc 12) */
#define KS_CLONES \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define KS_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#endif
#ifndef KS_CLONES
#define KS_CLONES
#endif

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

/* numpy's bit generator interface (numpy/random/bitgen.h): next_raw is what
 * ``BitGenerator.random_raw`` calls once per word. */
typedef struct {
    void *state;
    uint64_t (*next_uint64)(void *st);
    uint32_t (*next_uint32)(void *st);
    double (*next_double)(void *st);
    uint64_t (*next_raw)(void *st);
} ks_bitgen;

typedef struct {
    /* state columns of the chunk's citizens (n = rows * per) */
    float *income, *expected_growth, *satisfaction, *trust_local, *trust_central;
    const float *skill;
    uint8_t *petitioned;
    /* parameters: N_PARAMS rows of `stride` prefectures, the chunk's first at column lo */
    const float *par;
    intptr_t stride, lo;
    intptr_t rows, per;
    /* network: lattice ties (0, 1 or 2) and k_rand random ties, ties[r * tie_stride + i]
     * the chunk-local row of citizen i's r-th random tie */
    int n_lattice, k_rand;
    const int32_t *ties;
    intptr_t tie_stride;
    /* random streams: segment s covers rows seg_row[s] .. seg_row[s + 1] - 1 */
    int n_segments;
    const intptr_t *seg_row;
    ks_bitgen **streams;
} ks_chunk;

/* ------------------------------------------------------------------ float helpers */

KS_INLINE float ks_from_bits(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
KS_INLINE uint32_t ks_to_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

/* A 32-bit word to a uniform on (0, 1): ((u >> 9) + 0.5) / 2**23, exact. */
KS_INLINE float ks_uniform(uint32_t u) {
    return ks_from_bits((u >> 9) | 0x3F800000u) - (1.0f - 0x1p-24f);
}

/* exp(x) (Cephes' expf: 2**n times a polynomial on |r| <= ln2 / 2; about 1 ulp).
 * x is clamped to [-104, 89] first, so exp(x) >= 89 overflows to inf (satisfaction
 * 0 in rule 2) and exp(x) <= -104 is 0, as for the library's. */
KS_INLINE float ks_exp(float x) {
    x = x > 89.0f ? 89.0f : x;
    x = x < -104.0f ? -104.0f : x;
    /* n = round(x / ln 2): adding 1.5 * 2**23 rounds to an integer (|n| < 2**22) */
    float n = (x * 1.44269504088896341f + 0x1.8p23f) - 0x1.8p23f;
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    /* times 2**n in two halves (n in [-150, 129]: each half a normal power of two) */
    int32_t ni = (int32_t)n;
    int32_t half = ni / 2;
    float s1 = ks_from_bits((uint32_t)(half + 127) << 23);
    float s2 = ks_from_bits((uint32_t)(ni - half + 127) << 23);
    return p * s1 * s2;
}

/* log(x) for a positive normal x (Cephes' logf on a mantissa in [sqrt(1/2),
 * sqrt(2)); about 1 ulp). */
KS_INLINE float ks_log(float x) {
    uint32_t ix = ks_to_bits(x) + (0x3F800000u - 0x3F3504F3u);
    float e = (float)((int32_t)(ix >> 23) - 127);
    float f = ks_from_bits((ix & 0x007FFFFFu) + 0x3F3504F3u) - 1.0f;
    float z = f * f;
    float p = 7.0376836292e-2f;
    p = p * f - 1.1514610310e-1f;
    p = p * f + 1.1676998740e-1f;
    p = p * f - 1.2420140846e-1f;
    p = p * f + 1.4249322787e-1f;
    p = p * f - 1.6668057665e-1f;
    p = p * f + 2.0000714765e-1f;
    p = p * f - 2.4999993993e-1f;
    p = p * f + 3.3333331174e-1f;
    float y = f * z * p;
    y = y + e * -2.12194440e-4f;
    y = y - 0.5f * z;
    return (f + y) + e * 0.693359375f;
}

/* cos(2 pi u) and sin(2 pi u) for u in [0, 1]: the quarter turn q nearest to u,
 * then Cephes' sinf/cosf polynomials on 2 pi (u - q / 4), |.| <= pi / 4 (the
 * subtraction is exact). */
KS_INLINE void ks_cossin_turn(float u, float *c_out, float *s_out) {
    float q = (u * 4.0f + 0x1.8p23f) - 0x1.8p23f;
    float x = (u - q * 0.25f) * 6.28318530717958648f;
    float z = x * x;
    float s = ((-1.9515295891e-4f * z + 8.3321608736e-3f) * z - 1.6666654611e-1f) * z * x + x;
    float c = ((2.443315711809948e-5f * z - 1.388731625493765e-3f) * z + 4.166664568298827e-2f)
              * z * z - 0.5f * z + 1.0f;
    int32_t quarter = (int32_t)q & 3;  /* cos/sin of x + quarter * pi / 2 */
    float cq = (quarter & 1) ? s : c, sq = (quarter & 1) ? c : s;
    *c_out = (quarter == 1 || quarter == 2) ? -cq : cq;
    *s_out = (quarter >= 2) ? -sq : sq;
}

/* ---------------------------------------------------------------- random words */

/* n 32-bit words of a stream: (n + 1) / 2 raw 64-bit words, each split as numpy's
 * ``random_raw(...).view(np.uint32)`` splits it (native byte order). */
KS_INLINE void ks_words(ks_bitgen *g, uint32_t *out, intptr_t n) {
    for (intptr_t w = 0; w < (n + 1) / 2; w++) {
        uint64_t raw = g->next_raw(g->state);
        memcpy(out + 2 * w, &raw, 8);
    }
}

/* n standard normals from a stream into e (fastrng.normals): h = (n + 1) / 2 words'
 * 2h uniforms, radii from the first h and angles from the last h; the cosines
 * first, then the sines (the last sine left out when n is odd). */
KS_INLINE void ks_normals(ks_bitgen *g, uint32_t *restrict u, float *restrict e, intptr_t n) {
    intptr_t h = (n + 1) / 2, pairs = n - h;
    ks_words(g, u, 2 * h);
    for (intptr_t j = 0; j < h; j++) {
        float r = sqrtf(ks_log(ks_uniform(u[j])) * -2.0f);
        float c, s;
        ks_cossin_turn(ks_uniform(u[h + j]), &c, &s);
        e[j] = c * r;
        if (j < pairs)
            e[h + j] = s * r;
    }
}

/* ------------------------------------------------------------------- the rules */

#define KS_PAR(name, row) (c->par[(name) * c->stride + c->lo + (row)])

/* Rules 1-4 for the `per` citizens of one prefecture, whose parameters are the
 * column `at` of the table `par` (`stride` prefectures a row): income, expectations,
 * satisfaction, the move of trust in the centre, each citizen's moved local trust t
 * (before the social pull), and whether satisfaction is below the petition threshold
 * (`below`). e: this year's shocks. Every array is the prefecture's
 * own and distinct (restrict: the loop is vectorised). */
KS_INLINE void ks_rules_1_to_4(const float *par, intptr_t stride, intptr_t at, intptr_t per,
                            const float *restrict e, const float *restrict skill,
                            const float *restrict tl, float *restrict inc,
                            float *restrict eg, float *restrict sat, float *restrict tc,
                            float *restrict t, uint8_t *restrict below) {
    const float wage = par[P_WAGE * stride + at], sd = par[P_INCOME_SD * stride + at];
    const float adj = par[P_ADJ * stride + at], neg_weight = par[P_NEG_WEIGHT * stride + at];
    const float neg_noise = par[P_NEG_NOISE * stride + at], base = par[P_BASE * stride + at];
    const int trapped = par[P_TRAPPED * stride + at] != 0.0f;
    const float thr = par[P_THR * stride + at], tac = par[P_TAC * stride + at];
    const float gain = par[P_GAIN * stride + at], loss = par[P_LOSS * stride + at];
    const float premium = par[P_PREMIUM * stride + at];
    const float credit = par[P_CREDIT * stride + at], blame = par[P_BLAME * stride + at];
    const float pthr = par[P_PTHR * stride + at];
    for (intptr_t j = 0; j < per; j++) {
        /* 1. income = wage * skill * exp(sd * e); surprise = growth - expected growth */
        float income = ks_exp(e[j] * sd) * wage * skill[j];
        float surprise = income / inc[j] - 1.0f - eg[j];
        eg[j] = eg[j] + surprise * adj;
        inc[j] = income;
        /* 2. satisfaction = logistic(index + noise * e) = 1 / (1 + exp(-(...))):
         * exp overflows to inf for a very unhappy citizen, satisfaction 0 */
        float x = surprise * neg_weight + e[j] * neg_noise - base;
        float s = 1.0f / (ks_exp(x) + 1.0f);
        sat[j] = s;
        below[j] = s < pthr;  /* 5. may petition (ks_petitions draws) */
        /* 3. local trust moves toward satisfaction: gains at the gain rate (below the
         * Tacitus threshold in proportion to trust), losses at the loss rate */
        float own = tl[j];
        float gap = s - own;
        float up = trapped ? (own < thr ? own : thr) * tac : gain;
        t[j] = own + (gap > 0.0f ? up * gap : gap * loss);
        /* 4. trust in the centre moves toward min(1, satisfaction + premium): credit
         * for gains, blame for losses */
        float target = s + premium;
        float gap_c = (target > 1.0f ? 1.0f : target) - tc[j];
        float moved = tc[j] + (gap_c > 0.0f ? gap_c * credit : gap_c * blame);
        moved = moved < 0.0f ? 0.0f : moved;
        tc[j] = moved > 1.0f ? 1.0f : moved;
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

/* Rule 5 for the `n` citizens of a segment (`first` its first row), each flagged in
 * pet when below the petition threshold: such a citizen petitions with probability
 * (threshold - satisfaction) * scale, drawing one uniform from the segment's stream
 * (in order; a word is drawn for every two, as ``random_raw`` of (count + 1) / 2
 * words would draw them). Flags are skipped eight at a time where none is set. */
KS_INLINE void ks_petitions(const ks_chunk *c, ks_bitgen *g, intptr_t first, intptr_t n,
                         const float *sat, uint8_t *pet) {
    uint32_t halves[2] = {0, 0};
    intptr_t drawn = 0;  /* uniforms used so far */
    for (intptr_t at = 0; at < n; at += 8) {
        const intptr_t end = n - at < 8 ? n : at + 8;
        uint64_t flags = 1;  /* a last, partial block is looked at byte by byte */
        if (end - at == 8)
            memcpy(&flags, pet + at, 8);
        for (intptr_t i = at; flags && i < end; i++) {
            if (!pet[i])
                continue;
            const intptr_t row = first + i / c->per;
            if (drawn % 2 == 0) {
                uint64_t raw = g->next_raw(g->state);
                memcpy(halves, &raw, 8);
            }
            const float u = ks_uniform(halves[drawn % 2]);
            drawn++;
            pet[i] = u < (KS_PAR(P_PTHR, row) - sat[i]) * KS_PAR(P_PSCALE, row);
        }
    }
}

/* Scratch memory (4-byte slots) for a chunk of n citizens in prefectures of per. */
KS_INLINE intptr_t ks_scratch_slots(intptr_t n, intptr_t per) { return 2 * n + 1 + per; }

/* The year of one chunk, segment by segment (each draws from its own stream): the
 * segment's normals first, then rules 1-4 and the social pull prefecture by prefecture
 * (a prefecture's moved trusts stay in cache), then its petitions. `scratch`: at least
 * ks_scratch_slots 4-byte slots (a segment's words, its normals, a prefecture's moved
 * trusts). */
KS_CLONES static void ks_step_chunk(const ks_chunk *c, void *scratch) {
    const intptr_t n = c->rows * c->per, per = c->per;
    uint32_t *u = scratch;
    float *e = (float *)(u + n + 1), *t = e + n;
    for (int s = 0; s < c->n_segments; s++) {
        const intptr_t first = c->seg_row[s], a0 = first * per;
        const intptr_t size = (c->seg_row[s + 1] - first) * per;
        ks_normals(c->streams[s], u, e, size);
        for (intptr_t row = first; row < c->seg_row[s + 1]; row++) {
            const intptr_t a = row * per, at = c->lo + row;
            ks_rules_1_to_4(c->par, c->stride, at, per, e + (a - a0), c->skill + a,
                            c->trust_local + a, c->income + a, c->expected_growth + a,
                            c->satisfaction + a, c->trust_central + a, t,
                            c->petitioned + a);
            ks_social_pull(per, c->n_lattice, c->k_rand, c->ties + a, c->tie_stride, a, t,
                           c->par[P_KEEP * c->stride + at], c->par[P_PULL * c->stride + at],
                           c->par[P_SHOCK * c->stride + at], c->trust_local + a);
        }
        ks_petitions(c, c->streams[s], first, size, c->satisfaction + a0, c->petitioned + a0);
    }
}

#endif
