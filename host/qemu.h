/* QEMU for the VM: its command line, built as an argv (paths escaped for QEMU's own option
 * syntax, never for a shell), and its launch in the background. */
#ifndef GUESTINIT_HOST_QEMU_H
#define GUESTINIT_HOST_QEMU_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "guesthost.h"
#include "image.h"
#include "vmopts.h"

/* room for 30 drive ports (DRIVE_PORTS_MAX), four arguments each, beside the rest */
#define QEMU_MAX_ARGS 224

struct qemu_cmdline {
	char *argv[QEMU_MAX_ARGS];
	size_t argc;
	char store[16384]; /* the arguments that are built, one after the other */
	size_t used;
};

/* value with each comma doubled: QEMU's escape inside "key=value,key=value" options. */
int qemu_escape(const char *value, char *out, size_t cap);
/* The whole command line; -ENAMETOOLONG if it does not fit. */
int qemu_build_cmdline(const struct gh *g, const struct vm_opts *vm, const struct image *img, int port,
		       struct qemu_cmdline *cl);
/* Starts QEMU (-daemonize: it returns once the VM is set up) and returns its pid, from the
 * pid file it wrote; -errno with err set (QEMU's log tail is on stderr then). */
pid_t qemu_launch(const struct gh *g, const struct vm_opts *vm, const struct image *img, int port,
		  struct gi_error *err);

#endif
