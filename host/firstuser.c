/* The distribution's default user (see firstuser.h): made in the guest on its first start, as
 * WSL's first launch makes one, and kept on the host in the distribution's state folder. */
#include "firstuser.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "session_msg.h"
#include "state.h"

#define USER_FILE "default-user"

/* Made as root in the guest, $1 the name: the account (uid 1000 when free, the distribution's
 * tools: useradd, else busybox's or Alpine's adduser), the sudo group, sudo itself when the
 * distribution lacks it and has apt or apk, and a sudoers drop-in without a password (the
 * account has none: it is made without a prompt, and a locked password could never be typed).
 * Every step says why it failed, on stderr, and the status is not 0. */
static const char script[] =
	"n=$1\n"
	"shell=/bin/sh; [ -x /bin/bash ] && shell=/bin/bash\n"
	"uid=; getent passwd 1000 >/dev/null 2>&1 || uid=1000\n"
	"if ! id -u \"$n\" >/dev/null 2>&1; then\n"
	"  if command -v useradd >/dev/null 2>&1; then\n"
	"    useradd -m -s \"$shell\" ${uid:+-u $uid} -c \"$n\" \"$n\" || { echo \"useradd $n failed\" >&2; exit 1; }\n"
	"  elif command -v adduser >/dev/null 2>&1 || busybox --list 2>/dev/null | grep -qx adduser; then\n"
	"    [ -e /etc/passwd ] || echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd\n"
	"    [ -e /etc/group ] || echo 'root:x:0:' > /etc/group\n"
	"    a=adduser; command -v adduser >/dev/null 2>&1 || a='busybox adduser'\n"
	"    $a -D -s \"$shell\" ${uid:+-u $uid} \"$n\" || { echo \"adduser $n failed\" >&2; exit 1; }\n"
	"  else\n"
	"    echo \"the distribution has no useradd or adduser\" >&2; exit 1\n"
	"  fi\n"
	"fi\n"
	"if ! command -v sudo >/dev/null 2>&1; then\n"
	"  if command -v apt-get >/dev/null 2>&1; then\n"
	"    { apt-get install -y -q sudo || { apt-get update -q && apt-get install -y -q sudo; }; } >/dev/null 2>&1\n"
	"  elif command -v apk >/dev/null 2>&1; then\n"
	"    apk add -q sudo >/dev/null 2>&1\n"
	"  fi\n"
	"  command -v sudo >/dev/null 2>&1 || echo \"note: the distribution has no sudo and it could not be installed\" >&2\n"
	"fi\n"
	"if command -v groupadd >/dev/null 2>&1; then\n"
	"  getent group sudo >/dev/null 2>&1 || groupadd -r sudo\n"
	"  usermod -a -G sudo \"$n\" || { echo \"usermod -a -G sudo $n failed\" >&2; exit 1; }\n"
	"elif command -v addgroup >/dev/null 2>&1 || busybox --list 2>/dev/null | grep -qx addgroup; then\n"
	"  g=addgroup; command -v addgroup >/dev/null 2>&1 || g='busybox addgroup'\n"
	"  grep -q '^sudo:' /etc/group || $g -S sudo\n"
	"  $g \"$n\" sudo || { echo \"addgroup $n sudo failed\" >&2; exit 1; }\n"
	"fi\n"
	"mkdir -p /etc/sudoers.d && umask 0226 &&\n"
	"  echo \"$n ALL=(ALL:ALL) NOPASSWD: ALL\" > \"/etc/sudoers.d/90-guestinit-$n\" ||\n"
	"  { echo \"cannot write /etc/sudoers.d/90-guestinit-$n\" >&2; exit 1; }\n";

int user_name_check(const char *name, struct gi_error *err)
{
	size_t n = strlen(name);
	if (n == 0 || n > 32)
		return gi_error_set(err, EINVAL, "'%s': a user name has 1 to 32 characters", name);
	/* Debian's adduser NAME_REGEX: a lower-case letter or '_', then those, digits and '-' */
	if (!((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_'))
		return gi_error_set(err, EINVAL, "'%s': a user name begins with a lower-case letter or '_'", name);
	for (size_t i = 1; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return gi_error_set(err, EINVAL, "'%s': a user name holds only lower-case letters, digits, '_' and '-'",
					    name);
	}
	return 0;
}

bool firstuser_get(const struct gh *g, char *out, size_t cap)
{
	return state_read_line(g, USER_FILE, out, cap) && out[0];
}

/* The host user's name, when it is one a distribution takes, else "user" (root's sessions
 * have root already). */
static void host_user(char *out, size_t cap)
{
	const struct passwd *pw = getpwuid(getuid());
	struct gi_error ignored = GI_ERROR_INIT;
	if (pw && getuid() != 0 && user_name_check(pw->pw_name, &ignored) == 0)
		snprintf(out, cap, "%s", pw->pw_name);
	else
		snprintf(out, cap, "user");
}

/* Runs the script as root in the guest; its stdout and stdin are /dev/null, its stderr ours. */
static int run_script(struct gh *g, const char *name)
{
	char *argv[] = { "/bin/sh", "-c", (char *)script, "guestinit-firstuser", (char *)name, NULL };
	char *env[PROTO_MAX_ENV + 2] = { NULL };
	struct proto_exec spec = { .argv = argv, .argc = 5, .env = env, .user = "root" };
	_cleanup_close_ int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	struct gi_error err = GI_ERROR_INIT;
	int r = null < 0 ? gi_error_errno(&err, errno, "/dev/null") : gh_exec_with(g, &spec, null, null, &err);
	if (r < 0)
		gh_say("the default user: %s", err.msg);
	return r;
}

int firstuser_setup(struct gh *g, const char *wanted, struct gi_error *err)
{
	char have[64], name[64];
	bool recorded = firstuser_get(g, have, sizeof(have));
	if (recorded && (!wanted || !strcmp(wanted, have)))
		return 0;
	if (wanted)
		snprintf(name, sizeof(name), "%s", wanted);
	else
		host_user(name, sizeof(name));
	int st = run_script(g, name);
	char text[72];
	if (st != 0) { /* the sessions stay root's, and the next start does not try again */
		gh_say("could not make the default user %s (status %d, see above); sessions run as root", name, st);
		snprintf(text, sizeof(text), "root\n");
	} else {
		snprintf(text, sizeof(text), "%s\n", name);
	}
	return state_write(g, USER_FILE, text, 0644, err);
}

int firstuser_set(struct gh *g, const char *name, struct gi_error *err)
{
	char text[72];
	snprintf(text, sizeof(text), "%s\n", name);
	return state_write(g, USER_FILE, text, 0644, err);
}
