/* The session family (types 0x0010-0x001f): one connection per exec session, in either
 * direction (the host runs a command in the guest, or the guest one on the host). The
 * runner and the client of lib/chan/exec_*.c and the relay speak it. */
#ifndef GUESTINIT_CHAN_SESSION_MSG_H
#define GUESTINIT_CHAN_SESSION_MSG_H

#include "control_msg.h"
#include "proto.h"

enum session_type {
	MSG_SESSION_ATTACH = 0x0010,  /* guest → host: token + session id; first frame */
	MSG_EXEC = 0x0011,            /* client → runner: what to run */
	MSG_EXEC_ERROR = 0x0012,      /* runner → client: could not start; then the runner closes */
	MSG_STARTED = 0x0013,         /* runner → client */
	MSG_DATA = 0x0014,            /* both: flags = stream; payload = bytes */
	MSG_EOF = 0x0015,             /* both: flags = stream */
	MSG_CREDIT = 0x0016,          /* both: flags = stream; payload = u32 bytes consumed */
	MSG_WINSIZE = 0x0017,         /* client → runner */
	MSG_SIGNAL = 0x0018,          /* client → runner */
	MSG_EXIT = 0x0019,            /* runner → client: last frame */
	MSG_CLOSE = 0x001A,           /* receiver → sender of a stream (flags): stop, I closed it */
	MSG_STDIN_USED = 0x001B,      /* runner → client: TAG_STDIN_USED, how much of stdin the command read */
};

/* Streams of a session, in the flags of DATA, EOF and CREDIT. */
enum proto_stream { STREAM_STDIN = 0, STREAM_STDOUT = 1, STREAM_STDERR = 2, STREAM_COUNT = 3 };

/* Flow control: a receiver grants this many bytes per stream at the start, then CREDITs what
 * it has written out; a sender never has more than its credit in flight. */
#define PROTO_WINDOW (2u << 20)

enum session_tag {
	TAG_ARG = 40,          /* str (repeated): argv; none = the user's login shell */
	TAG_CWD = 41,          /* str */
	TAG_USER = 42,         /* str */
	TAG_ENV = 43,          /* str NAME=VALUE (repeated) */
	TAG_TTY_MASK = 44,     /* u32: bit i set = stream i is the terminal */
	TAG_ROWS = 45,         /* u32 */
	TAG_COLS = 46,         /* u32 */
	TAG_ERRNO = 47,        /* u32 (EXEC_ERROR) */
	TAG_SIGNAL = 49,       /* u32 (SIGNAL; EXIT: the killing signal or 0) */
	TAG_PID = 50,          /* u32 (STARTED) */
	TAG_STDIN_USED = 53,   /* u64: bytes of stream 0 the command has read from its pipe, in all */
	TAG_PROGRAM = 52,      /* str: the file to run when it is not argv[0] looked up in PATH (interop:
				* the program's Windows path, which the host maps to its own file) */
	TAG_EXEC_DEFAULT_USER = 54, /* str: the user when neither TAG_USER nor the guest's wsl.conf names
				* one (wsl: the distribution's default user, which the host keeps) */
	TAG_EXEC_RAW = 55,     /* u32 1: after STARTED the connection itself is the command's stdin and
				* stdout, no frames and no EXIT (\\wsl$'s file server: one hop less) */
};

#define PROTO_MAX_ARGS 4096
#define PROTO_MAX_ENV 4096
struct proto_exec {
	char **argv;          /* NULL-terminated; argc 0 = login shell */
	size_t argc;
	char **env;           /* NULL-terminated NAME=VALUE */
	size_t nenv;
	char *cwd, *user;
	char *default_user;   /* below wsl.conf's [user] default; NULL: root */
	char *program;        /* NULL: argv[0], looked up in PATH */
	uint32_t tty_mask;
	uint32_t rows, cols;
	uint32_t raw;         /* TAG_EXEC_RAW */
};

struct proto_exit {
	uint32_t status;
	uint32_t signal;
};

int proto_decode_exec(const void *p, size_t n, struct proto_exec *out, const char **why);
int proto_decode_exit(const void *p, size_t n, struct proto_exit *out, const char **why);
void proto_exec_free(struct proto_exec *m);
void proto_encode_exec(struct proto_buf *b, const struct proto_exec *m);
void proto_encode_exit(struct proto_buf *b, const struct proto_exit *m);

#endif
