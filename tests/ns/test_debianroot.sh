#!/bin/bash
# Services on a real Debian root: the VM's debootstrap'd bookworm (nginx-light, cron,
# openssh-server, enabled as Debian enables them), under an overlay so that it stays clean,
# with our init as PID 1 of fresh namespaces. The Debian root has its own /usr, so the init
# must be the static one; a dynamic (ASan) build says so and runs nothing here.
SUITE=debianroot
. "$(dirname "$0")/lib.sh"

case "$(file -b "$INIT")" in
  *"statically linked"*) ;;
  *) echo "debianroot: skipped for $INIT: the Debian root has its own /usr (the static init runs this suite)"
     finish; exit 0 ;;
esac
cache=${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/guestinit
out=$("$TOP/host/mkimage" "$cache" "$WORK/state" "$INIT" 2>"$WORK/mkimage.err") ||
  { cat "$WORK/mkimage.err"; fail "host/mkimage could not make the Debian root"; finish; exit 1; }
lower=$(sed -n 's/^ROOTFS=//p' <<<"$out")
ROOT=$WORK/merged
mkdir -p "$WORK/upper" "$WORK/ovl" "$ROOT"
mount -t overlay overlay -o "lowerdir=$lower,upperdir=$WORK/upper,workdir=$WORK/ovl" "$ROOT" ||
  { fail "overlay mount of the Debian root"; finish; exit 1; }
cleanup_root() {
  for p in $NS_PIDS; do kill -KILL "$p" 2>/dev/null; done
  for p in $NS_PIDS; do wait "$p" 2>/dev/null; done
  umount -l "$ROOT" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup_root EXIT
"$TOP/scripts/install-into" "$ROOT" "$INIT"
BINDS=
ns_start debian
curl_page() { ns_exec curl -s --max-time 5 http://127.0.0.1/ | grep -q "Welcome to nginx"; }
port_open() { ns_exec bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
rc_of() { "$@" >/dev/null 2>&1; echo $?; }

check "enabled at boot: nginx, cron and ssh run without anyone starting them" \
  wait_for 20 ns_exec sh -c 'systemctl -q is-active nginx && systemctl -q is-active cron && systemctl -q is-active ssh'
check "curl http://127.0.0.1/ returns the Debian nginx page" curl_page
# Debian's own units: hardening keys (e2scrub_reap's Protect*/Private*/scheduling)
# and the masked sudo.service are nothing to warn about
check "a Debian boot logs no warnings" eval '! grep -Ei "warning|did not start|masked" "$CONSOLE"'
check "... service e2scrub_reap status lists what it did not apply" \
  ns_says '^Not applied: PrivateNetwork= ProtectSystem= ProtectHome= PrivateTmp= IOSchedulingClass= CPUSchedulingPolicy= SyslogIdentifier= ' service e2scrub_reap status
check "... sudo.service is masked, and says so" ns_says '^masked$' systemctl is-enabled sudo
# sudo ships /etc/init.d/sudo for sysvinit and masks its unit, as cgroupfs-mount (docker.io's
# recommends) does: a maintainer script's invoke-rc.d leaves it be, as under systemd
check "... invoke-rc.d from a package's maintainer script: a masked unit is left be, status 0" \
  eval 'ns_exec env DPKG_MAINTSCRIPT_PACKAGE=sudo invoke-rc.d sudo start 2>&1 | grep -q "sudo.service is masked: .start. left undone for sudo" &&
    [ "$(rc_of ns_exec env DPKG_MAINTSCRIPT_PACKAGE=sudo invoke-rc.d sudo start)" = 0 ]'
check "... the same script run by hand is refused: masked (1)" \
  eval 'ns_exec /etc/init.d/sudo start 2>&1 | grep -q "masked" && [ "$(rc_of ns_exec /etc/init.d/sudo start)" = 1 ]'
check "cron runs with SIGPIPE at its default (its IgnoreSIGPIPE=false)" eval '
  p=$(ns_exec systemctl status cron | sed -n "s/.*Main PID: \([0-9]*\).*/\1/p")
  [ -n "$p" ] && ign=$(ns_exec sed -n "s/^SigIgn:\t//p" /proc/$p/status) && [ $(( 0x$ign >> 12 & 1 )) = 0 ]'
check "nginx runs with SIGPIPE ignored (systemd's IgnoreSIGPIPE=yes)" eval '
  p=$(ns_exec systemctl status nginx | sed -n "s/.*Main PID: \([0-9]*\).*/\1/p")
  [ -n "$p" ] && ign=$(ns_exec sed -n "s/^SigIgn:\t//p" /proc/$p/status) && [ $(( 0x$ign >> 12 & 1 )) = 1 ]'
check "service nginx status: 0" test "$(rc_of ns_exec service nginx status)" = 0
check "service nginx stop: 0" ns_exec service nginx stop
check "... the port is closed (no connection)" test "$(rc_of port_open 80)" != 0
check "... status 3" test "$(rc_of ns_exec service nginx status)" = 3
check "... the script's own status agrees (3)" test "$(rc_of ns_exec /etc/init.d/nginx status)" = 3
check "service nginx start, then the page" eval 'ns_exec service nginx start && curl_page'
check "service nginx reload keeps serving" eval 'ns_exec service nginx reload && curl_page'
check "service nginx restart keeps serving, with a new main PID" eval '
  a=$(ns_exec systemctl status nginx | sed -n "s/.*Main PID: \([0-9]*\).*/\1/p")
  ns_exec service nginx restart && curl_page &&
  b=$(ns_exec systemctl status nginx | sed -n "s/.*Main PID: \([0-9]*\).*/\1/p") && [ -n "$b" ] && [ "$a" != "$b" ]'
check "/etc/init.d/nginx start is the unit's start too (init-functions hook)" eval '
  ns_exec service nginx stop && ns_exec /etc/init.d/nginx start >/dev/null && curl_page &&
  ns_exec service nginx status | grep -q "Main PID"'
check "--status-all: [ + ] for cron, nginx and ssh" eval '
  s=$(ns_exec service --status-all 2>/dev/null) &&
  grep -qx " \[ + \]  cron" <<<"$s" && grep -qx " \[ + \]  nginx" <<<"$s" && grep -qx " \[ + \]  ssh" <<<"$s"'
check "service cron stop / status 3 / start / status 0" eval '
  ns_exec service cron stop && [ "$(rc_of ns_exec service cron status)" = 3 ] &&
  ns_exec service cron start && [ "$(rc_of ns_exec service cron status)" = 0 ]'
check "sshd listens on 22" port_open 22
check "service ssh restart: 0, and it listens again" eval 'ns_exec service ssh restart && wait_for 5 port_open 22'
check "service ssh stop closes 22, status 3" eval '
  ns_exec service ssh stop && ! port_open 22 && [ "$(rc_of ns_exec service ssh status)" = 3 ]'
check "/run/sshd exists (the unit's RuntimeDirectory=)" eval 'ns_exec service ssh start && ns_exec test -d /run/sshd'
check "non-root stop of nginx is refused with 4" \
  test "$(rc_of ns_exec setpriv --reuid=65534 --regid=65534 --clear-groups service nginx stop)" = 4
check "systemctl is-enabled nginx: enabled" ns_says '^enabled$' systemctl is-enabled nginx
finish
