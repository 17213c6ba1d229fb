/* guestinit-logd: the internal daemon that writes PID 1's log lines to a rotated file. */
#ifndef GUESTINIT_LOGD_H
#define GUESTINIT_LOGD_H

int logd_main(int argc, char **argv);

#endif
