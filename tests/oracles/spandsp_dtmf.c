/* Oracle for the DTMF conformance grid and talk-off benchmark: SpanDSP's DTMF receiver
 * (dtmf_rx, 8 kHz only), raw data on stdin, digits on stdout.
 *
 * Usage:
 *   spandsp_dtmf cases
 *       stdin holds cases, each a little-endian u32 sample count followed by that many
 *       8 kHz s16le samples. Each case runs through a fresh receiver with default settings
 *       (no dial-tone filter, SpanDSP's own twist and level limits), followed by 200 ms of
 *       silence so a digit still sounding at the end is reported. Prints one line per case:
 *       the digits found, or "-" for none.
 *   spandsp_dtmf time ROUNDS
 *       stdin is one 8 kHz s16le stream; runs it through a fresh receiver ROUNDS times in
 *       160-sample (20 ms) calls and prints the mean nanoseconds per round (for the bench).
 *
 * Exit status: 2 bad arguments, 3 out of memory. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <spandsp.h>

#include "oracle_common.h"

#define MAX_FOUND 4096

static char found[MAX_FOUND + 1];
static int found_len;

static void on_digits(void *user_data, const char *digits, int len)
{
    (void) user_data;
    for (int i = 0; i < len && found_len < MAX_FOUND; i++)
        found[found_len++] = digits[i];
}

static void feed(dtmf_rx_state_t *s, const int16_t *pcm, int samples)
{
    for (int at = 0; at < samples; at += 160) {
        int n = samples - at < 160 ? samples - at : 160;
        dtmf_rx(s, pcm + at, n);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    size_t len;
    uint8_t *in = read_all(&len);
    static const int16_t tail[1600];

    if (strcmp(argv[1], "time") == 0) {
        int rounds = argc > 2 ? atoi(argv[2]) : 10;
        int samples = (int) (len / 2);
        int16_t *pcm = alloc_or_exit((size_t) samples * sizeof(int16_t) + 2);
        for (int i = 0; i < samples; i++)
            pcm[i] = (int16_t) (in[2 * i] | (in[2 * i + 1] << 8));
        double start = clock_ns(CLOCK_MONOTONIC);
        for (int r = 0; r < rounds; r++) {
            found_len = 0;
            dtmf_rx_state_t *s = dtmf_rx_init(NULL, on_digits, NULL);
            feed(s, pcm, samples);
            dtmf_rx_free(s);
        }
        printf("%.0f\n", (clock_ns(CLOCK_MONOTONIC) - start) / rounds);
        return 0;
    }
    if (strcmp(argv[1], "cases") != 0)
        return 2;
    size_t at = 0;
    while (at + 4 <= len) {
        uint32_t n = (uint32_t) in[at] | (uint32_t) in[at + 1] << 8 | (uint32_t) in[at + 2] << 16
                     | (uint32_t) in[at + 3] << 24;
        at += 4;
        if (at + 2 * (size_t) n > len)
            return 2;
        int16_t *pcm = alloc_or_exit((size_t) n * sizeof(int16_t) + 2);
        for (uint32_t i = 0; i < n; i++)
            pcm[i] = (int16_t) (in[at + 2 * i] | (in[at + 2 * i + 1] << 8));
        at += 2 * (size_t) n;
        found_len = 0;
        dtmf_rx_state_t *s = dtmf_rx_init(NULL, on_digits, NULL);
        feed(s, pcm, (int) n);
        feed(s, tail, 1600);
        dtmf_rx_free(s);
        free(pcm);
        found[found_len] = '\0';
        printf("%s\n", found_len ? found : "-");
    }
    return 0;
}
