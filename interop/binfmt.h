/* The kernel's side of interop: binfmt_misc sends every file that starts with "MZ" (a Windows
 * PE program) to /init, which runs it on the host (client.h). Registered as WSL 2 does, under
 * the name tools look for, with F (the interpreter is opened now, so it works in every mount
 * namespace and chroot) and P (the program's own argv[0] is kept), never C (credentials of
 * the program file: a set-uid .exe must not become a set-uid /init). */
#ifndef GUESTINIT_INTEROP_BINFMT_H
#define GUESTINIT_INTEROP_BINFMT_H

#include <stdbool.h>

#include "error.h"

#define BINFMT_DIR "/proc/sys/fs/binfmt_misc"
#define BINFMT_NAME "WSLInterop"
#define BINFMT_REGISTRATION ":" BINFMT_NAME ":M::MZ::/init:FP"
/* protectBinfmt's read-only copies, bind-mounted over the kernel's files */
#define BINFMT_LOCK_DIR "/run/guestinit/binfmt"

/* binfmt_misc mounted at dir, and WSLInterop registered there unless it is (idempotent).
 * 0 or -errno with err. */
int binfmt_register(const char *dir, struct gi_error *err);
/* WSLInterop removed if it is there (enabled=false). 0 or -errno with err. */
int binfmt_unregister(const char *dir, struct gi_error *err);
/* [boot] protectBinfmt: `status` (which `-1` would empty: systemd-binfmt, systemd-shutdown)
 * and WSLInterop's own file (update-binfmts --disable, `-1 > WSLInterop`) become read-only
 * copies, so that neither write can take interop away. 0 or -errno with err. */
int binfmt_protect(const char *dir, const char *lock_dir, struct gi_error *err);
/* Whether WSLInterop is registered and enabled under dir. */
bool binfmt_registered(const char *dir);

#endif
