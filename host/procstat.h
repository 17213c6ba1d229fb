/* Processes of the host as guesthost sees them: alive or a zombie, a pidfd to wait on, and
 * QEMU's memory from /proc/PID/smaps. */
#ifndef GUESTINIT_HOST_PROCSTAT_H
#define GUESTINIT_HOST_PROCSTAT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Alive and not a zombie: a killed agent stays one until the machine's init reaps it. */
bool proc_alive(pid_t pid);

/* A pidfd of pid (pidfd_open): readable once the process has ended, whoever its parent. */
int proc_pidfd(pid_t pid);
/* Waits at most timeout_ms for the process of pidfd to end: 1 ended, 0 not yet, -errno. */
int proc_wait_pidfd(int pidfd, int timeout_ms);
/* Sends sig through the pidfd (never to a recycled pid); 0 or -errno. */
int proc_signal_pidfd(int pidfd, int sig);

/* QEMU's resident memory, and the part of it that is the guest's RAM: the largest private
 * read-write mapping. Under TCG the rest includes the translation cache (up to 1 GiB of
 * generated code), which has nothing to do with what the guest gives back. */
struct proc_memory {
	uint64_t rss_kib;           /* every mapping's Rss */
	uint64_t guest_ram_kib;     /* the size of the largest rw-p mapping */
	uint64_t guest_ram_rss_kib; /* its Rss */
};
int proc_memory_parse(FILE *smaps, struct proc_memory *out);
int proc_memory_of(pid_t pid, struct proc_memory *out);

#endif
