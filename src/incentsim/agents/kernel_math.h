/* What the compiled population steps (citizens_kernel.h, firms_kernel.h) share: how
 * they are compiled (inlined helpers, one clone per instruction set), numpy's bit
 * generator interface and SFC64's step (taken inline, the state in registers), flag
 * bytes read as bits 64 at a time, and their float32 arithmetic: uniforms and normals made
 * from raw SFC64 words as incentsim.agents.fastrng makes them, and exp, log, sin and
 * cos as polynomials of their own.
 *
 * Reproducibility. Every operation here is an IEEE float32 +, -, *, /, sqrt, compare
 * or bit operation, each rounded once (the build turns off fused multiply-adds:
 * -ffp-contract=off), and exp, log, sin and cos are the polynomials below rather
 * than a library's. So an agent's numbers do not depend on where it falls in a
 * vectorised loop (the vector body or the scalar tail: an ensemble's member steps bit
 * for bit as alone), on the instruction set the compiler targets, nor on the machine.
 */
#ifndef INCENTSIM_KERNEL_MATH_H
#define INCENTSIM_KERNEL_MATH_H

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

/* The floats of the widest vector (AVX-512): a prefecture's agents are stepped this
 * many at a time, its last ones through a padded copy. */
#define KS_WIDTH 16

/* numpy's bit generator interface (numpy/random/bitgen.h): the Cython wrappers
 * (_kernel_common.pxi) read it to check that a stream is SFC64 (its functions are
 * SFC64's) and hand the kernels its state. */
typedef struct {
    void *state;
    uint64_t (*next_uint64)(void *st);
    uint32_t (*next_uint32)(void *st);
    double (*next_double)(void *st);
    uint64_t (*next_raw)(void *st);
} ks_bitgen;

/* numpy's SFC64 state (numpy/random/src/sfc64/sfc64.h): the kernels' streams. Only the
 * four words s move when a 64-bit word is drawn (``random_raw``, next_raw); the
 * buffered 32-bit half (has_uint32, uinteger) is next_uint32's alone. */
typedef struct {
    uint64_t s[4];
    int has_uint32;
    uint32_t uinteger;
} ks_sfc64;

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

/* Flags (bytes 0 or 1) as bits: the `n` (<= 64) flags from p, each xor'ed with `flip`
 * (0 or 1), as bits 0 .. n - 1 of a word (the bits beyond n 0), eight at a time (a
 * multiply gathers a word's eight low bits); then the index of the lowest set bit of a
 * non-zero such word. A loop over the set bits of 64 flags ends once (one branch
 * mispredicted at most), where one over those of each 8 ended eight times. */
KS_INLINE uint64_t ks_bits(const uint8_t *p, intptr_t n, int flip) {
    const uint64_t ones = 0x0101010101010101u, mask = flip ? ones : 0u;
    const uint64_t gather = 0x0102040810204080u; /* byte l's low bit to bit 56 + l */
    uint64_t bits = 0;
    intptr_t at = 0;
    for (; at + 8 <= n; at += 8) {
        uint64_t w;
        memcpy(&w, p + at, 8);
        bits |= (((w ^ mask) * gather) >> 56) << at;
    }
    if (at < n) {
        uint64_t w = mask; /* the bytes beyond n: 0 once flipped */
        memcpy(&w, p + at, (size_t)(n - at));
        bits |= (((w ^ mask) * gather) >> 56) << at;
    }
    return bits;
}
KS_INLINE int ks_lowest(uint64_t w) {
#if defined(__GNUC__)
    return __builtin_ctzll(w);
#else
    int i = 0;
    while (!(w & 1u)) {
        w >>= 1;
        i++;
    }
    return i;
#endif
}

/* ---------------------------------------------------------------- random words */

/* A stream's four words in locals while a loop draws from it (the compiler keeps them in
 * registers: no call through numpy's next_raw pointer, and no loads and stores of the
 * state, per word): ks_load, ks_next per word, then ks_store, which leaves the stream
 * where as many calls of numpy's next_raw would have left it. */
typedef struct {
    uint64_t a, b, c, counter;
} ks_rng;

KS_INLINE ks_rng ks_load(const ks_sfc64 *g) {
    const ks_rng r = {g->s[0], g->s[1], g->s[2], g->s[3]};
    return r;
}

KS_INLINE void ks_store(ks_sfc64 *g, ks_rng r) {
    g->s[0] = r.a;
    g->s[1] = r.b;
    g->s[2] = r.c;
    g->s[3] = r.counter;
}

/* The next 64-bit word: numpy's sfc64_next, the step of Chris Doty-Humphrey's SFC64. */
KS_INLINE uint64_t ks_next(ks_rng *r) {
    const uint64_t tmp = r->a + r->b + r->counter++;
    r->a = r->b ^ (r->b >> 11);
    r->b = r->c + (r->c << 3);
    r->c = ((r->c << 24) | (r->c >> 40)) + tmp;
    return tmp;
}

/* A word to a double on [0, 1), as numpy's next_double for SFC64 makes it
 * (uint64_to_double: the top 53 bits over 2**53). */
