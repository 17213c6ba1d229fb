/* .wslconfig's vmIdleTimeout: the agent powers the VM off once it has been idle that long, as
 * WSL shuts its VM down. Idle is: no session of the host's is open (the agent watches the
 * process of each client it hands a session to: wsl, guesthost run or shell, which lives as
 * long as its session), and the guest's STATS say no service runs (services.running=0,
 * counted by the supervisor). A guest that does not say (systemd runs its services) is never
 * idle. */
#ifndef GUESTINIT_HOST_AGENT_IDLE_H
#define GUESTINIT_HOST_AGENT_IDLE_H

#include <stdbool.h>
#include <stdint.h>

struct evloop;

/* Checks once a second from now on. */
void agent_idle_start(struct evloop *loop, unsigned timeout_ms);
/* A session handed to the local client on cli_fd: busy until that client process ends. */
void agent_idle_session(int cli_fd);
/* Whether the STATS text says that no service runs (services.running=0). */
bool agent_idle_in(const char *stats);

#endif
