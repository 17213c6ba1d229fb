/* After dpkg: what a unit-only package's maintainer scripts would have done under systemd.
 * Their debhelper snippets start, restart and stop a service only when /run/systemd/system
 * exists, so without systemd `apt install rsyslog` would leave it stopped. dpkg runs
 * `service --dpkg-hook pre` before and `... post` after each run (/etc/dpkg/dpkg.cfg.d/
 * guestinit-services, written at boot); post starts the units enabled during the run, restarts
 * running ones whose unit file was replaced, and stops running ones whose unit is gone.
 * Services with an init script are left to invoke-rc.d, which already works. policy-rc.d is
 * honoured as deb-systemd-invoke honours it. */
#ifndef GUESTINIT_SERVICES_DPKG_HOOK_H
#define GUESTINIT_SERVICES_DPKG_HOOK_H

#define SVC_DPKG_STAMP "/run/guestinit/dpkg.stamp"

/* phase: "pre" or "post". Returns an exit status; failures of single services are reported
 * on stderr and do not fail dpkg. */
int svc_dpkg_hook(const char *phase);

#endif
