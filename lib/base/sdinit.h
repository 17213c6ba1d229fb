/* Whether systemd is the init (the hand-off, docs/systemd.md), and its systemctl: asked by
 * the hub, the sessions, the power requests and `service`, written once. */
#ifndef GUESTINIT_BASE_SDINIT_H
#define GUESTINIT_BASE_SDINIT_H

#include <stdbool.h>

/* sd_booted()'s test: /run/systemd/system exists (systemd makes it; we never do). */
bool sdinit_booted(void);
/* The distribution's systemctl: /usr/bin/systemctl, else /bin/systemctl (merged /usr or not). */
const char *sdinit_systemctl(void);

#endif
