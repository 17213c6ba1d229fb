/* WSLENV: which variables cross between the guest and the host, and how, as WSL does it
 * (src/linux/init/util.cpp UtilParseWslEnv; ../shared/research/wsl-phase2-facts.md §2).
 *
 *   WSLENV=NAME[/flags]:NAME[/flags]...
 *   /p, /l  the value is a path list, translated (the two flags are the same)
 *   /u      only when the host starts a guest session
 *   /w      only when the guest starts a host program
 * Flags combine in any order; an entry with any other flag is dropped (room for later flags);
 * names are case-sensitive; empty entries are skipped. */
#ifndef GUESTINIT_INTEROP_WSLENV_H
#define GUESTINIT_INTEROP_WSLENV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "winpath.h"

enum wslenv_direction {
	WSLENV_TO_HOST,  /* the guest starts a host program: /w entries pass, /u ones do not */
	WSLENV_TO_GUEST, /* the host starts a guest session: /u entries pass, /w ones do not */
};

/* The variables' values on the side they come from: NULL when unset. */
typedef const char *(*wslenv_lookup_fn)(void *ctx, const char *name);
/* A warning for the user (a path that does not translate), one line. */
typedef void (*wslenv_warn_fn)(void *ctx, const char *msg);

struct wslenv_result {
	char **vars; /* NAME=VALUE, NULL-terminated, malloc'd; the first is WSLENV itself, as given */
	size_t n;
};

/* What the far side gets. A variable that is unset and has no path flag goes as NAME= (on a
 * Windows host, empty erases it); unset with a path flag, or a path list none of whose
 * elements translates, is left out. Path lists: Windows ';' lists become ':' lists of guest
 * paths (a relative element is dropped silently, one that does not translate with a
 * warning), guest ':' lists become ';' lists of Windows paths (relative elements stay
 * relative). 0 or -ENOMEM. */
int wslenv_build(const char *wslenv, enum wslenv_direction dir, const struct winpath_table *t, wslenv_lookup_fn lookup,
		 wslenv_warn_fn warn, void *ctx, struct wslenv_result *out);
void wslenv_result_free(struct wslenv_result *r);

/* The index of the entry NAME=... of env (n entries; the last, which is the one that holds),
 * or -1. */
ssize_t wslenv_find(char *const *env, size_t n, const char *name);

/* One entry of WSLENV that crosses in a direction. */
struct wslenv_entry {
	char name[128]; /* a longer name is no entry */
	bool path;      /* /p or /l */
};
/* The entries of wslenv (NULL: none) that cross in direction dir, in order: how many were
 * put in out (at most cap). */
size_t wslenv_entries(const char *wslenv, enum wslenv_direction dir, struct wslenv_entry *out, size_t cap);
/* A path list translated element by element, as wslenv_build does: WSLENV_TO_GUEST, a ';' list
 * of Windows paths becomes a ':' list of Linux ones; WSLENV_TO_HOST, the other way (the guest's
 * paths, or on a Linux host its own through its drive table). malloc'd; NULL when no element
 * translates (or out of memory). */
char *wslenv_translate_list(const char *value, enum wslenv_direction dir, const struct winpath_table *t,
			    wslenv_warn_fn warn, void *ctx);

#endif
