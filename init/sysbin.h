/* Making `reboot`, `poweroff`, `halt`, `shutdown`, `runlevel` and `telinit` reach PID 1
 * without changing a file the distro owns. */
#ifndef GUESTINIT_INIT_SYSBIN_H
#define GUESTINIT_INIT_SYSBIN_H

/* self: path of our binary as seen inside the root. Logs what it did for each name. */
void sysbin_expose(const char *self);

#endif
