/* The state folder (STATE: man 1 guesthost): where it is, making it, the lock that keeps two
 * starts apart, its pid files and its small records (token, port, boot.info). */
#ifndef GUESTINIT_HOST_STATE_H
#define GUESTINIT_HOST_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "guesthost.h"

/* The longest file name the state folder holds ("monitor.sock", "agent.log"...) plus room. */
#define STATE_NAME_MAX 32

/* g->state from --state (given), else $GUESTHOST_STATE, else state_default_dir. */
int state_init(struct gh *g, const char *given, struct gi_error *err);
/* SRCDIR/.cache/vm of the source tree guesthost was built from, as a real path. */
void state_default_dir(char *out, size_t cap);
/* STATE/name into buf (PATH_MAX bytes); state_init made sure that it fits. */
const char *state_file(const struct gh *g, const char *name, char *buf);

/* mkdir -p: path and its missing parents, each with mode; 0 or -errno. */
int mkdir_p(const char *path, mode_t mode);
/* The folder, its parents, and mode 0700 on it (it holds the boot's secret). */
int state_create(const struct gh *g, struct gi_error *err);
/* Takes STATE/lock (flock, waiting for another start); the fd holds it. */
int state_lock(const struct gh *g, struct gi_error *err);

/* The pid in STATE/name if that process is alive (not a zombie), else 0. */
pid_t state_read_pid(const struct gh *g, const char *name);
int state_write_pid(const struct gh *g, const char *name, pid_t pid, struct gi_error *err);
/* A record replaced whole (atomic_write), with mode. */
int state_write(const struct gh *g, const char *name, const char *text, mode_t mode, struct gi_error *err);
/* The first line of STATE/name, without its end; false if there is none. */
bool state_read_line(const struct gh *g, const char *name, char *buf, size_t cap);
/* The last lines of STATE/name on stderr: the reason a helper failed, from its log. */
void state_print_tail(const struct gh *g, const char *name, int lines);

#endif
