/* Bringing up the loopback interface, which every later network step and service expects. */
#ifndef GUESTINIT_NET_LOOPBACK_H
#define GUESTINIT_NET_LOOPBACK_H

/* Sets "lo" up (the kernel adds 127.0.0.1 and ::1 itself). 0 or -errno. */
int net_loopback_up(void);

#endif
