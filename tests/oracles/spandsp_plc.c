/* Oracle for the concealment quality test: SpanDSP's generic packet loss concealer
 * (spandsp/plc.h), raw data on stdin and stdout.
 *
 * Usage:
 *   spandsp_plc FRAME_SAMPLES PATTERN
 *       s16le mono audio in (the decoded stream, whole frames); PATTERN has one character per
 *       frame, '1' for a lost frame and '0' for a received one. Received frames go through
 *       plc_rx() (which may blend their start after a loss), lost ones are replaced by
 *       plc_fillin(); the result is written as s16le. Exits 4 when stdin holds fewer
 *       frames than PATTERN, 3 when out of memory. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spandsp.h>
#include "oracle_common.h"

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    int frame = atoi(argv[1]);
    const char *pattern = argv[2];
    size_t frames = strlen(pattern);
    if (frame <= 0)
        return 2;
    int16_t *buf = alloc_or_exit((size_t) frame * sizeof(int16_t));
    uint8_t *raw = alloc_or_exit((size_t) frame * 2);
    plc_state_t *plc = plc_init(NULL);
    if (plc == NULL)
        return 3;
    for (size_t f = 0; f < frames; f++) {
        if (fread(raw, 2, (size_t) frame, stdin) != (size_t) frame)
            return 4;
        for (int i = 0; i < frame; i++)
            buf[i] = (int16_t) (raw[2 * i] | (raw[2 * i + 1] << 8));
        if (pattern[f] == '1')
            plc_fillin(plc, buf, frame);
        else
            plc_rx(plc, buf, frame);
        for (int i = 0; i < frame; i++) {
            raw[2 * i] = (uint8_t) (buf[i] & 0xFF);
            raw[2 * i + 1] = (uint8_t) ((buf[i] >> 8) & 0xFF);
        }
        fwrite(raw, 2, (size_t) frame, stdout);
    }
    plc_free(plc);
    return 0;
}
