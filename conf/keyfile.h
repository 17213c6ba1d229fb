/* A file of keys read through a key table: the lexer's assignments looked up in the table,
 * unquoted and parsed into the target, and every problem (an unknown key, a duplicate, a bad
 * value, an unreadable line) a warning "FILE:LINE: text" while the default stays in force.
 * /etc/wsl.conf (conf/wslconf.c) and the host's .wslconfig (host/wslconfig.c) are two tables
 * over this one reader. */
#ifndef GUESTINIT_CONF_KEYFILE_H
#define GUESTINIT_CONF_KEYFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "keytable.h"
#include "lexer.h"

#define CONF_KEYFILE_MAX_FILE (1024 * 1024) /* bytes past this are ignored with a warning */

/* Receives each warning as one line "FILE:LINE: text" (LINE 0 when not about a line). */
typedef void (*conf_warn_fn)(void *ctx, const char *msg);

struct conf_keyfile {
	const struct conf_key *keys;
	size_t nkeys;
	const struct conf_dialect *dialect;
	const char *ident; /* the logger's subsystem when there is no warn callback: "wsl.conf" */
	bool missing_ok;   /* a file that does not exist is no problem (.wslconfig), not a warning */
};

/* Both return the number of warnings; the target keeps what it held (its defaults) wherever
 * the input was missing or wrong. A NULL warn logs through the logger as kf->ident. */
unsigned conf_keyfile_load(const struct conf_keyfile *kf, void *target, const char *path, conf_warn_fn warn,
			   void *ctx);
unsigned conf_keyfile_buffer(const struct conf_keyfile *kf, void *target, const char *name, const char *buf,
			     size_t len, conf_warn_fn warn, void *ctx);

#endif
