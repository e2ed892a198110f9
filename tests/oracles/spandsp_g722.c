/* Oracle for the G.722 conformance test: SpanDSP's G.722, raw data on stdin and stdout.
 *
 * Usage:
 *   spandsp_g722 encode
 *       16 kHz mono s16le in, one octet per two samples out (64 kbit/s).
 *   spandsp_g722 decode 64000|56000|48000
 *       64 kbit/s octets in, s16le out, with the receive QMF output saturated to 16 bits.
 *   spandsp_g722 decode-raw 64000|56000|48000
 *       the same, but exactly the samples g722_decode() returns.
 *   spandsp_g722 time-encode|time-decode ROUNDS
 *       codes the whole input ROUNDS times, fresh state each round, and prints the mean
 *       nanoseconds per round (for the benchmark).
 *
 * Below 64 kbit/s the one or two auxiliary bits at the bottom of each octet are shifted out
 * before decoding: SpanDSP's unpacked decoder wants each 7- or 6-bit code right-aligned.
 *
 * Why two decode modes: SpanDSP 0.0.6 (Debian's) truncates each receive QMF sum to 16 bits
 * with a cast, so an overloaded output wraps around; later SpanDSP saturates there, as the
 * Recommendation's reference does. "decode" feeds one octet at a time, recomputes both QMF
 * sums from SpanDSP's own filter state with the G.722 coefficients, checks that their
 * truncation is exactly what g722_decode() returned (exit 4 otherwise), and writes their
 * saturation. Everything before that last step is SpanDSP's arithmetic.
 *
 * Exit status: 2 bad arguments, 3 out of memory, 4 a QMF sum that does not match. */
#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <spandsp.h>

#include "oracle_common.h"

/* G.722 QMF coefficients h0, h2, .., h22 and h1, h3, .., h23. */
static const int32_t h_even[12] = {3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11};
static const int32_t h_odd[12] = {-11, 53, -156, 362, -805, 3876, 951, -210, 32, 12, -11, 3};

static void put_s16le(int16_t v)
{
    fputc(v & 0xFF, stdout);
    fputc((v >> 8) & 0xFF, stdout);
}

static int encode_all(const int16_t *pcm, int samples, uint8_t *out)
{
    g722_encode_state_t *s = g722_encode_init(NULL, 64000, 0);
    int n = g722_encode(s, out, pcm, samples);
    g722_encode_free(s);
    return n;
}

static int decode_all(int rate, const uint8_t *codes, int len, int16_t *out)
{
    g722_decode_state_t *s = g722_decode_init(NULL, rate, 0);
    int n = g722_decode(s, out, codes, len);
    g722_decode_free(s);
    return n;
}

/* Sum over the 12 stored values, oldest first, times coefficients that apply oldest first. */
static int32_t history_sum(const int16_t hist[12], int oldest, const int32_t coeffs[12])
{
    int32_t sum = 0;
    for (int k = 0; k < 12; k++)
        sum += (int32_t) hist[(oldest + k) % 12] * coeffs[k];
    return sum;
}

static int16_t clamp16(int32_t v)
{
    return v > 32767 ? 32767 : v < -32768 ? -32768 : (int16_t) v;
}

/* Decodes octet by octet, writing saturated QMF outputs; returns how many SpanDSP wrapped. */
static long decode_saturated(int rate, const uint8_t *codes, size_t len)
{
    g722_decode_state_t *s = g722_decode_init(NULL, rate, 0);
    long wrapped = 0;
    for (size_t i = 0; i < len; i++) {
        int16_t out[2];
        if (g722_decode(s, out, &codes[i], 1) != 2)
            exit(4);
        /* After an octet, s->ptr indexes the oldest entry of x (rL + rH) and y (rL - rH).
           The coefficient arrays run oldest first, so the newest y meets h23 = h0. */
        int32_t first = history_sum(s->y, s->ptr, h_odd) >> 11;
        int32_t second = history_sum(s->x, s->ptr, h_even) >> 11;
        if ((int16_t) first != out[0] || (int16_t) second != out[1]) {
            fprintf(stderr, "octet %zu: recomputed QMF sums %d, %d but SpanDSP returned %d, %d\n",
                    i, first, second, out[0], out[1]);
            exit(4);
        }
        wrapped += (clamp16(first) != out[0]) + (clamp16(second) != out[1]);
        put_s16le(clamp16(first));
        put_s16le(clamp16(second));
    }
    g722_decode_free(s);
    return wrapped;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    const char *mode = argv[1];
    int timing = strncmp(mode, "time-", 5) == 0;
    int rounds = timing && argc > 2 ? atoi(argv[2]) : 100;
    size_t len;
    uint8_t *in = read_all(&len);

    if (strcmp(mode, "encode") == 0 || strcmp(mode, "time-encode") == 0) {
        int samples = (int) (len / 2);
        int16_t *pcm = alloc_or_exit((size_t) samples * sizeof(int16_t) + 2);
        uint8_t *out = alloc_or_exit((size_t) samples / 2 + 1);
        for (int i = 0; i < samples; i++)
            pcm[i] = (int16_t) (in[2 * i] | (in[2 * i + 1] << 8));
        if (timing) {
            double start = clock_ns(CLOCK_MONOTONIC);
            for (int r = 0; r < rounds; r++)
                encode_all(pcm, samples, out);
            printf("%.0f\n", (clock_ns(CLOCK_MONOTONIC) - start) / rounds);
            return 0;
        }
        fwrite(out, 1, (size_t) encode_all(pcm, samples, out), stdout);
        return 0;
    }

    if (strcmp(mode, "decode") != 0 && strcmp(mode, "decode-raw") != 0
        && strcmp(mode, "time-decode") != 0)
        return 2;
    int rate = !timing && argc > 2 ? atoi(argv[2]) : 64000;
    if (rate != 64000 && rate != 56000 && rate != 48000)
        return 2;
    int shift = rate == 64000 ? 0 : rate == 56000 ? 1 : 2;
    for (size_t i = 0; i < len; i++)
        in[i] >>= shift;
    if (strcmp(mode, "decode") == 0) {
        long wrapped = decode_saturated(rate, in, len);
        fprintf(stderr, "%ld samples wrapped in SpanDSP\n", wrapped);
        return 0;
    }
    int16_t *out = alloc_or_exit(2 * len * sizeof(int16_t) + 2);
    if (timing) {
        double start = clock_ns(CLOCK_MONOTONIC);
        for (int r = 0; r < rounds; r++)
            decode_all(rate, in, (int) len, out);
        printf("%.0f\n", (clock_ns(CLOCK_MONOTONIC) - start) / rounds);
        return 0;
    }
    int n = decode_all(rate, in, (int) len, out);
    for (int i = 0; i < n; i++)
        put_s16le(out[i]);
    return 0;
}
