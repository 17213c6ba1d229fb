/* The VM's pieces: the static init (GUESTHOST_INIT, or built), and host/mkimage, which builds
 * what is missing and answers with KEY=value lines that we read from its pipe ourselves. */
#ifndef GUESTINIT_HOST_IMAGE_H
#define GUESTINIT_HOST_IMAGE_H

#include <limits.h>
#include <stddef.h>

#include "guesthost.h"

struct image {
	char kernel[PATH_MAX];
	char initrd[PATH_MAX];
	char rootimg[PATH_MAX];
	char accel[16]; /* kvm or tcg: what the probe found */
};

/* $GUESTHOST_INIT, else the static init that scripts/build makes in the source tree. */
int image_find_init(char *out, size_t cap, struct gi_error *err);
/* Runs host/mkimage --image NAME CACHE STATE INIT (its messages go to our stderr); name is
 * "default" or "systemd" (vm_opts checked it). With disk (an imported distribution's root
 * disk), --disk DISK instead of --image: the kernel and the initramfs, and that disk. */
int image_build(const struct gh *g, const char *name, const char *disk, const char *init, struct image *img,
		struct gi_error *err);
/* One line of mkimage's output into img: 1 taken, 0 not a key of ours, -errno. */
int image_take_line(struct image *img, const char *line);
/* $XDG_CACHE_HOME/guestinit, else ~/.cache/guestinit: the pieces every checkout shares. */
void image_cache_dir(char *out, size_t cap);

#endif
