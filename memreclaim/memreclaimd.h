/* guestinit-memreclaimd: gives idle memory back to the host (policy.h says when and how).
 * PID 1 starts and restarts it; it runs at idle CPU and I/O priority. */
#ifndef GUESTINIT_MEMRECLAIMD_H
#define GUESTINIT_MEMRECLAIMD_H

#define MR_STATS_PATH "/run/guestinit/memreclaim"

int memreclaimd_main(int argc, char **argv);

#endif
