/* The test rig for the services' state machine: a service as the supervisor holds it, events
 * parsed from the lines the tests and the recordings write, and a step checker. Shared by
 * test_machine.c (sequences written down) and test_machine_traces.c (what the live
 * supervisor did, replayed). */
#ifndef GUESTINIT_TEST_MACHINE_RIG_H
#define GUESTINIT_TEST_MACHINE_RIG_H

#include <stdbool.h>
#include <stdint.h>

#include "svc.h"
#include "svc_machine.h"

/* A service as the supervisor holds it, with a job the test hands it and what came back. */
struct rig {
	struct svc s;
	struct svc_job job;
	struct sv_request req;
	uint64_t now;
	bool stopping_all;
	unsigned seq;
	int replies, reply_status;
	char reply[1400];
};

struct step {
	const char *event;   /* an event, "job TYPE [VERB]" (a job starts running), or "+MS" (time passes) */
	const char *state;   /* after it */
	const char *actions; /* asked for by it, all of them in order */
};

void rig_init(struct rig *r, const char *name, const char *unit_text);
void rig_free(struct rig *r);
/* A line that is no event: "job TYPE [VERB]", "+MS", "set STATE", "backoff-reset"; false
 * for anything else. */
bool context_line(struct rig *r, const char *line);
/* One event: the state after it and the actions it asked for must be these. */
void run_step(struct rig *r, const char *event, const char *want_state, const char *want_actions,
	      const char *where);
void play(struct rig *r, const struct step *steps);

#endif