KS_INLINE double ks_double(uint64_t raw) {
    return (double)(raw >> 11) * (1.0 / 9007199254740992.0);
}

/* n 32-bit words of a stream: (n + 1) / 2 raw 64-bit words, each split as numpy's
 * ``random_raw(...).view(np.uint32)`` splits it (native byte order). */
KS_INLINE void ks_words(ks_sfc64 *g, uint32_t *out, intptr_t n) {
    ks_rng r = ks_load(g);
    for (intptr_t w = 0; w < (n + 1) / 2; w++) {
        const uint64_t raw = ks_next(&r);
        memcpy(out + 2 * w, &raw, 8);
    }
    ks_store(g, r);
}

/* n standard normals into e from the 2 * ((n + 1) / 2) words u of a stream (ks_words;
 * fastrng.normals): h = (n + 1) / 2 words' 2h uniforms, radii from the first h and
 * angles from the last h; the cosines first, then the sines (the last sine left out
 * when n is odd). */
KS_INLINE void ks_box_muller(const uint32_t *restrict u, float *restrict e, intptr_t n) {
    intptr_t h = (n + 1) / 2, pairs = n - h;
    for (intptr_t j = 0; j < h; j++) {
        float r = sqrtf(ks_log(ks_uniform(u[j])) * -2.0f);
        float c, s;
        ks_cossin_turn(ks_uniform(u[h + j]), &c, &s);
        e[j] = c * r;
        if (j < pairs)
            e[h + j] = s * r;
    }
}

/* n standard normals from a stream into e (fastrng.normals): its words into u
 * (2 * ((n + 1) / 2) of them), then ks_box_muller. */
KS_INLINE void ks_normals(ks_sfc64 *g, uint32_t *restrict u, float *restrict e, intptr_t n) {
    ks_words(g, u, 2 * ((n + 1) / 2));
    ks_box_muller(u, e, n);
}

/* Where segment s's words start in the scratch of ks_segment_words: after those of
 * the segments before it (rows * per + 1 slots each at most), so a chunk's words take
 * its slots plus one per segment at most. */
KS_INLINE intptr_t ks_words_at(const intptr_t *seg_row, intptr_t per, int s) {
    return (seg_row[s] - seg_row[0]) * per + s;
}

/* The 64-bit words of segment s's normals: one normal per slot, two per word. */
KS_INLINE intptr_t ks_segment_raw_words(const intptr_t *seg_row, intptr_t per, int s) {
    return ((seg_row[s + 1] - seg_row[s]) * per + 1) / 2;
}

/* The words of each segment's normals (one normal per slot; segment s: rows seg_row[s]
 * .. seg_row[s + 1] - 1 of per slots, stream g[s]), as ks_normals draws them, into u
 * at ks_words_at: the streams four at a time, their steps interleaved. A stream's step
 * waits on its last (SFC64's chain); four independent chains overlap (0.85 -> 0.51 ns
 * a word, measured in C, 4500 words a stream). */
KS_INLINE void ks_segment_words(ks_sfc64 *const *g, int k, const intptr_t *seg_row,
                                intptr_t per, uint32_t *u) {
    int s = 0;
    for (; s + 4 <= k; s += 4) {
        uint32_t *o0 = u + ks_words_at(seg_row, per, s);
        uint32_t *o1 = u + ks_words_at(seg_row, per, s + 1);
        uint32_t *o2 = u + ks_words_at(seg_row, per, s + 2);
        uint32_t *o3 = u + ks_words_at(seg_row, per, s + 3);
        intptr_t common = INTPTR_MAX;
        for (int q = 0; q < 4; q++) {
            const intptr_t words = ks_segment_raw_words(seg_row, per, s + q);
            common = words < common ? words : common;
        }
        ks_rng r0 = ks_load(g[s]), r1 = ks_load(g[s + 1]), r2 = ks_load(g[s + 2]),
               r3 = ks_load(g[s + 3]);
        for (intptr_t w = 0; w < common; w++) {
            uint64_t raw = ks_next(&r0);
            memcpy(o0 + 2 * w, &raw, 8);
            raw = ks_next(&r1);
            memcpy(o1 + 2 * w, &raw, 8);
            raw = ks_next(&r2);
            memcpy(o2 + 2 * w, &raw, 8);
            raw = ks_next(&r3);
            memcpy(o3 + 2 * w, &raw, 8);
        }
        ks_store(g[s], r0);
        ks_store(g[s + 1], r1);
        ks_store(g[s + 2], r2);
        ks_store(g[s + 3], r3);
        for (int q = 0; q < 4; q++) /* the rest of each, where segments differ in size */
            ks_words(g[s + q], u + ks_words_at(seg_row, per, s + q) + 2 * common,
                     2 * (ks_segment_raw_words(seg_row, per, s + q) - common));
    }
    for (; s < k; s++)
        ks_words(g[s], u + ks_words_at(seg_row, per, s), 2 * ks_segment_raw_words(seg_row, per, s));
}

#endif
