/* The host's ~/.wslconfig (man 5 wslconfig): WSL's [wsl2] keys for the VM, read with the one
 * config lexer and a key table (conf/keyfile.h), as the guest reads /etc/wsl.conf. Each bad
 * value is one warning naming file, line and key, and its default stays. start applies the
 * file first and its own options over it. */
#ifndef GUESTINIT_HOST_WSLCONFIG_H
#define GUESTINIT_HOST_WSLCONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmopts.h"

struct wslconfig {
	unsigned processors;      /* 0: not set (start's default) */
	unsigned memory_mb;       /* 0: not set */
	int64_t swap_mb;          /* -1: not set (none); 0: none */
	char swap_file[PATH_MAX]; /* "": STATE/swap.img */
	int page_reporting;       /* -1 not set, 0 false, 1 true */
	int localhost_forwarding; /* -1, 0, 1 */
	int networking_mode;      /* -1 not set, 0 nat, 1 mirrored */
	char kernel[PATH_MAX];
	char kernel_command_line[2048];
	char auto_memory_reclaim[16]; /* [experimental]; "": not set */
	long long vm_idle_timeout_ms; /* LLONG_MIN: not set; 0 or less: never */
};

/* vmIdleTimeout's default, WSL's: a minute. */
#define WSL_IDLE_TIMEOUT_MS 60000

void wslconfig_defaults(struct wslconfig *c);
/* Reads path (a missing file is no problem); each warning goes to stderr as
 * "guesthost: .wslconfig: FILE:LINE: ...". Returns the number of warnings. */
unsigned wslconfig_load(struct wslconfig *c, const char *path);
/* ~/.wslconfig of the user ($HOME, else the passwd entry) into out. */
void wslconfig_default_path(char *out, size_t cap);
/* What the file set, into vm (start's options are applied after). */
void wslconfig_apply(const struct wslconfig *c, struct vm_opts *vm);

#endif
