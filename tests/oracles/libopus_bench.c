/* Timing reference for the Opus benchmark (core/benches/opus.rs): libopus coding with the
 * settings mediacore's OpusEncoder applies, raw data on stdin.
 *
 * Usage:
 *   libopus_bench encode RATE CHANNELS BITRATE COMPLEXITY FRAME_MS
 *       interleaved s16le PCM in; packets out, each as a 16-bit little-endian length
 *       followed by the packet's bytes.
 *   libopus_bench time-encode RATE CHANNELS BITRATE COMPLEXITY FRAME_MS ROUNDS
 *       encodes the whole input ROUNDS times, a fresh encoder each round, and prints the
 *       mean nanoseconds per round: CPU time of the thread, then elapsed time.
 *   libopus_bench time-decode RATE CHANNELS ROUNDS
 *       packets in as "encode" writes them; decodes them all ROUNDS times to interleaved s16
 *       at RATE with CHANNELS, a fresh decoder each round, and prints the mean nanoseconds
 *       per round as time-encode does.
 *
 * The encoder settings are those of mediacore's OpusConfig with cbr: true: application
 * VOIP, constant bit rate, no in-band FEC, 0% expected loss, no DTX; everything else is left
 * at libopus's defaults (automatic signal type and bandwidth). Input after the last whole
 * frame is ignored. Each timing mode runs one untimed round first, so the library's code and
 * tables are paged in before the clocks start. CPU time leaves out the time other processes
 * held the CPU, which on a shared machine is most of what moves elapsed time.
 *
 * Exit status: 2 bad arguments, 3 out of memory, 4 a libopus error (named on stderr),
 * 5 a truncated packet stream. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <opus/opus.h>

#include "oracle_common.h"

/* Room for one packet: the size opus.h recommends, so the buffer never limits the encoder. */
#define MAX_PACKET 4000

/* Runs fn(job) ROUNDS times after one untimed round and prints the mean CPU and elapsed
 * nanoseconds per round. */
static void time_rounds(long (*fn)(const void *), const void *job, int rounds)
{
    fn(job);
    double cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    double wall = clock_ns(CLOCK_MONOTONIC);
    for (int r = 0; r < rounds; r++)
        fn(job);
    double cpu_end = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    double wall_end = clock_ns(CLOCK_MONOTONIC);
    printf("%.0f %.0f\n", (cpu_end - cpu) / rounds, (wall_end - wall) / rounds);
}

static void check(int err, const char *what)
{
    if (err < 0) {
        fprintf(stderr, "libopus %s: %s\n", what, opus_strerror(err));
        exit(4);
    }
}

struct encode_job {
    int rate, channels, bitrate, complexity;
    int frame;       /* samples per channel in one packet */
    int frames;      /* whole frames in the input */
    const int16_t *pcm;
    uint8_t *packets; /* frames * MAX_PACKET bytes, one slot per packet */
    int *sizes;
};

/* Encodes every frame of an encode_job with a fresh encoder; returns the bytes produced. */
static long encode_all(const void *arg)
{
    const struct encode_job *job = arg;
    int err;
    OpusEncoder *enc = opus_encoder_create(job->rate, job->channels, OPUS_APPLICATION_VOIP, &err);
    check(err, "opus_encoder_create");
    check(opus_encoder_ctl(enc, OPUS_SET_BITRATE(job->bitrate)), "OPUS_SET_BITRATE");
    check(opus_encoder_ctl(enc, OPUS_SET_COMPLEXITY(job->complexity)), "OPUS_SET_COMPLEXITY");
    check(opus_encoder_ctl(enc, OPUS_SET_VBR(0)), "OPUS_SET_VBR");
    check(opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(0)), "OPUS_SET_INBAND_FEC");
    check(opus_encoder_ctl(enc, OPUS_SET_PACKET_LOSS_PERC(0)), "OPUS_SET_PACKET_LOSS_PERC");
    check(opus_encoder_ctl(enc, OPUS_SET_DTX(0)), "OPUS_SET_DTX");
    long total = 0;
    size_t step = (size_t) job->frame * (size_t) job->channels;
    for (int i = 0; i < job->frames; i++) {
        int n = opus_encode(enc, job->pcm + (size_t) i * step, job->frame,
                            job->packets + (size_t) i * MAX_PACKET, MAX_PACKET);
        check(n, "opus_encode");
        job->sizes[i] = n;
        total += n;
    }
    opus_encoder_destroy(enc);
    return total;
}

