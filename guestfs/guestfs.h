/* \\wsl$: the guest's own files, served to the host (docs/guestfs.md).
 *
 * The host asks for them as a session (`wsl --mount-guest`, or the agent the first time a
 * \\wsl.localhost path crosses interop): the hub forks the session as it forks any, the
 * exec runner becomes the user the host asked for (the default user unless told, with
 * initgroups' supplementary groups), and this applet serves `/` with p9/'s server in its
 * native view over the session's stdin and stdout, until the host hangs up. So the server
 * holds exactly that user's rights, and the kernel applies them. */
#ifndef GUESTINIT_GUESTFS_H
#define GUESTINIT_GUESTFS_H

#define GUESTFS_APPLET "guestinit-guestfs"

/* `guestinit-guestfs [FOLDER]`: serves FOLDER (default /) on stdin/stdout. */
int guestfs_main(int argc, char **argv);

#endif
