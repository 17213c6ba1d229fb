/* guestinit-portfwdd: localhost forwarding's guest side (docs/network.md). It watches this
 * network namespace's TCP listeners (listeners.h), tells the host of each one that appears
 * or closes over its watcher connection, and keeps spare connections to the host ready, each
 * of which becomes one forwarded connection when a host client connects: then it connects to
 * the listener and pumps the bytes (lib/base/pump.h). Every connection to the host goes
 * through the hub (hub_dial), which adds the boot token. */
#ifndef GUESTINIT_PORTFWDD_H
#define GUESTINIT_PORTFWDD_H

/* How often the listeners are listed: a new one is at the host within about half of it plus
 * a round trip (the goal is a median of 250 ms; WSL lists them every 1000 ms). */
#define PORTFWD_SCAN_MS 100
/* Connections to the host kept ready for clients. */
#define PORTFWD_SPARES 4

int portfwdd_main(int argc, char **argv);

#endif
