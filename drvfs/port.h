/* The guest's side of the drive ports (lib/chan/drive_msg.h, docs/protocol.md "Drive ports"):
 * virtio-serial ports that carry a mount's 9P between the kernel and the host's server, past
 * the network. A port is claimed by opening it (the kernel lets one opener have a port at a
 * time), and it stays claimed while the mount holds its file. */
#ifndef GUESTINIT_DRVFS_PORT_H
#define GUESTINIT_DRVFS_PORT_H

#include <stddef.h>

#include "error.h"

/* Opens the first free drive port listed in sysdir (/sys/class/virtio-ports), its device in
 * devdir (/dev): the fd (non-blocking, close-on-exec) and its name in name[cap], or -ENOENT (the
 * VM has none), -EBUSY (all are in use; err says how many), or another -errno with err. */
int drive_port_claim(const char *sysdir, const char *devdir, char *name, size_t cap, struct gi_error *err);

/* Reads the port until the host's sync text (DRIVE_SYNC_LEN characters), dropping what comes
 * before it: what the port held from its last mount. Nothing may follow it, as the host
 * writes no 9P before the kernel asks. 0, or -errno with err (-ETIMEDOUT after timeout_ms). */
int drive_port_sync(int fd, const char *sync, int timeout_ms, struct gi_error *err);

/* The kernel's 9p cannot use a port's file itself (virtio_console has no read_iter or
 * write_iter, which kernel_read and kernel_write need), so a relay process copies between the
 * port and one end of a socket pair: the other end, for the mount's trans=fd, or -errno with
 * err. The relay is a daemon of its own (its parent is PID 1), named "drvfs-port NAME"; it
 * ends when the mount closes its end (the unmount) or the host's side of the port goes
 * (the kernel then sees the end of its connection, as over TCP). port_fd is the relay's now. */
int drive_port_relay(int port_fd, const char *name, struct gi_error *err);

#endif
