/* Restart backoff: 0, base, 2*base, 4*base ... capped; a healthy run starts the curve again. */
#include "backoff.h"

uint64_t backoff_next_delay(struct backoff *b, uint64_t ran_ms)
{
	if (ran_ms >= b->reset_after_ms)
		b->failures = 0;
	uint64_t delay = 0;
	if (b->failures > 0) {
		delay = b->base_ms;
		for (unsigned i = 1; i < b->failures && delay < b->max_ms; i++)
			delay *= 2;
		if (delay > b->max_ms)
			delay = b->max_ms;
	}
	if (b->failures < 64)
		b->failures++;
	return delay;
}
