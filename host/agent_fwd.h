/* Localhost forwarding's host side (docs/network.md): for each guest TCP listener the guest's
 * watcher reports (lib/chan/portfwd_msg.h), the agent listens on the host's 127.0.0.1 and
 * [::1] at the same port (or the next free one, reported), and carries each client it accepts
 * over one of the guest's spare connections to the guest's listener. */
#ifndef GUESTINIT_HOST_AGENT_FWD_H
#define GUESTINIT_HOST_AGENT_FWD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct conn;

/* The first frames of the watcher's connection and of a spare (the token checked here). */
void agent_fwd_open(struct conn *c, const uint8_t *p, uint32_t n, bool enabled);
void agent_fwd_spare(struct conn *c, const uint8_t *p, uint32_t n);
/* A frame on the watcher's connection. */
void agent_fwd_frame(struct conn *c, const struct proto_hdr *h, const uint8_t *p);
/* The watcher's connection is closing: every mapping goes. */
void agent_fwd_watch_closed(struct conn *c);
/* The live mappings for `guesthost ports`, one line each ("guest 80/tcp → host
 * 127.0.0.1:8080 [::1]:8080 ..."): the length, or "" when there are none. */
size_t agent_fwd_ports_text(char *out, size_t cap);
/* The agent stops: every listener and connection closes. */
void agent_fwd_stop(void);

#endif
