/* The services family (types 0x0050-0x005f), guest-local: `service` and `systemctl` and the
 * supervisor, over SVC_SOCKET_PATH (docs/services.md). One SVC_REQUEST frame with the caller's
 * stdio as SCM_RIGHTS, one SVC_REPLY when the job is done; this file's codec is the only
 * reader and writer of both. */
#ifndef GUESTINIT_SERVICES_SVC_MSG_H
#define GUESTINIT_SERVICES_SVC_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "session_msg.h"

enum svc_type {
	MSG_SVC_REQUEST = 0x0050,     /* → supervisor: TAG_ARG verb, name, args; TAG_ENV; fds 0-2 */
	MSG_SVC_REPLY = 0x0051,       /* ← supervisor: TAG_STATUS, TAG_TEXT (stdout), TAG_REASON */
};

#define SVC_MSG_MAX_ARGS 64 /* extra words for an init.d script */
#define SVC_MSG_MAX_ENV 39  /* the caller's kept variables (Debian's service keeps 17) */

struct svc_request_msg {
	char *verb;                       /* the first TAG_ARG; required */
	char *name;                       /* the second; NULL when absent */
	char *args[SVC_MSG_MAX_ARGS + 1]; /* the others, NULL-terminated */
	char *env[SVC_MSG_MAX_ENV + 1];   /* TAG_ENV NAME=VALUE, NULL-terminated */
	size_t nargs, nenv;
};

struct svc_reply_msg {
	uint32_t status;                  /* an LSB exit code */
	char *text;                       /* for the caller's stdout; NULL: none */
	char *reason;                     /* for its stderr; NULL: none */
};

/* The payload of one whole frame of the given type (a SEQPACKET message is one frame): 0, or
 * -EBADMSG with *why. */
int svc_msg_payload(const void *frame, size_t n, uint16_t type, const uint8_t **payload, size_t *len,
		    const char **why);

/* name NULL is sent as "", so that args keep their places. */
void svc_encode_request(struct proto_buf *b, const char *verb, const char *name, char *const *args,
			char *const *env);
/* Fills *m (zeroed first): more than SVC_MSG_MAX_ARGS arguments or SVC_MSG_MAX_ENV variables,
 * a variable without '=', a malformed field or no verb is an error (-EBADMSG, -EMSGSIZE) with
 * *why, and m freed. */
int svc_decode_request(const void *payload, size_t n, struct svc_request_msg *m, const char **why);
void svc_request_msg_free(struct svc_request_msg *m);

/* text and reason NULL or empty are left out. */
void svc_encode_reply(struct proto_buf *b, uint32_t status, const char *text, const char *reason);
/* The status is required, text and reason optional; each at most once. */
int svc_decode_reply(const void *payload, size_t n, struct svc_reply_msg *m, const char **why);
void svc_reply_msg_free(struct svc_reply_msg *m);

#endif
