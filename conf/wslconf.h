/* /etc/wsl.conf: WSL's keys with WSL's defaults, plus guestinit's own [guestinit] section. */
#ifndef GUESTINIT_WSLCONF_H
#define GUESTINIT_WSLCONF_H

#include <stdbool.h>
#include <stddef.h>

#include "log.h"

#define WSLCONF_PATH "/etc/wsl.conf"
#define WSLCONF_MAX_LINE 4096         /* longer lines are ignored with a warning */

enum wslconf_cgroups { WSLCONF_CGROUPS_V1, WSLCONF_CGROUPS_V2 };

struct wsl_conf {
	struct {
		bool enabled;
		char root[256];
		char options[1024];
		bool mount_fstab;
		bool ldconfig;
		enum wslconf_cgroups cgroups;
	} automount;
	struct {
		bool generate_hosts;
		bool generate_resolv_conf;
		char hostname[65];
	} network;
	struct {
		bool enabled;
		bool append_windows_path;
		char allow_group[33]; /* guestinit's: only its members (and root) run host programs; "": all */
	} interop;
	struct {
		char default_user[33];
	} user;
	struct {
		bool systemd;
		char command[WSLCONF_MAX_LINE];
		bool protect_binfmt;
		int init_timeout_ms;
	} boot;
	struct {
		bool use_windows_timezone;
	} time;
	struct {
		unsigned umask;
	} filesystem;
	struct {
		bool enabled;
		bool append_lib_path;
	} gpu;
	struct {
		enum log_level log_level;
		int shutdown_timeout_ms;    /* SIGTERM → SIGKILL grace at shutdown */
		int daemon_stop_timeout_ms; /* per internal daemon at shutdown */
		char log_file[256];
		int log_file_max_kb;
		int log_file_keep;
		char memory_reclaim[16];     /* disabled | gradual | dropcache; "": the host's choice */
		int memory_reclaim_idle_ms;  /* how long the VM must be idle before reclaim */
		int memory_reclaim_floor_mib; /* file cache kept; 0: scaled to RAM */
	} guestinit;
};

/* Receives each warning as one line "FILE:LINE: text" (LINE 0 when not about a line). */
typedef void (*wslconf_warn_fn)(void *ctx, const char *msg);

void wslconf_defaults(struct wsl_conf *conf);

/* Both return the number of warnings; conf always ends up fully set (defaults where the input
 * was missing or wrong). A NULL warn logs through the logger as subsystem "wsl.conf". */
unsigned wslconf_load_file(struct wsl_conf *conf, const char *path, wslconf_warn_fn warn, void *ctx);
unsigned wslconf_load_buffer(struct wsl_conf *conf, const char *name, const char *buf, size_t len,
			     wslconf_warn_fn warn, void *ctx);

#endif
