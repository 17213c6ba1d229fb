/* The distributions (man 1 wsl): each is a VM of its own with a state folder of its own. The
 * state folder guesthost is given (--state, $GUESTHOST_STATE, else the source tree's
 * .cache/vm) is the distribution "Debian", the image host/mkimage builds; the registry of the
 * others lives in it:
 *   STATE/distributions/NAME/distribution   name=, base=, disk=, version= (kvtext lines)
 *   STATE/distributions/NAME/...            that VM's state folder (pid files, agent, initrd)
 *   STATE/default-distribution              the default's name; none: Debian
 * A distribution's disk is BASE/ext4.img, in the folder --import was given (as WSL keeps its
 * ext4.vhdx there). Names are matched without regard to case, as WSL matches them. */
#ifndef GUESTINIT_HOST_DISTRO_H
#define GUESTINIT_HOST_DISTRO_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "guesthost.h"

#define DISTRO_BUILTIN "Debian"
#define DISTRO_NAME_MAX 64
#define DISTRO_RECORD "distribution"
#define DISTRO_DISK "ext4.img"
#define DISTRO_MAX 64

struct distro {
	char name[DISTRO_NAME_MAX + 1];
	char base[PATH_MAX]; /* the folder --import was given; "" for Debian */
	char disk[PATH_MAX]; /* its root disk; "" for Debian (mkimage's root.img) */
	unsigned version;    /* always 2: a VM */
	bool builtin;        /* Debian: the state folder itself */
	bool installing;     /* an import of it is on its way (distro_list only) */
	struct gh g;         /* its state folder, for the verbs */
};

/* A name WSL would take: 1 to 64 letters, digits, '.', '-' or '_'; err names what is wrong. */
int distro_name_check(const char *name, struct gi_error *err);
/* The registry's distributions, the default first, then by name; *n of them (at most
 * DISTRO_MAX). A record that cannot be read is skipped with a warning naming it. */
int distro_list(const struct gh *root, struct distro *out, size_t *n, struct gi_error *err);
/* The one named (any case): 0, or -ENOENT with WSL's message. */
int distro_find(const struct gh *root, const char *name, struct distro *d, struct gi_error *err);
/* The default's name into out (cap bytes): the record, if that distribution still exists. */
void distro_default(const struct gh *root, char *out, size_t cap);
int distro_set_default(const struct gh *root, const char *name, struct gi_error *err);
/* STATE/distributions/NAME into out (the folder of a distribution being imported). */
int distro_state_dir(const struct gh *root, const char *name, char *out, size_t cap, struct gi_error *err);
/* The record of the state folder g, if it is an imported distribution's: 1 read, 0 none. */
int distro_record_read(const struct gh *g, struct distro *d, struct gi_error *err);
int distro_record_write(const struct gh *g, const struct distro *d, struct gi_error *err);
/* Whether its VM runs (its QEMU is alive). */
bool distro_running(const struct distro *d);

#endif
