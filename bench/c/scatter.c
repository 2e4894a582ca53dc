/*
 * scatter.c - bare-metal baseline for synaptic event delivery (dalesim bench).
 *
 * Builds a Brunel-2000-like CSR connectivity (N = 12500 neurons; every source row holds the
 * targets of an independent Bernoulli(p = 0.1) draw over all N neurons, so ~1250 targets per
 * row, sorted ascending; int32 targets, float32 weights) and measures synaptic events per
 * second of the delivery loop
 *
 *     weighted:  for each spike s: for k in row(s): acc[target[k]] += w[k]
 *     constant:  for each spike s: J = Jrow(s); for k in row(s): acc[target[k]] += J
 *                (no weight array; J is the per-source-population constant, +J for E, -g*J for I)
 *
 * for a pre-generated spike stream (default 38 distinct random sources per step, i.e. ~30 Hz at
 * dt = 0.1 ms, 10,000 steps) into a float32[N] accumulator. One "event" = one (spike, synapse)
 * pair = one `acc[...] +=`. Time excludes building the CSR and the spike stream; the accumulator
 * is not reset between steps (the reset is a 50 KB memset per step, reported separately).
 *
 * Extra context lines (not the headline figures):
 *   weighted+reset : weighted variant plus memset(acc) every step (what a simulator pays per step)
 *   hot            : the same 38 sources every step (rows stay in cache): compute/latency ceiling
 *   weighted+prefetch : weighted variant with a software prefetch of the next spike's row
 *   stream_read    : linear read of the whole target+weight arrays: DRAM bandwidth ceiling,
 *                    expressed as (int32 + float32) synapses per second
 *
 * Build/run: see run.sh (gcc -O3 -march=native). Args: [N] [p] [spikes_per_step] [steps] [reps]
 * A p of 1 or more is a fixed out-degree K = p instead: every row holds K targets drawn uniformly
 * (with repeats), sorted; the build is then O(N K log K) rather than O(N^2), for the large networks
 * of the scaling study (bench/scaling).
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static inline uint64_t splitmix64(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
static inline double urand(void) { return (splitmix64() >> 11) * (1.0 / 9007199254740992.0); }
static inline uint32_t urand_below(uint32_t n) { return (uint32_t)((splitmix64() >> 32) * (uint64_t)n >> 32); }

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

typedef struct {
    int n;
    int64_t *rowptr;  /* n+1 */
    int32_t *target;  /* nnz, ascending within a row */
    float *w;         /* nnz */
    float *jrow;      /* n: constant weight per source (E: +J, I: -g*J) */
} csr_t;

/* Kept out of line so every variant is timed on the same machine code shape. */
__attribute__((noinline)) static void deliver_weighted(const csr_t *c, const int32_t *spk, int nspk, float *restrict acc) {
    const int64_t *restrict rp = c->rowptr;
    const int32_t *restrict tg = c->target;
    const float *restrict w = c->w;
    for (int a = 0; a < nspk; a++) {
        int s = spk[a];
        for (int64_t k = rp[s], e = rp[s + 1]; k < e; k++) acc[tg[k]] += w[k];
    }
}

__attribute__((noinline)) static void deliver_const(const csr_t *c, const int32_t *spk, int nspk, float *restrict acc) {
    const int64_t *restrict rp = c->rowptr;
    const int32_t *restrict tg = c->target;
    for (int a = 0; a < nspk; a++) {
        int s = spk[a];
        const float J = c->jrow[s];
        for (int64_t k = rp[s], e = rp[s + 1]; k < e; k++) acc[tg[k]] += J;
    }
}

/* Same as deliver_weighted, but software-prefetches the next spike's row while scattering the
 * current one (hides the DRAM latency at the start of each randomly placed row). */
