/* The interop client: /init as the interpreter binfmt_misc gives a Windows program
 * (binfmt.h). `cmd.exe /c ver` typed in the guest becomes
 *     /init /mnt/c/windows/system32/cmd.exe cmd.exe /c ver
 * and this runs cmd.exe on the host with those arguments, this process's stdio, the Windows
 * form of the current folder and the environment WSLENV selects, through the hub (an
 * INTEROP_OPEN connection, lib/chan/interop_msg.h) and an exec session run the other way
 * round; its exit status is the host program's. */
#ifndef GUESTINIT_INTEROP_INTEROP_CLIENT_H
#define GUESTINIT_INTEROP_INTEROP_CLIENT_H

#include <stdbool.h>

/* WSL's names for the per-session socket (of the session process's pid: a session's WSL_INTEROP,
 * and what the search up the parent chain looks for) and the fall-back one; the hub's broker
 * answers on both (interop_capability). */
#define INTEROP_SOCKET_DIR "/run/WSL"
#define INTEROP_SESSION_SOCKET_FMT INTEROP_SOCKET_DIR "/%d_interop"
#define INTEROP_INIT_SOCKET INTEROP_SOCKET_DIR "/1_interop"

/* Whether argv is binfmt_misc's call of /init for a program: [interpreter, the program's
 * path as execve got it, its argv[0], args...] where the program is a file that starts with
 * "MZ". */
bool interop_is_binfmt_call(int argc, char **argv);
/* Runs it; returns the exit status: the host program's (0-255), 1 for a launch the host
 * refused, 126 when interop is disabled or the user may not, 255 when the host cannot be
 * reached (within 2 s). */
int interop_client_main(int argc, char **argv);

#endif
