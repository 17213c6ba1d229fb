/* The monotonic clock in the units the code uses, written once. */
#ifndef GUESTINIT_BASE_CLOCK_H
#define GUESTINIT_BASE_CLOCK_H

#include <stdint.h>

uint64_t mono_ms(void);
uint64_t mono_us(void);
/* CLOCK_BOOTTIME in ms: includes time suspended (uptime as the kernel counts it). */
uint64_t boot_ms(void);

#endif
