/* guestinit-generator: the systemd generator the hand-off links (init/handoff.h). systemd
 * runs it at its start and on each daemon-reload with its three output folders; it masks,
 * in the first (below /etc, so a unit or mask of the user's own wins), the units that cannot
 * work in this VM. docs/systemd.md says why for each. */
#ifndef GUESTINIT_INIT_GENERATOR_H
#define GUESTINIT_INIT_GENERATOR_H

#include <stddef.h>

/* The masks into dir: the fixed list, and serial-getty@NAME.service for each serial name in
 * consoles (the kernel's active consoles, "tty0 ttyS0"). How many were written, or -errno. */
int generator_write_masks(const char *dir, const char *consoles);

int generator_main(int argc, char **argv);

#endif
