/* Enum values and their names both ways from one table, as systemd's string tables: a table is
 * indexed by the value, and a value without a name has NULL there. */
#ifndef GUESTINIT_BASE_STRTAB_H
#define GUESTINIT_BASE_STRTAB_H

#include <stddef.h>

#include "cleanup.h"

/* The name of v, or NULL when v is past the table or has none. */
const char *strtab_name(const char *const *names, size_t n, unsigned v);
/* The value named name, or -EINVAL. */
int strtab_lookup(const char *const *names, size_t n, const char *name);

#define STRTAB_NAME(table, v) strtab_name(table, ARRAY_SIZE(table), (unsigned)(v))
#define STRTAB_LOOKUP(table, name) strtab_lookup(table, ARRAY_SIZE(table), name)

#endif
