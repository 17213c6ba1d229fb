/* `wsl`, WSL's command line (man 1 wsl): guesthost run under the name wsl. wsl.c reads the
 * flags and runs sessions and the small verbs; wsl_disk.c makes and unmakes distributions
 * (--import, --export, --unregister). Every verb returns the exit status and has printed its
 * own message, WSL's where WSL has one. */
#ifndef GUESTINIT_HOST_WSL_H
#define GUESTINIT_HOST_WSL_H

#include "distro.h"
#include "guesthost.h"

int wsl_main(struct gh *root, int argc, char **argv);

/* The verbs of wsl_disk.c: argv holds what follows the flag. */
int wsl_import(const struct gh *root, int argc, char **argv);
int wsl_export(const struct gh *root, int argc, char **argv);
int wsl_unregister(const struct gh *root, int argc, char **argv);

/* A flag we cannot honour: one line naming it and why, status 1. */
int wsl_refuse(const char *flag, const char *why);
/* WSL's "Argument FLAG is missing a required parameter." (on stdout, as WSL prints it) and
 * "Invalid command line argument: ARG" with its hint (stderr); both return status 1. */
int wsl_missing(const char *flag);
int wsl_invalid(const char *arg);
/* A message on stderr, a line of its own. */
void wsl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* d's VM stopped (an orderly poweroff), if it runs. */
int wsl_stop(struct distro *d, struct gi_error *err);
/* d's VM started (quietly), if it does not run. */
int wsl_ensure_running(struct distro *d, struct gi_error *err);

#endif
