#ifndef GUESTINIT_UNIT_CONDITION_H
#define GUESTINIT_UNIT_CONDITION_H

#include <stdbool.h>
#include <stddef.h>

#include "unitfile.h"

enum unit_condition_result { UNIT_CONDITIONS_MET, UNIT_CONDITION_UNMET, UNIT_ASSERT_FAILED };

/* Whether KEY (ConditionPathExists, AssertCapability...) is one we check. */
bool unit_condition_known(const char *key);
/* Checks u->conditions ("ConditionX=value", "AssertX=|!value") against the running system;
 * on anything but MET, failed names the first entry that did not hold. */
enum unit_condition_result unit_conditions_check(const struct unit *u, char *failed, size_t cap);

#endif
