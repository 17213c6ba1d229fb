/* What the parts of the unit file parser share: the key table, the parsers of unit-only value
 * types it names (command lines, lists, limits...), and the helpers they all use. Internal to
 * services/unit*.c; the API is unitfile.h. */
#ifndef GUESTINIT_SERVICES_UNIT_KEYS_H
#define GUESTINIT_SERVICES_UNIT_KEYS_H

#include <stddef.h>

#include "keytable.h"
#include "unitfile.h"

/* [Unit], [Service], [Install] and [X-Guestinit]. */
extern const struct conf_key unit_keys[];
extern const size_t unit_nkeys;

/* Marks u as not runnable here, with why (fmt takes arg); the first reason stays. */
void unit_refuse(struct unit *u, const char *fmt, const char *arg);

void unit_strv_free(struct unit_strv *s);
/* Appends a copy of s. */
int unit_strv_add(struct unit_strv *l, const char *s);
void unit_cmds_free(struct unit_cmds *c);
void unit_argv_free(char **argv);

/* ExecStart= and the other Exec lines: one command each; "" resets the list. Field: struct unit_cmds. */
int unit_parse_exec(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
		    struct conf_refusal *why);
/* Environment="A=1" B=2: words as a command line's, each NAME=VALUE; "" resets. Field: struct unit_strv. */
int unit_parse_environment(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			   struct conf_refusal *why);

#endif
