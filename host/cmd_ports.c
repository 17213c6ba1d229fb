/* `guesthost ports`: the guest's TCP listeners forwarded to the host's localhost, one line
 * each, as the agent has them now ("guest 80/tcp → host 127.0.0.1:8080 [::1]:8080 (...)").
 * Nothing forwarded prints nothing, status 0; no agent (no VM) is an error. */
#include "guesthost.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "agent_client.h"

int cmd_ports(struct gh *g, int argc, char **argv, struct gi_error *err)
{
	if (argc > 1)
		return gi_error_set(err, EINVAL, "ports: unknown argument '%s'", argv[1]);
	struct proto_buf b;
	proto_buf_init(&b);
	proto_begin(&b, MSG_AGENT_PORTS, 0);
	proto_end(&b);
	char *text = NULL;
	int r = agent_request_text(g, &b, &text, err);
	proto_buf_free(&b);
	if (r <= 0)
		return gi_error_wrap(err, "ports");
	fputs(text, stdout);
	free(text);
	return 0;
}
