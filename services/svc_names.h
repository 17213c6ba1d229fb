/* Service names and where a service is defined: shared by the commands and the supervisor,
 * so that both give the same answer for the same NAME. */
#ifndef GUESTINIT_SERVICES_NAMES_H
#define GUESTINIT_SERVICES_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#define SVC_NAME_MAX 255
#define INITD_DIR "/etc/init.d"
#define SVC_SOCKET_PATH "/run/guestinit/services"
#define SVC_NOTIFY_PATH "/run/guestinit/notify"
#define SVC_LOG_DIR "/var/log/guestinit"

/* 0, or -EINVAL with *why: empty, '/', "..", a control character, over 255 bytes. */
int svc_name_check(const char *name, const char **why);
/* "nginx.service" → "nginx" (in place); other suffixes are left, they are not services. */
void svc_name_strip(char *name);
/* A unit folder's entry that is a service (NAME.service, not a template NAME@.service):
 * true, with NAME in name (cap at least SVC_NAME_MAX + 1). */
bool svc_name_of_unit_file(const char *file, char *name, size_t cap);

enum svc_kind { SVC_NONE, SVC_UNIT, SVC_INITD };

/* Which definition supervises NAME under root (normally ""): the unit when there is one
 * (unless it says [X-Guestinit] UseInitScript=yes), else an executable init.d script. */
enum svc_kind svc_resolve(const char *root, const char *name);
/* The same, keeping what was read: for SVC_UNIT, u (to unit_free) and path are the unit;
 * otherwise u is empty. Problems in the unit go to warn. */
struct unit;
enum svc_kind svc_resolve_unit(const char *root, const char *name, struct unit *u, char *path, size_t cap,
			       void (*warn)(void *ctx, const char *file, unsigned line, const char *msg), void *ctx);
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
