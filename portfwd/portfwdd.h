/* guestinit-portfwdd: localhost forwarding's guest side (docs/network.md). It watches this
 * network namespace's TCP listeners (listeners.h), tells the host of each one that appears
 * or closes over its watcher connection, and keeps spare connections to the host ready, each
 * of which becomes one forwarded connection when a host client connects: then it connects to
 * the listener and pumps the bytes (lib/base/pump.h). Every connection to the host goes
 * through the hub (hub_dial), which adds the boot token. */
#ifndef GUESTINIT_PORTFWDD_H
#define GUESTINIT_PORTFWDD_H

/* When the listeners are listed. With the kernel's listen events (listenwatch.h): shortly
 * after each, once more a little later, and every PORTFWD_SAFETY_SCAN_MS in case one was
 * lost. Without them, every PORTFWD_SCAN_MS: a new listener is at the host within about half
 * of it plus a round trip (the goal is a median of 250 ms; WSL lists them every 1000 ms). */
#define PORTFWD_EVENT_SCAN_MS 5
#define PORTFWD_FOLLOWUP_MS 100
#define PORTFWD_SAFETY_SCAN_MS 30000
#define PORTFWD_SCAN_MS 100
/* Connections to the host kept ready for clients. */
#define PORTFWD_SPARES 4

int portfwdd_main(int argc, char **argv);

#endif
