/* The one error value (see error.h). */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* An error always has a code: a caller that passed 0 still failed. */
static int positive(int code)
{
	code = code < 0 ? -code : code;
	return code ? code : EIO;
}

/* s onto msg at *n, cut to the buffer */
static void append(char msg[GI_ERROR_MAX], size_t *n, const char *s)
{
	size_t k = strlen(s);
	if (k > GI_ERROR_MAX - 1 - *n)
		k = GI_ERROR_MAX - 1 - *n;
	memcpy(msg + *n, s, k);
	*n += k;
	msg[*n] = '\0';
}

static void vset(struct gi_error *err, int code, const char *fmt, va_list ap)
{
	err->code = positive(code);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int gi_error_set(struct gi_error *err, int code, const char *fmt, ...)
{
	if (!err)
		return -positive(code);
	va_list ap;
	va_start(ap, fmt);
	vset(err, code, fmt, ap);
	va_end(ap);
	return -err->code;
}

int gi_error_errno(struct gi_error *err, int code, const char *fmt, ...)
{
	if (!err)
		return -positive(code);
	va_list ap;
	va_start(ap, fmt);
	vset(err, code, fmt, ap);
	va_end(ap);
	size_t n = strlen(err->msg);
	append(err->msg, &n, ": ");
	append(err->msg, &n, strerror(err->code));
	return -err->code;
}

int gi_error_wrap(struct gi_error *err, const char *fmt, ...)
{
	if (!err)
		return -EIO;
	char ctx[GI_ERROR_MAX], old[GI_ERROR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* a message too long for the buffer keeps its start: the outer context */
	size_t n = 0;
	append(err->msg, &n, ctx);
	if (old[0]) {
		append(err->msg, &n, ": ");
		append(err->msg, &n, old);
	}
	err->code = positive(err->code);
	return -err->code;
}

void gi_error_clear(struct gi_error *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}
