/* Clocks (see clock.h). */
#include "clock.h"

#include <time.h>

static uint64_t read_us(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t mono_us(void)
{
	return read_us(CLOCK_MONOTONIC);
}

uint64_t mono_ms(void)
{
	return read_us(CLOCK_MONOTONIC) / 1000;
}

uint64_t boot_ms(void)
{
	return read_us(CLOCK_BOOTTIME) / 1000;
}
