/* Service names: what a name may be and how unit file names map to it, shared by the commands
 * and the supervisor so that both give the same answer for the same NAME. */
#ifndef GUESTINIT_SERVICES_SVC_NAMES_H
#define GUESTINIT_SERVICES_SVC_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#define SVC_NAME_MAX 255

/* 0, or -EINVAL with *why: empty, '/', "..", a control character, over 255 bytes. */
int svc_name_check(const char *name, const char **why);
/* "nginx.service" → "nginx" (in place); other suffixes are left, they are not services. */
void svc_name_strip(char *name);
/* A unit folder's entry that is a service (NAME.service, not a template NAME@.service):
 * true, with NAME in name (cap at least SVC_NAME_MAX + 1). */
bool svc_name_of_unit_file(const char *file, char *name, size_t cap);

#endif
