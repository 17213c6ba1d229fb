/* A distribution's default user, as WSL's first launch makes one: the first start of a
 * distribution (Debian's too) makes a user in it, the host user's name (or "user" when that
 * is root, or --user NAME), uid 1000 when free, in the sudo group with sudo and a sudoers
 * drop-in that asks no password. The name is kept on the host, STATE/default-user, as WSL
 * keeps a default uid per distribution; `wsl` sessions run as that user unless -u or the
 * guest's wsl.conf [user] default says otherwise. guesthost's own sessions stay root's. */
#ifndef GUESTINIT_HOST_FIRSTUSER_H
#define GUESTINIT_HOST_FIRSTUSER_H

#include <stdbool.h>
#include <stddef.h>

#include "guesthost.h"

/* A name Debian's adduser takes ([a-z_][a-z0-9_-]*, at most 32); err says what is wrong. */
int user_name_check(const char *name, struct gi_error *err);
/* The recorded default user into out: false when there is none yet. */
bool firstuser_get(const struct gh *g, char *out, size_t cap);
/* After a boot: makes the default user if none is recorded, or wanted (start --user) if that
 * is not the recorded one. A user that cannot be made is said on stderr, and root is
 * recorded. 0 or -errno (the record could not be written). */
int firstuser_setup(struct gh *g, const char *wanted, struct gi_error *err);
/* Records name as the default user (wsl --manage NAME --set-default-user). */
int firstuser_set(struct gh *g, const char *name, struct gi_error *err);

#endif
