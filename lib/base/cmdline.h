/* The kernel command line: how a host hands the guest its settings (guestinit.host=,
 * guestinit.net=, ...). */
#ifndef GUESTINIT_CMDLINE_H
#define GUESTINIT_CMDLINE_H

#include <stddef.h>

/* /proc/cmdline into buf; "" when it cannot be read. */
void cmdline_read(char *buf, size_t cap);

/* The value of a whole-word KEY=VALUE in cmdline (the first one): 1 with out filled, 0 when
 * absent, -ENAMETOOLONG when the value does not fit in cap. */
int cmdline_param(const char *cmdline, const char *key, char *out, size_t cap);

#endif