struct decode_job {
    int rate, channels;
    int count;
    const uint8_t **packets;
    const int *sizes;
    int16_t *out; /* room for 120 ms at rate with channels */
};

/* Decodes every packet of a decode_job with a fresh decoder; returns the samples per
 * channel. */
static long decode_all(const void *arg)
{
    const struct decode_job *job = arg;
    int err;
    OpusDecoder *dec = opus_decoder_create(job->rate, job->channels, &err);
    check(err, "opus_decoder_create");
    long total = 0;
    int max_frame = job->rate / 1000 * 120;
    for (int i = 0; i < job->count; i++) {
        int n = opus_decode(dec, job->packets[i], job->sizes[i], job->out, max_frame, 0);
        check(n, "opus_decode");
        total += n;
    }
    opus_decoder_destroy(dec);
    return total;
}

static int run_encode(int argc, char **argv, int timing)
{
    if (argc != (timing ? 8 : 7))
        return 2;
    struct encode_job job;
    job.rate = atoi(argv[2]);
    job.channels = atoi(argv[3]);
    job.bitrate = atoi(argv[4]);
    job.complexity = atoi(argv[5]);
    int frame_ms = atoi(argv[6]);
    int rounds = timing ? atoi(argv[7]) : 1;
    if (job.rate <= 0 || job.channels < 1 || job.channels > 2 || frame_ms <= 0 || rounds <= 0)
        return 2;
    job.frame = job.rate / 1000 * frame_ms;

    size_t len;
    uint8_t *in = read_all(&len);
    size_t samples = len / 2;
    int16_t *pcm = alloc_or_exit(samples * sizeof(int16_t) + 2);
    for (size_t i = 0; i < samples; i++)
        pcm[i] = (int16_t) (in[2 * i] | (in[2 * i + 1] << 8));
    job.pcm = pcm;
    job.frames = (int) (samples / ((size_t) job.frame * (size_t) job.channels));
    job.packets = alloc_or_exit((size_t) job.frames * MAX_PACKET + 1);
    job.sizes = alloc_or_exit((size_t) job.frames * sizeof(int) + sizeof(int));

    if (timing) {
        time_rounds(encode_all, &job, rounds);
        return 0;
    }
    encode_all(&job);
    for (int i = 0; i < job.frames; i++) {
        fputc(job.sizes[i] & 0xFF, stdout);
        fputc((job.sizes[i] >> 8) & 0xFF, stdout);
        fwrite(job.packets + (size_t) i * MAX_PACKET, 1, (size_t) job.sizes[i], stdout);
    }
    return 0;
}

static int run_decode(int argc, char **argv)
{
    if (argc != 5)
        return 2;
    struct decode_job job;
    job.rate = atoi(argv[2]);
    job.channels = atoi(argv[3]);
    int rounds = atoi(argv[4]);
    if (job.rate <= 0 || job.channels < 1 || job.channels > 2 || rounds <= 0)
        return 2;

    size_t len;
    uint8_t *in = read_all(&len);
    /* Every packet takes at least three bytes of the stream: its length and a TOC. */
    job.packets = alloc_or_exit((len / 3 + 1) * sizeof(uint8_t *));
    int *sizes = alloc_or_exit((len / 3 + 1) * sizeof(int));
    job.count = 0;
    for (size_t pos = 0; pos < len;) {
        if (len - pos < 2)
            return 5;
        size_t size = (size_t) in[pos] | ((size_t) in[pos + 1] << 8);
        pos += 2;
        if (size == 0 || size > len - pos)
            return 5;
        job.packets[job.count] = in + pos;
        sizes[job.count] = (int) size;
        job.count++;
        pos += size;
    }
    job.sizes = sizes;
    job.out = alloc_or_exit((size_t) (job.rate / 1000 * 120) * (size_t) job.channels
                            * sizeof(int16_t));

    time_rounds(decode_all, &job, rounds);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    if (strcmp(argv[1], "encode") == 0)
        return run_encode(argc, argv, 0);
    if (strcmp(argv[1], "time-encode") == 0)
        return run_encode(argc, argv, 1);
    if (strcmp(argv[1], "time-decode") == 0)
        return run_decode(argc, argv);
    return 2;
}
