/* The VM's options (see vmopts.h). */
#include "vmopts.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drive_msg.h"
#include "parse.h"
#include "view.h"

int vm_opt_drive(const char *opt, const char *spec, bool virtio, struct agent_drive *drives, size_t *n,
		 struct gi_error *err)
{
	struct p9_export ex;
	if (p9_export_parse(spec, &ex, err) < 0)
		return gi_error_wrap(err, "%s", opt);
	for (size_t k = 0; k < *n; k++)
		if (drives[k].letter == ex.letter) {
			free((char *)ex.dir);
			return gi_error_set(err, EINVAL, "%s %s: drive %c is given twice", opt, spec, ex.letter - 0x20);
		}
	struct agent_drive *d = &drives[(*n)++]; /* 26 distinct letters at most */
	d->letter = ex.letter;
	d->virtio = virtio;
	snprintf(d->dir, sizeof(d->dir), "%s", ex.dir); /* realpath's result fits PATH_MAX */
	free((char *)ex.dir);
	return 0;
}

int vm_opt_reclaim(const char *mode, const char **out, struct gi_error *err)
{
	if (strcmp(mode, "disabled") && strcmp(mode, "gradual") && strcmp(mode, "dropcache"))
		return gi_error_set(err, EINVAL, "--memory-reclaim %s: expected disabled, gradual or dropcache", mode);
	*out = mode;
	return 0;
}

static int number(const char *opt, const char *value, uint64_t min, uint64_t max, const char *what, unsigned *out,
		  struct gi_error *err)
{
	uint64_t v;
	if (parse_uint(value, 10, max, &v) < 0 || v < min)
		return gi_error_set(err, EINVAL, "%s %s: %s", opt, value, what);
	*out = (unsigned)v;
	return 0;
}

int vm_opt_localhost_forwarding(const char *value, bool *off, struct gi_error *err)
{
	if (strcmp(value, "true") && strcmp(value, "false"))
		return gi_error_set(err, EINVAL, "--localhost-forwarding %s: expected true or false", value);
	*off = !strcmp(value, "false");
	return 0;
}

int vm_opt_seconds(const char *opt, const char *value, unsigned *out, struct gi_error *err)
{
	return number(opt, value, 1, 86400, "seconds, from 1 to 86400", out, err);
}

int vm_opt_image(const char *name, const char **out, struct gi_error *err)
{
	if (strcmp(name, "default") && strcmp(name, "systemd"))
		return gi_error_set(err, EINVAL, "--image %s: the images are default and systemd", name);
	*out = name;
	return 0;
}

int vm_opts_parse(int argc, char **argv, struct vm_opts *vm, struct gi_error *err)
{
	int r = 0;
	for (int i = 1; r == 0 && i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if ((!strcmp(a, "--drive") || !strcmp(a, "--drive-virtio")) && v)
			r = vm_opt_drive(a, v, a[7] == '-', vm->drives, &vm->ndrives, err);
		else if (!strcmp(a, "--mem") && v)
			r = number(a, v, 256, 1u << 20, "a size in MB from 256 up", &vm->mem_mb, err);
		else if (!strcmp(a, "--cpus") && v)
			r = number(a, v, 1, 64, "a count from 1 to 64", &vm->cpus, err);
		else if (!strcmp(a, "--drive-ports") && v)
			r = number(a, v, 0, DRIVE_PORTS_MAX, "a count from 0 to 30", &vm->drive_ports, err);
		else if (!strcmp(a, "--memory-reclaim") && v)
			r = vm_opt_reclaim(v, &vm->reclaim, err);
		else if (!strcmp(a, "--boot-timeout") && v)
			r = vm_opt_seconds(a, v, &vm->boot_timeout_s, err);
		else if (!strcmp(a, "--wine") && v)
			vm->wine_prefix = v;
		else if (!strcmp(a, "--windows-path") && v)
			vm->windows_path = v;
		else if (!strcmp(a, "--localhost-forwarding") && v)
			r = vm_opt_localhost_forwarding(v, &vm->localhost_forwarding_off, err);
		else if (!strcmp(a, "--networking-mode") && v)
			r = netmode_parse(v, &vm->mirrored, err);
		else if (!strcmp(a, "--alias") && v) {
			/* checked as the agent will check it, so that a bad one stops the start */
			static struct agent_interop scratch;
			r = agent_interop_add_alias(&scratch, v, err);
			if (r == 0 && vm->naliases == AGENT_MAX_ALIASES)
				r = gi_error_set(err, ENOSPC, "--alias %s: at most %d aliases", v, AGENT_MAX_ALIASES);
			if (r == 0)
				vm->aliases[vm->naliases++] = v;
		} else
			return gi_error_set(err, EINVAL,
					    "start: unknown option '%s' (--image default|systemd, --drive LETTER=DIR, --drive-virtio LETTER=DIR, --mem MB, "
					    "--cpus N, --drive-ports N, --memory-reclaim disabled|gradual|dropcache, --boot-timeout S, --wine PREFIX, "
					    "--windows-path LIST, --alias NAME=COMMAND, --localhost-forwarding true|false, "
					    "--networking-mode nat|mirrored)", a);
		i++; /* each option has a value */
	}
	return r;
}
