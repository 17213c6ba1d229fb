/* The one logger: levels, a subsystem on every line, console + /dev/kmsg early, a pipe later. */
#ifndef GUESTINIT_LOG_H
#define GUESTINIT_LOG_H

#include <stdbool.h>

enum log_level { LOG_LVL_ERR = 3, LOG_LVL_WARN = 4, LOG_LVL_INFO = 6, LOG_LVL_DEBUG = 7 };

/* ident prefixes every line ("guestinit", "service", ...). */
void log_init(const char *ident);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parses "err", "warn", "info", "debug"; returns -EINVAL for anything else. */
int log_level_parse(const char *s, enum log_level *out);
/* Console sink: an fd (2 by default); -1 turns it off. */
void log_set_console_fd(int fd);
/* Kernel log sink (/dev/kmsg): only for the machine's real PID 1. */
int log_open_kmsg(void);
/* Extra sink, e.g. the write end of the log daemon's pipe; written non-blocking, a full
 * pipe drops the line rather than stalling the caller. -1 turns it off. */
void log_set_pipe_fd(int fd);

/* subsys NULL: a line of the program's own, "ident: text". */
void log_msg(enum log_level level, const char *subsys, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_err(sub, ...) log_msg(LOG_LVL_ERR, sub, __VA_ARGS__)
#define log_warn(sub, ...) log_msg(LOG_LVL_WARN, sub, __VA_ARGS__)
#define log_info(sub, ...) log_msg(LOG_LVL_INFO, sub, __VA_ARGS__)
#define log_debug(sub, ...) log_msg(LOG_LVL_DEBUG, sub, __VA_ARGS__)

#endif
