/* guesthost's commands as clients of their agent (STATE/agent.sock): one request per
 * connection, one typed reply (agent_msg.h), and the waits that go with them, on fds only. */
#ifndef GUESTINIT_HOST_AGENT_CLIENT_H
#define GUESTINIT_HOST_AGENT_CLIENT_H

#include <stdint.h>

#include "agent_msg.h"
#include "guesthost.h"

/* Sends the request and reads the AGENT_REPLY (and the fd passed with it, if fd_out): 1 ok,
 * 0 refused (err has the agent's reason), -errno when the agent is unreachable (err set). */
int agent_request(const struct gh *g, const struct proto_buf *req, int *fd_out, struct gi_error *err);
/* The same for a reply whose text is the answer: *text malloc'd (maybe ""), when ok. */
int agent_request_text(const struct gh *g, const struct proto_buf *req, char **text, struct gi_error *err);

/* The agent's status. With wait_boot, once boot wait_boot of the guest is ready: the wait
 * ends early when QEMU (qemu_pidfd, or -1) ends (-ECHILD) or after timeout_ms (-ETIMEDOUT;
 * -1: no limit). 0 with *st filled, or -errno with err set. */
int agent_get_status(const struct gh *g, uint32_t wait_boot, int qemu_pidfd, int timeout_ms, struct agent_status *st,
		     struct gi_error *err);

/* Ends the agent of STATE/agent.pid, if one runs (SIGTERM, at most AGENT_STOP_TIMEOUT_S). */
void agent_stop(const struct gh *g);

#endif
