/* PID 1: boot, reap, supervise internal daemons, answer the control socket, shut down. */
#ifndef GUESTINIT_INIT_PID1_H
#define GUESTINIT_INIT_PID1_H

/* argv after "--" (as the kernel passes what follows "--" on its command line) is a console
 * session: run once boot is done, and its end powers the guest off with its exit status. */
__attribute__((noreturn)) void pid1_main(int argc, char **argv);

#endif
