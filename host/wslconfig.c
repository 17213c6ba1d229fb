/* ~/.wslconfig (see wslconfig.h): the key table and the value types WSL gives its keys. */
#include "wslconfig.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cleanup.h"
#include "guesthost.h"
#include "keyfile.h"
#include "keytable.h"

#define MIN_MEMORY_MB 256

void wslconfig_defaults(struct wslconfig *c)
{
	*c = (struct wslconfig){ .swap_mb = -1, .page_reporting = -1, .localhost_forwarding = -1, .networking_mode = -1,
				 .vm_idle_timeout_ms = LLONG_MIN };
}

/* WSL's sizes: a number (a fraction allowed) and B, KB, MB, GB or TB (K, M, G, T alone too;
 * any case); a bare number is bytes. Into MiB, rounded down. */
static int parse_size_mb(const char *s, uint64_t *mb)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || v < 0 || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	while (*end == ' ')
		end++;
	static const struct {
		const char *unit;
		double mib;
	} units[] = { { "", 1.0 / 1048576 }, { "B", 1.0 / 1048576 }, { "K", 1.0 / 1024 }, { "KB", 1.0 / 1024 },
		      { "M", 1 }, { "MB", 1 }, { "G", 1024 }, { "GB", 1024 }, { "T", 1048576 }, { "TB", 1048576 } };
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (!strcasecmp(end, units[i].unit)) {
			double m = v * units[i].mib;
			if (m > (double)(1u << 30))
				return -ERANGE;
			*mb = (uint64_t)m;
			return 0;
		}
	return -EINVAL;
}

