/* Paths between the host's Windows form and the guest's, as WSL translates them (wslpath,
 * the interop client's cwd and arguments, WSLENV's /p and /l): through the drive mounts.
 *
 *   C:\Users\me  <->  /mnt/c/Users/me        a drive mounted at /mnt/c (drvfs, source C:\)
 *   C:/Users/me  ->   /mnt/c/Users/me        either separator, either letter case
 *   \\?\C:\x     ->   /mnt/c/x
 *   \\wsl.localhost\DISTRO\etc <-> /etc      a guest path on no drive (and \\wsl$\DISTRO)
 *
 * Translation is text: nothing is looked up here (the caller resolves symlinks and relative
 * paths where it wants to). A trailing separator stays. A Linux name holding one of
 * \ : * ? " < > | or a control character, which Windows names cannot, becomes U+F000 plus
 * the character in the Windows form, and back (WSL's escape.cpp rule). */
#ifndef GUESTINIT_INTEROP_WINPATH_H
#define GUESTINIT_INTEROP_WINPATH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define WINPATH_MAX_MOUNTS 64

struct winpath_mount {
	char win[PATH_MAX];   /* "C:\" or "C:\src" (upper-case letter, '\', no trailing '\' but the root's) */
	char guest[PATH_MAX]; /* its mount point, absolute, no trailing '/' ("/mnt/c") */
};

struct winpath_table {
	struct winpath_mount m[WINPATH_MAX_MOUNTS];
	size_t n;
	char distro[64]; /* for \\wsl.localhost\DISTRO; "" if not known */
};

/* The drive mounts of a /proc/self/mountinfo text: 9p mounts whose source is a drive path
 * (C:\, C:\src, as mount.drvfs names them) or a virtio share tag drvfs_X. A later mount on the
 * same mount point replaces an earlier one. */
void winpath_table_from_mountinfo(struct winpath_table *t, const char *mountinfo);
/* Adds one mapping (tests, and callers that know their drives). 0 or -ENOSPC/-EINVAL. */
int winpath_table_add(struct winpath_table *t, const char *win, const char *linux_path);

/* Whether text is an absolute Windows path: X:\..., X:/..., \\?\..., \\server\... */
bool winpath_is_windows_absolute(const char *text);

/* Windows → guest. An absolute path must be on a mounted drive (-ENOENT otherwise) or the
 * guest's own \\wsl.localhost\DISTRO (\\wsl$\DISTRO) share (-EINVAL for another share); a
 * relative one only changes its separators. 0, -ENAMETOOLONG. */
int winpath_to_linux(const struct winpath_table *t, const char *win, char *out, size_t cap);
/* Guest → Windows: path absolute and without . or .. (the caller normalises), or relative
 * (separators and escapes only). mixed: '/' instead of '\'. 0, -ENAMETOOLONG, -ENOENT (a
 * path on no drive when the distro's name is unknown). */
int winpath_to_windows(const struct winpath_table *t, const char *linux_path, bool mixed, char *out, size_t cap);

#endif
