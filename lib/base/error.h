/* One error value: an errno and a message with context, made where the failure is seen,
 * wrapped with more context on the way up, and printed once at the top (crun's
 * libcrun_error_t). Leaf calls keep returning plain -errno; this is for failures whose
 * reason must cross a function boundary ("drvfs: mount C: on /mnt/c: 9p: Connection
 * refused"). It lives on the caller's stack: no allocation, so it cannot fail itself. */
#ifndef GUESTINIT_BASE_ERROR_H
#define GUESTINIT_BASE_ERROR_H

#include <stdbool.h>

#define GI_ERROR_MAX 512

struct gi_error {
	int code;              /* a positive errno, or 0: no error */
	char msg[GI_ERROR_MAX]; /* what went wrong, with context; "" if none */
};

#define GI_ERROR_INIT { 0, "" }

/* Records code (a positive or negative errno) and the message; returns -code, so that
 * `return gi_error_set(err, ENOENT, "no %s", x);` is the whole error path. err may be NULL. */
int gi_error_set(struct gi_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* As gi_error_set, with ": strerror(code)" added to the message. */
int gi_error_errno(struct gi_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Puts "CONTEXT: " in front of the message; returns -code. */
int gi_error_wrap(struct gi_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void gi_error_clear(struct gi_error *err);

static inline bool gi_error_is_set(const struct gi_error *err)
{
	return err && err->code;
}

#endif