__attribute__((noinline)) static void deliver_weighted_pf(const csr_t *c, const int32_t *spk, int nspk, float *restrict acc) {
    const int64_t *restrict rp = c->rowptr;
    const int32_t *restrict tg = c->target;
    const float *restrict w = c->w;
    for (int a = 0; a < nspk; a++) {
        int s = spk[a];
        if (a + 1 < nspk) {
            int64_t b = rp[spk[a + 1]];
            for (int l = 0; l < 8; l++) {            /* first 8 lines (128 synapses) of target[] and w[] */
                __builtin_prefetch(tg + b + 16 * l, 0, 0);
                __builtin_prefetch(w + b + 16 * l, 0, 0);
            }
        }
        for (int64_t k = rp[s], e = rp[s + 1]; k < e; k++) acc[tg[k]] += w[k];
    }
}

static int cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int N = argc > 1 ? atoi(argv[1]) : 12500;
    double p = argc > 2 ? atof(argv[2]) : 0.1;
    int per_step = argc > 3 ? atoi(argv[3]) : 38;
    int steps = argc > 4 ? atoi(argv[4]) : 10000;
    int reps = argc > 5 ? atoi(argv[5]) : 9;
    const int NE = N * 4 / 5;
    const float J = 0.1f, g = 5.0f;

    /* ---- build CSR ---- */
    double tb = now();
    csr_t c;
    c.n = N;
    c.rowptr = malloc((size_t)(N + 1) * sizeof(int64_t));
    int64_t cap = p >= 1 ? 1024 : (int64_t)(N * (double)N * p * 1.05) + 1024, nnz = 0;
    c.target = malloc((size_t)cap * sizeof(int32_t));
    c.w = malloc((size_t)cap * sizeof(float));
    c.jrow = malloc((size_t)N * sizeof(float));
    int K = p >= 1 ? (int)p : 0;
    if (K > 0) {
        cap = (int64_t)N * K;
        c.target = realloc(c.target, (size_t)cap * sizeof(int32_t));
        c.w = realloc(c.w, (size_t)cap * sizeof(float));
    }
    for (int s = 0; s < N; s++) {
        c.rowptr[s] = nnz;
        c.jrow[s] = s < NE ? J : -g * J;
        if (K > 0) {
            for (int k = 0; k < K; k++) c.target[nnz + k] = (int32_t)urand_below((uint32_t)N);
            qsort(c.target + nnz, K, sizeof(int32_t), cmp_i32);
            for (int k = 0; k < K; k++) c.w[nnz + k] = c.jrow[s] * (float)(0.9 + 0.2 * urand());
            nnz += K;
            continue;
        }
        for (int t = 0; t < N; t++) {
            if (urand() < p) {
                if (nnz == cap) {
                    cap = cap * 3 / 2;
                    c.target = realloc(c.target, (size_t)cap * sizeof(int32_t));
                    c.w = realloc(c.w, (size_t)cap * sizeof(float));
                }
                c.target[nnz] = t; /* ascending by construction */
                c.w[nnz] = c.jrow[s] * (float)(0.9 + 0.2 * urand());
                nnz++;
            }
        }
    }
    c.rowptr[N] = nnz;
    double build_s = now() - tb;

    /* ---- spike stream: per_step distinct random sources per step ---- */
    int32_t *spk = malloc((size_t)steps * per_step * sizeof(int32_t));
    unsigned char *seen = calloc(N, 1);
    for (int st = 0; st < steps; st++) {
        int32_t *row = spk + (size_t)st * per_step;
        for (int a = 0; a < per_step; a++) {
            int s;
            do s = (int)urand_below((uint32_t)N); while (seen[s]);
            seen[s] = 1;
            row[a] = s;
        }
        for (int a = 0; a < per_step; a++) seen[row[a]] = 0;
    }
    int64_t events = 0;
    for (int64_t a = 0; a < (int64_t)steps * per_step; a++) events += c.rowptr[spk[a] + 1] - c.rowptr[spk[a]];
    /* hot stream: the first step's sources, repeated every step */
    int64_t events_hot = 0;
    for (int a = 0; a < per_step; a++) events_hot += c.rowptr[spk[a] + 1] - c.rowptr[spk[a]];
    events_hot *= steps;

    float *acc = aligned_alloc(64, ((size_t)N * sizeof(float) + 63) / 64 * 64);
    memset(acc, 0, (size_t)N * sizeof(float));

    printf("scatter: N=%d p=%.3f nnz=%lld (%.1f per row) csr_MB=%.1f spikes_per_step=%d (%.1f Hz at dt=0.1ms) steps=%d events_per_rep=%lld reps=%d build_s=%.2f\n",
           N, p, (long long)nnz, (double)nnz / N, nnz * 8.0 / 1e6, per_step, per_step / (N * 1e-4), steps, (long long)events, reps, build_s);

    /* warm-up (page faults, frequency): one untimed pass of each variant */
    for (int st = 0; st < steps; st++) deliver_weighted(&c, spk + (size_t)st * per_step, per_step, acc);
    for (int st = 0; st < steps; st++) deliver_const(&c, spk + (size_t)st * per_step, per_step, acc);

    const char *names[] = {"weighted", "constant", "weighted+reset", "hot(weighted)", "hot(constant)", "weighted+prefetch"};
    double checksum = 0;
    for (int v = 0; v < 6; v++) {
        double t[64];
        int R = reps < 64 ? reps : 64;
        for (int r = 0; r < R; r++) {
            memset(acc, 0, (size_t)N * sizeof(float));
            double t0 = now();
            switch (v) {
            case 0: for (int st = 0; st < steps; st++) deliver_weighted(&c, spk + (size_t)st * per_step, per_step, acc); break;
            case 1: for (int st = 0; st < steps; st++) deliver_const(&c, spk + (size_t)st * per_step, per_step, acc); break;
            case 2:
                for (int st = 0; st < steps; st++) {
                    deliver_weighted(&c, spk + (size_t)st * per_step, per_step, acc);
                    checksum += acc[st % N];              /* "consume" one value */
                    memset(acc, 0, (size_t)N * sizeof(float));
                }
                break;
            case 3: for (int st = 0; st < steps; st++) deliver_weighted(&c, spk, per_step, acc); break;
            case 4: for (int st = 0; st < steps; st++) deliver_const(&c, spk, per_step, acc); break;
            case 5: for (int st = 0; st < steps; st++) deliver_weighted_pf(&c, spk + (size_t)st * per_step, per_step, acc); break;
            }
            t[r] = now() - t0;
            for (int k = 0; k < N; k++) checksum += acc[k];
        }
        qsort(t, R, sizeof(double), cmp_d);
        double ev = (v == 3 || v == 4) ? (double)events_hot : (double)events;
        printf("scatter %-17s events_per_s_best=%.3e events_per_s_median=%.3e ns_per_event_best=%.3f best_s=%.4f median_s=%.4f\n",
               names[v], ev / t[0], ev / t[R / 2], t[0] / ev * 1e9, t[0], t[R / 2]);
    }

    /* DRAM bandwidth ceiling: linear read of target[] and w[] (8 bytes per synapse) */
    {
        double t[64];
        int R = reps < 64 ? reps : 64;
        uint64_t isum = 0;
        const uint32_t *wt = (const uint32_t *)c.w;   /* weights read as raw bits so the sum vectorizes */
        for (int r = 0; r < R; r++) {
            double t0 = now();
            uint64_t is = 0;
            for (int64_t k = 0; k < nnz; k++) is += (uint32_t)c.target[k] + wt[k];
            t[r] = now() - t0;
            isum += is;
        }
        qsort(t, R, sizeof(double), cmp_d);
        printf("scatter %-17s synapses_per_s_best=%.3e GB_per_s_best=%.2f (linear read of target+w, %lld synapses)\n",
               "stream_read", nnz / t[0], nnz * 8.0 / t[0] / 1e9, (long long)nnz);
        checksum += (double)isum * 1e-12;
    }
    printf("scatter checksum=%.6e\n", checksum);
    return 0;
}
