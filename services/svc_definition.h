/* Where a service is defined and which definition wins: its unit (with drop-ins, in every unit
 * folder) or its init.d script, and a stamp of those files so that an unchanged definition is
 * not read again. Shared by the commands and the supervisor. */
#ifndef GUESTINIT_SERVICES_SVC_DEFINITION_H
#define GUESTINIT_SERVICES_SVC_DEFINITION_H

#include <stdbool.h>
#include <stddef.h>

#include "unitfile.h"

#define INITD_DIR "/etc/init.d"

enum svc_kind { SVC_NONE, SVC_UNIT, SVC_INITD };

/* Which definition supervises NAME under root (normally ""): the unit when there is one
 * (unless it says [X-Guestinit] UseInitScript=yes), else an executable init.d script. */
enum svc_kind svc_resolve(const char *root, const char *name);
/* The same, keeping what was read: for SVC_UNIT, u (to unit_free) and path are the unit;
 * otherwise u is empty. Problems in the unit go to warn. */
enum svc_kind svc_resolve_unit(const char *root, const char *name, struct unit *u, char *path, size_t cap,
			       unit_warn_fn warn, void *ctx);
/* A number that changes when any file of NAME's definition changes (its units and drop-ins
 * in every unit folder, its init script), so that an unchanged definition is not read
 * again. */
unsigned long long svc_definition_stamp(const char *root, const char *name);
bool svc_has_initd(const char *root, const char *name);
/* Every unit enabled in /etc/systemd/system/{multi-user,default,graphical}.target.wants
 * (systemctl enable, deb-systemd-helper): each(ctx, NAME, path of the link). Templates (@)
 * are left out. */
void svc_each_wanted_unit(void (*each)(void *ctx, const char *name, const char *link), void *ctx);

#endif