static int refuse(struct conf_refusal *why, const char *kept, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(struct conf_refusal *why, const char *kept, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char msg[256];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(why->kept, sizeof(why->kept), "%s", kept);
	return gi_error_set(&why->err, EINVAL, "%s", msg);
}

static int parse_memory(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			struct conf_refusal *why)
{
	(void)k, (void)target;
	uint64_t mb;
	if (parse_size_mb(v->text, &mb) < 0 || mb < MIN_MEMORY_MB || mb > (1u << 20))
		return refuse(why, "start's default", "expected a size from %dMB to 1TB, such as 8GB or 512MB", MIN_MEMORY_MB);
	*(unsigned *)field = (unsigned)mb;
	return 0;
}

static int parse_swap(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
		      struct conf_refusal *why)
{
	(void)k, (void)target;
	uint64_t mb;
	if (parse_size_mb(v->text, &mb) < 0 || mb > (1u << 20) || (mb > 0 && mb < 40))
		return refuse(why, "no swap", "expected 0 (none) or a size from 40MB, such as 4GB");
	*(int64_t *)field = (int64_t)mb;
	return 0;
}

static int parse_processors(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			    struct conf_refusal *why)
{
	(void)k, (void)target;
	long host = sysconf(_SC_NPROCESSORS_ONLN);
	char *end;
	errno = 0;
	long n = strtol(v->text, &end, 10);
	if (host < 1)
		host = 1;
	if (end == v->text || *end || errno || n < 1 || n > host || !isdigit((unsigned char)v->text[0]))
		return refuse(why, "start's default", "expected a count from 1 to %ld, the host's processors", host);
	*(unsigned *)field = (unsigned)n;
	return 0;
}

static int parse_tristate(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			  struct conf_refusal *why)
{
	(void)k, (void)target;
	bool b;
	if (conf_bool_wsl(v->text, &b) < 0)
		return refuse(why, "the default", "expected true or false");
	*(int *)field = b;
	return 0;
}

static int parse_networking(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			    struct conf_refusal *why)
{
	(void)k, (void)target;
	if (!strcasecmp(v->text, "nat"))
		*(int *)field = 0;
	else if (!strcasecmp(v->text, "mirrored"))
		*(int *)field = 1;
	else if (!strcasecmp(v->text, "none") || !strcasecmp(v->text, "bridged") || !strcasecmp(v->text, "virtioproxy"))
		return refuse(why, "nat", "%s is not a mode of this host; the modes are nat and mirrored", v->text);
	else
		return refuse(why, "nat", "expected nat or mirrored");
	return 0;
}

static int parse_reclaim(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			 struct conf_refusal *why)
{
	(void)k, (void)target;
	static const char *const modes[] = { "disabled", "gradual", "dropcache" };
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
		if (!strcasecmp(v->text, modes[i])) {
			strcpy(field, modes[i]); /* WSL writes dropCache; the guest takes lower case */
			return 0;
		}
	return refuse(why, "the guest's default", "expected disabled, gradual or dropcache");
}

static int parse_idle(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
		      struct conf_refusal *why)
{
	(void)k, (void)target;
	char *end;
	errno = 0;
	long long ms = strtoll(v->text, &end, 10);
	if (end == v->text || *end || errno || ms > 86400000LL * 365)
		return refuse(why, "60000", "expected milliseconds (0 or less: never)");
	*(long long *)field = ms;
	return 0;
}

static bool is_abspath(const char *s)
{
	return s[0] == '/';
}

static int parse_file(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
		      struct conf_refusal *why)
{
	if (v->text[0] && access(v->text, R_OK) < 0)
		return refuse(why, "the default", "%s: %s", v->text, strerror(errno));
	return conf_parse_string(v, k, field, target, why);
}

#define OFF(f) offsetof(struct wslconfig, f)
#define SIZE(f) sizeof(((struct wslconfig *)0)->f)
static const struct conf_key keys[] = {
	{ "wsl2", "processors", parse_processors, NULL, OFF(processors) },
	{ "wsl2", "memory", parse_memory, NULL, OFF(memory_mb) },
	{ "wsl2", "swap", parse_swap, NULL, OFF(swap_mb) },
	{ "wsl2", "swapFile", conf_parse_string,
	  &(const struct conf_string){ SIZE(swap_file), is_abspath, "an absolute path" }, OFF(swap_file) },
	{ "wsl2", "pageReporting", parse_tristate, NULL, OFF(page_reporting) },
	{ "wsl2", "localhostForwarding", parse_tristate, NULL, OFF(localhost_forwarding) },
	{ "wsl2", "networkingMode", parse_networking, NULL, OFF(networking_mode) },
	{ "wsl2", "kernel", parse_file, &(const struct conf_string){ SIZE(kernel), is_abspath, "an absolute path" },
	  OFF(kernel) },
	{ "wsl2", "kernelCommandLine", conf_parse_string,
	  &(const struct conf_string){ SIZE(kernel_command_line), NULL, NULL }, OFF(kernel_command_line) },
	{ "wsl2", "vmIdleTimeout", parse_idle, NULL, OFF(vm_idle_timeout_ms) },
	{ "experimental", "autoMemoryReclaim", parse_reclaim, NULL, OFF(auto_memory_reclaim) },
};

static void warn(void *ctx, const char *msg)
{
	(void)ctx;
	gh_say(".wslconfig: %s", msg);
}

unsigned wslconfig_load(struct wslconfig *c, const char *path)
{
	static const struct conf_keyfile file = {
		.keys = keys, .nkeys = ARRAY_SIZE(keys), .dialect = &conf_dialect_wsl, .ident = ".wslconfig",
		.missing_ok = true,
	};
	return conf_keyfile_load(&file, c, path, warn, NULL);
}

void wslconfig_default_path(char *out, size_t cap)
{
	const char *home = getenv("HOME");
	if (!home || !*home) {
		const struct passwd *pw = getpwuid(getuid());
		home = pw && pw->pw_dir ? pw->pw_dir : "/";
	}
	snprintf(out, cap, "%s/.wslconfig", home);
}

void wslconfig_apply(const struct wslconfig *c, struct vm_opts *vm)
{
	if (c->processors)
		vm->cpus = c->processors;
	if (c->memory_mb)
		vm->mem_mb = c->memory_mb;
	if (c->swap_mb >= 0)
		vm->swap_mb = (unsigned)c->swap_mb;
	if (c->swap_file[0])
		vm->swap_file = c->swap_file;
	if (c->page_reporting >= 0)
		vm->page_reporting_off = !c->page_reporting;
	if (c->localhost_forwarding >= 0)
		vm->localhost_forwarding_off = !c->localhost_forwarding;
	if (c->networking_mode >= 0)
		vm->mirrored = c->networking_mode == 1;
	if (c->kernel[0])
		vm->kernel = c->kernel;
	if (c->kernel_command_line[0])
		vm->kernel_cmdline = c->kernel_command_line;
	if (c->auto_memory_reclaim[0])
		vm->reclaim = c->auto_memory_reclaim;
	if (c->vm_idle_timeout_ms != LLONG_MIN)
		vm->idle_timeout_ms = c->vm_idle_timeout_ms > 0 ? (unsigned)c->vm_idle_timeout_ms : 0;
}
