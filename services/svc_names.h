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

enum svc_kind { SVC_NONE, SVC_UNIT, SVC_INITD };

/* Which definition supervises NAME under root (normally ""): the unit when there is one
 * (unless it says [X-Guestinit] UseInitScript=yes), else an executable init.d script. */
enum svc_kind svc_resolve(const char *root, const char *name);
bool svc_has_initd(const char *root, const char *name);

#endif
