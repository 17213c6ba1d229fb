/* /etc/wsl.conf loader: a key table over the config lexer (WSL's dialect). Every problem is a
 * warning naming file, line and key, and the default stays in force. */
#include "wslconf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "keyfile.h"
#include "keytable.h"
#include "lexer.h"

_Static_assert(WSLCONF_MAX_LINE == CONF_WSL_MAX_LINE, "boot.command holds a whole line");

static bool is_abspath(const char *v)
{
	return v[0] == '/';
}

static bool is_hostname(const char *v)
{
	size_t n = strlen(v);
	if (n == 0 || n > 64 || v[0] == '-' || v[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '-' && v[i] != '.')
			return false;
	return true;
}

static bool is_username(const char *v)
{
	size_t n = strlen(v);
	if (n == 0 || n > 32 || !(islower((unsigned char)v[0]) || v[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!islower((unsigned char)v[i]) && !isdigit((unsigned char)v[i]) && v[i] != '_' && v[i] != '-' &&
		    !(v[i] == '$' && i == n - 1))
			return false;
	return true;
}

static bool is_reclaim_mode(const char *v)
{
	return !strcmp(v, "disabled") || !strcmp(v, "gradual") || !strcmp(v, "dropcache");
}

/* automount.root: an absolute path; WSL's root is a prefix, so "/mnt" and "/mnt/" mean the same. */
static int parse_mount_root(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			    struct conf_refusal *why)
{
	int r = conf_parse_string(v, k, field, target, why);
	if (r < 0)
		return r;
	const struct conf_string *spec = k->ltype;
	char *root = field;
	size_t n = strlen(root);
	if (root[n - 1] != '/' && n + 1 < spec->size)
		strcpy(root + n, "/");
	return 0;
}

static int parse_cgroups(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			 struct conf_refusal *why)
{
	enum wslconf_cgroups *cg = field;
	snprintf(why->kept, sizeof(why->kept), "%s", *cg == WSLCONF_CGROUPS_V1 ? "v1" : "v2");
	if (strcasecmp(v->text, "v2") == 0) {
		*cg = WSLCONF_CGROUPS_V2;
		return 0;
	}
	if (strcasecmp(v->text, "v1") == 0)
		return gi_error_set(&why->err, ENOTSUP, "v1 is not supported by guestinit (cgroup v2 only)");
	return gi_error_set(&why->err, EINVAL, "expected v1 or v2");
}

static int parse_log_level(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			   struct conf_refusal *why)
{
	enum log_level *level = field;
	if (log_level_parse(v->text, level) == 0)
		return 0;
	static const char *const names[] = { [LOG_LVL_ERR] = "err", [LOG_LVL_WARN] = "warn",
					     [LOG_LVL_INFO] = "info", [LOG_LVL_DEBUG] = "debug" };
	const char *now = (unsigned)*level < ARRAY_SIZE(names) ? names[*level] : NULL;
	snprintf(why->kept, sizeof(why->kept), "%s", now ? now : "?");
	return gi_error_set(&why->err, EINVAL, "expected err, warn, info or debug");
}

#define OFF(field) offsetof(struct wsl_conf, field)
#define SIZE(field) sizeof(((struct wsl_conf *)0)->field)
#define BOOL(sec, key, field) { sec, key, conf_parse_bool_wsl, NULL, OFF(field) }
#define STRING(sec, key, field, valid, what) \
	{ sec, key, conf_parse_string, &(const struct conf_string){ SIZE(field), valid, what }, OFF(field) }
#define INT(sec, key, field, min, max, what) \
	{ sec, key, conf_parse_int, &(const struct conf_range){ min, max, 0, what }, OFF(field) }
#define MS(sec, key, field, min, max) INT(sec, key, field, min, max, "expected milliseconds")
#define NUMBER(sec, key, field, min, max) INT(sec, key, field, min, max, "expected a whole number")

static const struct conf_key keys[] = {
	BOOL("automount", "enabled", automount.enabled),
	{ "automount", "root", parse_mount_root,
	  &(const struct conf_string){ SIZE(automount.root), is_abspath, "an absolute path" }, OFF(automount.root) },
	STRING("automount", "options", automount.options, NULL, NULL),
	BOOL("automount", "mountFsTab", automount.mount_fstab),
	BOOL("automount", "ldconfig", automount.ldconfig),
	{ "automount", "cgroups", parse_cgroups, NULL, OFF(automount.cgroups) },
	BOOL("network", "generateHosts", network.generate_hosts),
	BOOL("network", "generateResolvConf", network.generate_resolv_conf),
	STRING("network", "hostname", network.hostname, is_hostname,
	       "a host name of letters, digits, '-' and '.', at most 64 characters"),
	BOOL("interop", "enabled", interop.enabled),
	BOOL("interop", "appendWindowsPath", interop.append_windows_path),
	STRING("interop", "allowGroup", interop.allow_group, is_username, "a group name such as 'interop'"),
	STRING("user", "default", user.default_user, is_username, "a user name such as 'alice'"),
	BOOL("boot", "systemd", boot.systemd),
	STRING("boot", "command", boot.command, NULL, NULL),
	BOOL("boot", "protectBinfmt", boot.protect_binfmt),
	MS("boot", "initTimeout", boot.init_timeout_ms, 0, 3600000),
	BOOL("time", "useWindowsTimezone", time.use_windows_timezone),
	{ "filesystem", "umask", conf_parse_mode,
	  &(const struct conf_range){ 0, 0777, 8, "expected an octal mask such as 022" }, OFF(filesystem.umask) },
	BOOL("gpu", "enabled", gpu.enabled),
	BOOL("gpu", "appendLibPath", gpu.append_lib_path),
	{ "guestinit", "logLevel", parse_log_level, NULL, OFF(guestinit.log_level) },
	MS("guestinit", "shutdownTimeout", guestinit.shutdown_timeout_ms, 0, 600000),
	MS("guestinit", "daemonStopTimeout", guestinit.daemon_stop_timeout_ms, 0, 600000),
	STRING("guestinit", "logFile", guestinit.log_file, is_abspath, "an absolute path"),
	NUMBER("guestinit", "logFileMaxKiB", guestinit.log_file_max_kb, 16, 1024 * 1024),
	NUMBER("guestinit", "logFileKeep", guestinit.log_file_keep, 0, 100),
	STRING("guestinit", "memoryReclaim", guestinit.memory_reclaim, is_reclaim_mode,
	       "disabled, gradual or dropcache"),
	MS("guestinit", "memoryReclaimIdle", guestinit.memory_reclaim_idle_ms, 1000, 86400000),
	NUMBER("guestinit", "memoryReclaimFloorMiB", guestinit.memory_reclaim_floor_mib, 0, 1 << 20),
};

void wslconf_defaults(struct wsl_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->automount.enabled = true;
	strcpy(c->automount.root, "/mnt/");
	c->automount.mount_fstab = true;
	c->automount.ldconfig = true;
	c->automount.cgroups = WSLCONF_CGROUPS_V2;
	c->network.generate_hosts = true;
	c->network.generate_resolv_conf = true;
	c->interop.enabled = true;
	c->interop.append_windows_path = true;
	c->boot.protect_binfmt = true;
	c->boot.init_timeout_ms = 10000;
	c->time.use_windows_timezone = true;
	c->filesystem.umask = 022;
	c->gpu.enabled = true;
	c->gpu.append_lib_path = true;
	c->guestinit.log_level = LOG_LVL_INFO;
	c->guestinit.shutdown_timeout_ms = 5000;
	c->guestinit.daemon_stop_timeout_ms = 5000;
	strcpy(c->guestinit.log_file, "/var/log/guestinit.log");
	c->guestinit.log_file_max_kb = 1024;
	c->guestinit.log_file_keep = 3;
	c->guestinit.memory_reclaim_idle_ms = 10000;
}

static const struct conf_keyfile wsl_conf_file = {
	.keys = keys, .nkeys = ARRAY_SIZE(keys), .dialect = &conf_dialect_wsl, .ident = "wsl.conf",
};

unsigned wslconf_load_buffer(struct wsl_conf *conf, const char *name, const char *buf, size_t len,
			     wslconf_warn_fn warn, void *ctx)
{
	wslconf_defaults(conf);
	return conf_keyfile_buffer(&wsl_conf_file, conf, name, buf, len, warn, ctx);
}

unsigned wslconf_load_file(struct wsl_conf *conf, const char *path, wslconf_warn_fn warn, void *ctx)
{
	wslconf_defaults(conf);
	return conf_keyfile_load(&wsl_conf_file, conf, path, warn, ctx);
}
