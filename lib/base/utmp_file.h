/* utmp and wtmp records in glibc's on-disk layout, written by hand: musl's utmp functions are
 * no-ops, and the static /init must still produce what the distro's glibc tools (who, w,
 * last, runlevel, invoke-rc.d) read. PID 1 writes the boot and runlevel records; a session
 * with a terminal writes its login and its end. */
#ifndef GUESTINIT_BASE_UTMP_FILE_H
#define GUESTINIT_BASE_UTMP_FILE_H

#include <stdint.h>
#include <sys/types.h>

#define UTMP_PATH "/run/utmp"
#define WTMP_PATH "/var/log/wtmp"

/* glibc's struct utmp on 64-bit Linux: 384 bytes, 32-bit time fields. */
struct utmp_record {
	int16_t type;
	int16_t pad;
	int32_t pid;
	char line[32];
	char id[4];
	char user[32];
	char host[256];
	int16_t exit_termination, exit_exit;
	int32_t session;
	int32_t tv_sec, tv_usec;
	int32_t addr_v6[4];
	char reserved[20];
};
_Static_assert(sizeof(struct utmp_record) == 384, "glibc utmp layout");

enum { UT_RUN_LVL = 1, UT_BOOT_TIME = 2, UT_USER_PROCESS = 7, UT_DEAD_PROCESS = 8 };

/* A record of type for pid, stamped now; the strings are cut to their fields (utmp strings
 * are NUL-padded, not necessarily terminated). */
void utmp_fill(struct utmp_record *r, int16_t type, int32_t pid, const char *line, const char *id, const char *user,
	       const char *host);
/* Appends n records to path (create: a new file, root:utmp 0664, as Debian has it). 0 or -errno. */
int utmp_append(const char *path, const struct utmp_record *recs, size_t n, int create);

/* A login on a terminal: USER_PROCESS for pid on tty ("/dev/pts/3"), in utmp (replacing the
 * record of the same line, as login(1) does) and appended to wtmp if it exists. 0 or -errno. */
int utmp_login(const char *utmp_path, const char *wtmp_path, pid_t pid, const char *tty, const char *user,
	       const char *host);
/* Its end: the record becomes DEAD_PROCESS (who and w stop listing it), and wtmp gets the
 * logout that last(1) pairs with the login. 0 or -errno. */
int utmp_logout(const char *utmp_path, const char *wtmp_path, pid_t pid, const char *tty);

#endif
