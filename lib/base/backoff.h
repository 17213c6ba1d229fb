/* Restart backoff for supervised children: first restart at once, then exponential. */
#ifndef GUESTINIT_BACKOFF_H
#define GUESTINIT_BACKOFF_H

#include <stdint.h>

struct backoff {
	uint64_t base_ms;        /* delay of the second consecutive failure */
	uint64_t max_ms;         /* cap */
	uint64_t reset_after_ms; /* a run this long counts as healthy and resets the count */
	unsigned failures;       /* consecutive short runs so far */
};

#define BACKOFF_INIT { .base_ms = 100, .max_ms = 30000, .reset_after_ms = 10000 }

/* Called when the child ended after running ran_ms; returns how long to wait before the
 * next start. */
uint64_t backoff_next_delay(struct backoff *b, uint64_t ran_ms);

#endif
