/* The commands that reach the service supervisor. */
#ifndef GUESTINIT_SERVICES_SERVICE_CMD_H
#define GUESTINIT_SERVICES_SERVICE_CMD_H

int service_main(int argc, char **argv);
/* systemctl while systemd is not PID 1 (systemctl_cmd.c). */
int systemctl_services_main(int argc, char **argv);

#endif
