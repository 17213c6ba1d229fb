/* What a restarted supervisor needs to find its services again: one small key=value file per
 * service in /run/guestinit/services.state, rewritten at every change of state. /run is a
 * fresh tmpfs at each boot, so a record never outlives the processes it describes by a
 * reboot; a pid it names is only believed with the same start time and cgroup. */
#ifndef GUESTINIT_SERVICES_SVC_RECORD_H
#define GUESTINIT_SERVICES_SVC_RECORD_H

#include <stdint.h>
#include <sys/types.h>

#define SVC_RECORD_DIR "/run/guestinit/services.state"

struct svc_record {
	char state[16];                /* the state's sub name: running, exited, stop, failed, ... */
	pid_t main_pid;                /* 0: none known */
	unsigned long long main_ticks; /* the main process's start time (/proc/PID/stat), against pid reuse */
	uint64_t since_ms, main_start_ms; /* CLOCK_MONOTONIC, which a restart does not reset */
	unsigned restarts, start_seq;
	char result[600], last_exit[96], status_text[160];
};

int svc_record_save(const char *name, const struct svc_record *r);
/* 0, -ENOENT, or -EINVAL for a record that cannot be read (it is then ignored). */
int svc_record_load(const char *name, struct svc_record *r);
void svc_record_remove(const char *name);
/* Calls each(ctx, name) for every record; returns how many there were. */
int svc_record_each(void (*each)(void *ctx, const char *name), void *ctx);
/* The start time of pid in clock ticks since boot, or 0 when it does not exist. */
unsigned long long svc_pid_ticks(pid_t pid);

#endif
