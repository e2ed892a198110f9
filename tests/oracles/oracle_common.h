/* What the C oracles and benchmark helpers in this folder share: reading all of stdin,
 * allocation that exits with status 3 when memory runs out, and a nanosecond clock.
 *
 * Included as "oracle_common.h", which the compiler finds next to the including file, so
 * every place that compiles a helper (tests/src/oracle.rs, core/benches/common/mod.rs)
 * needs no include path. Everything here is static: each helper is one translation unit. */
#ifndef ORACLE_COMMON_H
#define ORACLE_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* malloc, or exit with status 3. */
static inline void *alloc_or_exit(size_t size)
{
    void *p = malloc(size);
    if (p == NULL)
        exit(3);
    return p;
}

/* All of stdin in one buffer; its length in *len. Exits with status 3 when out of memory. */
static inline uint8_t *read_all(size_t *len)
{
    size_t cap = 1 << 16;
    size_t n = 0;
    size_t got;
    uint8_t *buf = alloc_or_exit(cap);
    while ((got = fread(buf + n, 1, cap - n, stdin)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            if ((buf = realloc(buf, cap)) == NULL)
                exit(3);
        }
    }
    *len = n;
    return buf;
}

/* The time of `clock` (CLOCK_MONOTONIC, CLOCK_THREAD_CPUTIME_ID, ..) in nanoseconds. */
static inline double clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double) ts.tv_sec * 1e9 + (double) ts.tv_nsec;
}

#endif
