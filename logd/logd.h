/* guestinit-logd: the internal daemon that writes PID 1's log lines to a rotated file. */
#ifndef GUESTINIT_LOGD_H
#define GUESTINIT_LOGD_H

#include "daemon.h"

int logd_main(int argc, char **argv);

extern const struct daemon_def logd_daemon;

#endif
