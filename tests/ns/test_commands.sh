#!/bin/bash
# Commands that ask PID 1: who may, delayed shutdown and cancel, bad usage, distro names.
SUITE=commands
. "$(dirname "$0")/lib.sh"

ns_root cmds
ns_start cmds
out=$(ns_exec setpriv --reuid=1000 --regid=1000 --clear-groups reboot 2>&1); rc=$?
check "non-root reboot is refused with status 4 (rc $rc)" test "$rc" -eq 4
check "... saying why" grep -q "permission denied" <<<"$out"
check "... and nothing happens" ns_says 'state: running' /init guestinit status
out=$(ns_exec shutdown -r +5 2>&1)
check "shutdown +5 is scheduled" grep -q "reboot scheduled in 300 s" <<<"$out"
check "status shows it pending" ns_says 'pending: reboot' /init guestinit status
check "shutdown -c cancels it" ns_exec shutdown -c
check "... and cancelling twice says nothing is pending" says_with 1 "no shutdown is pending" shutdown -c
check "unknown option: clear message, status 1" says_with 1 "unknown option '--bogus'" reboot --bogus
check "bad shutdown time: names it" says_with 1 "cannot read time 'soonish'" shutdown soonish
check "the distro's systemctl reaches our supervisor: an unknown unit is 'not found', status 5" \
  says_with 5 "Unit nginx.service not found" systemctl start nginx
check "... and a verb we lack gets one line saying what works here" says_with 1 "systemd is not PID 1" systemctl isolate x
check "the distro's /usr/sbin/reboot (a systemctl link) reaches guestinit" ns_says 'guestinit' /usr/sbin/reboot --help
for name in guestinit wslpath reboot poweroff halt shutdown runlevel telinit service systemctl; do
  check "$name is there by its documented name" ns_says "^/" sh -c "command -v $name"
done
check "guestinit status, by that name, answers" ns_says 'state: running' guestinit status
check "a user finds wslpath in a user's PATH (everyone's commands are in /usr/local/bin)" \
  ns_says '^foo/bar$' setpriv --reuid=1000 --regid=1000 --clear-groups env PATH=/usr/local/bin:/usr/bin:/bin wslpath 'foo\bar'
check "wslpath with no drive mounted: a relative path keeps its form" ns_says '^foo/bar$' wslpath 'foo\bar'
check "... and a drive that is not mounted is an error naming it (status 1)" \
  says_with 1 "wslpath: Q:\x: No such file or directory" wslpath 'Q:\x' 
check "nothing on the machine's disk changed" sh -c "! cmp -s /usr/bin/systemctl $INIT"
check "the machine's own commands are untouched" sh -c "! /usr/sbin/runlevel 2>&1 | grep -q 'N 2'"
finish
