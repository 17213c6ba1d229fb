/* Commands that ask PID 1 for something over its control socket. */
#ifndef GUESTINIT_INIT_COMMANDS_H
#define GUESTINIT_INIT_COMMANDS_H

int power_cmd_main(int argc, char **argv);     /* reboot, poweroff, halt */
int shutdown_cmd_main(int argc, char **argv);  /* shutdown [-r|-h|-P|-H|-c] [TIME] */
int telinit_main(int argc, char **argv);       /* telinit 0|6|2..5|q, and `init N` when not PID 1 */
int guestinit_cmd_main(int argc, char **argv); /* guestinit poweroff|reboot|halt|status */
int systemctl_main(int argc, char **argv);     /* systemctl without systemd: power verbs */

#endif
