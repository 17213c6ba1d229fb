/* The hub's records under /run/guestinit: one struct each, with its path, one pack and one
 * unpack (key=value lines, lib/base/kvtext.h), written whole by atomic_write. The hub writes
 * the host's configuration, PID 1 its ready record, capabilities their figures; whoever
 * reads one reads it through here. */
#ifndef GUESTINIT_HOSTCHAN_RECORDS_H
#define GUESTINIT_HOSTCHAN_RECORDS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "control_msg.h"

#define RUNSTATE_DIR "/run/guestinit"

/* What the host said in WELCOME, for the capabilities that act on it (drives, network,
 * reclaim...). Written by the hub at each WELCOME. */
#define HOST_CONF_PATH RUNSTATE_DIR "/host.conf"

struct host_conf {
	uint32_t version;
	uint64_t features;
	char host[256]; /* the channel's URI, as the hub dials it */
	char distro[64], default_user[64], timezone[64], reclaim[16], network[32], hostname[64];
	char drive[26][64]; /* by letter a-z: "p9", "virtio:TAG", or "" (not shared) */
	char windows_path[1024]; /* the host's Windows PATH, ';'-separated */
	char aliases[1024];      /* the host's alias table's names, ';'-separated */
};

/* From WELCOME; -ENAMETOOLONG if a value is longer than its field (it is then left out). */
int host_conf_from_welcome(struct host_conf *c, const struct proto_welcome *w, const char *host_uri);
/* key=value text into buf: its length, or -ENOSPC. */
int host_conf_pack(const struct host_conf *c, char *buf, size_t cap);
/* text (modified in place) into *c; unknown keys are skipped (a newer hub wrote them). */
void host_conf_unpack(char *text, struct host_conf *c);
int host_conf_write(const char *path, const struct host_conf *c);
/* 0, or -errno (-ENOENT: no host has spoken yet). */
int host_conf_read(const char *path, struct host_conf *c);

/* PID 1's ready line and timings: written by PID 1 when the boot is done, read by the hub at
 * its start (live, PID 1 also sends them as HUB_READY). */
#define READY_PATH RUNSTATE_DIR "/ready"
/* The systemd hand-off's helper (init/helper.h) writes its pid here: under systemd its
 * child, not PID 1, reports ready. */
#define HELPER_PID_PATH RUNSTATE_DIR "/helper.pid"
/* The helper's pid from HELPER_PID_PATH, or 0 (no hand-off). */
pid_t helper_pid_read(void);

struct ready_record {
	char line[256];
	uint64_t ready_ms, uptime_ms;
};

int ready_record_write(const char *path, const struct ready_record *r);
int ready_record_read(const char *path, struct ready_record *r);

/* A capability's figures, as it last published them (hub_stats in hub.h): the text of
 * key=value lines, in stats/NAME. The hub reads them at its start; live, they come as
 * HUB_STATS. */
#define STATS_DIR RUNSTATE_DIR "/stats"
#define STATS_MAX 4096

#endif
