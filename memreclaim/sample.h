/* What memreclaim reads, under a root folder ("" normally; a test's folder of recorded files
 * otherwise): /proc/stat, /proc/self/stat, /proc/meminfo, /proc/pressure/{memory,io} and
 * whether /sys/fs/cgroup/memory.reclaim exists. The parsers take text, so that recorded
 * files and synthetic ones go through the same code. */
#ifndef GUESTINIT_MEMRECLAIM_SAMPLE_H
#define GUESTINIT_MEMRECLAIM_SAMPLE_H

#include <stdint.h>

#include "policy.h"

/* "cpu  user nice system idle iowait irq softirq steal ...": 0 or -EINVAL. */
int mr_parse_stat(const char *text, uint64_t *busy, uint64_t *total);
/* /proc/PID/stat: utime + stime. */
int mr_parse_self_stat(const char *text, uint64_t *ticks);
/* MemTotal, MemFree, Active(file) + Inactive(file), in bytes. */
int mr_parse_meminfo(const char *text, uint64_t *total, uint64_t *free, uint64_t *file_cache);
/* The "some ... total=US" line of a pressure file. */
int mr_parse_pressure(const char *text, uint64_t *some_us);

/* Fills s from the files under root (now_ms and own_action_us are the caller's). Returns 0,
 * or -errno naming in *what the file that could not be read or parsed. */
int mr_sample_read(const char *root, struct mr_sample *s, const char **what);

#endif
