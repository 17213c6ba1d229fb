#!/bin/bash
# Services in the real VM: the Debian root's enabled services (nginx, cron, ssh) come up at
# boot; `sudo service nginx start` serves the Debian page; systemctl works without systemd;
# installing a package with an init script starts it through invoke-rc.d; a crashed service
# with Restart= is back at once; a fork bomb in a service is held by its TasksMax= while
# the supervisor keeps answering and stops it. Every VM this suite starts is stopped by its EXIT trap.
SUITE=vmservices
set -u
: "${GUESTHOST:?}" "${GUESTHOST_INIT:?}"
. "$(dirname "$0")/lib.sh" vmservices

cleanup() {
  vm_stop
  rm -rf "$WORK"
}
trap cleanup EXIT
g() { gh run -- sh -c "$1"; }

gh start >"$WORK/start.out" 2>&1; rc=$?
check "boot (status $rc)" test "$rc" = 0
[ "$rc" = 0 ] || { tail -n 20 "$WORK/start.out" "$GH_STATE/console.log"; finish; exit 1; }

# enabled at boot: nginx (a unit and a script), cron and ssh, without anyone asking
check "enabled services come up at boot: nginx, cron, ssh active" \
  wait_for 30 g 'systemctl -q is-active nginx && systemctl -q is-active cron && systemctl -q is-active ssh'
check "... /run/sshd exists (RuntimeDirectory=, tmpfiles.d)" g 'test -d /run/sshd'

check "sudo service nginx stop" g 'sudo service nginx stop'
check "... the port is closed" g '! curl -s -o /dev/null localhost'
check "... status is 3" eval 'g "service nginx status >/dev/null"; test $? = 3'
check "sudo service nginx start, then curl gets the Debian page" \
  g 'sudo service nginx start && curl -s localhost | grep -q "Welcome to nginx"'
check "service nginx status: 0, supervised by the unit" g 'service nginx status | grep -q "Main PID"'
check "service nginx reload" g 'sudo service nginx reload'
check "service nginx restart keeps serving" g 'sudo service nginx restart && curl -s localhost | grep -q "Welcome to nginx"'
check "systemctl status nginx works without systemd" g 'systemctl status nginx | grep -q "active (running)"'
check "service --status-all lists ' [ + ]  nginx'" eval "g 'service --status-all 2>/dev/null' | grep -qx ' \[ + \]  nginx'"
check "non-root stop is refused with 4" eval 'g "su -s /bin/sh nobody -c \"service nginx stop\" 2>/dev/null"; test $? = 4'
check "the init script's own status agrees (pidfile)" g '/etc/init.d/nginx status >/dev/null'

# a crash: cron.service says Restart=on-failure
pid=$(g 'systemctl status cron | sed -n "s/.*Main PID: \([0-9]*\).*/\1/p"')
g "kill -9 $pid"
check "kill -9 of cron's main process: back by itself" \
  wait_for 10 eval "g 'systemctl status cron' | grep -q 'Main PID: ' && ! g 'systemctl status cron' | grep -q 'Main PID: $pid '"
check "... with one restart counted" g 'systemctl status cron | grep -q "Restarts: 1"'

# a package installed in the guest starts through invoke-rc.d (at: an init script and a unit)
deb_dir=$WORK/debs
mkdir -p "$deb_dir"
if (cd "$deb_dir" && apt-get download -q -o APT::Sandbox::User=root at >/dev/null 2>&1); then
  deb=$(ls "$deb_dir"/at_*.deb | head -n 1)
  gh run -- sh -c 'cat > /tmp/at.deb' < "$deb"
  check "dpkg -i of a service package in the guest succeeds" g 'DEBIAN_FRONTEND=noninteractive dpkg -i /tmp/at.deb >/tmp/dpkg.out 2>&1'
  check "... and its postinst started atd through invoke-rc.d" wait_for 10 g 'pgrep -x atd >/dev/null'
  check "... service atd status says so" g 'service atd status >/dev/null'
else
  fail "apt-get download at on the host failed (the Debian mirror is needed for this check)"
fi

# a package that ships only a unit: its maintainer scripts act only under systemd, our dpkg hook
# does it (a package built here, in the shape dh_installsystemd gives it)
mkpkg() { # VERSION SLEEP-SECONDS
  local d=$WORK/pkg-$1
  mkdir -p "$d/DEBIAN" "$d/lib/systemd/system"
  printf '%s\n' "Package: gi-unitonly" "Version: $1" "Architecture: all" "Maintainer: guestinit tests <t@example.org>" \
    "Description: a service with only a systemd unit" > "$d/DEBIAN/control"
  printf '%s\n' "[Service]" "ExecStart=/bin/sleep $2" "[Install]" "WantedBy=multi-user.target" \
    > "$d/lib/systemd/system/gi-unitonly.service"
  cat > "$d/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
	deb-systemd-helper unmask gi-unitonly.service >/dev/null || true
	if deb-systemd-helper --quiet was-enabled gi-unitonly.service; then
		deb-systemd-helper enable gi-unitonly.service >/dev/null || true
	else
		deb-systemd-helper update-state gi-unitonly.service >/dev/null || true
	fi
	if [ -d /run/systemd/system ]; then
		systemctl --system daemon-reload >/dev/null || true
		if [ -n "$2" ]; then _dh_action=restart; else _dh_action=start; fi
		deb-systemd-invoke $_dh_action gi-unitonly.service >/dev/null || true
	fi
fi
EOF
  cat > "$d/DEBIAN/prerm" <<'EOF'
#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = remove ]; then
	deb-systemd-invoke stop gi-unitonly.service >/dev/null || true
fi
EOF
  cat > "$d/DEBIAN/postrm" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -x /usr/bin/deb-systemd-helper ]; then deb-systemd-helper mask gi-unitonly.service >/dev/null || true; fi
if [ "$1" = purge ] && [ -x /usr/bin/deb-systemd-helper ]; then deb-systemd-helper purge gi-unitonly.service >/dev/null || true; fi
EOF
  chmod 755 "$d/DEBIAN/postinst" "$d/DEBIAN/prerm" "$d/DEBIAN/postrm"
  dpkg-deb --root-owner-group -b "$d" "$WORK/gi-unitonly_$1.deb" >/dev/null
  gh run -- sh -c "cat > /tmp/gi-unitonly_$1.deb" < "$WORK/gi-unitonly_$1.deb"
}
mkpkg 1 1071 && mkpkg 2 1072
check "the dpkg hook is in place" g 'grep -q "service --dpkg-hook post" /etc/dpkg/dpkg.cfg.d/guestinit-services'
g 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d'
check "policy-rc.d exit 101: dpkg -i of a unit-only package enables it but does not start it" \
  g 'dpkg -i /tmp/gi-unitonly_1.deb >/tmp/dpkg1.out 2>&1 && ! systemctl -q is-active gi-unitonly && systemctl -q is-enabled gi-unitonly'
g 'rm -f /usr/sbin/policy-rc.d; dpkg -P gi-unitonly >/dev/null 2>&1'
# (a start returns at the service's fork: its exec of sleep may come a moment later)
check "dpkg -i of a unit-only package starts its service, as under systemd" \
  eval 'g "dpkg -i /tmp/gi-unitonly_1.deb >/tmp/dpkg2.out 2>&1 && systemctl -q is-active gi-unitonly" &&
        wait_for 5 g "pgrep -f \"slee[p] 1071\" >/dev/null"'
check "... an upgrade that replaces the unit restarts it with the new one" \
  eval 'g "dpkg -i /tmp/gi-unitonly_2.deb >/tmp/dpkg3.out 2>&1 && ! pgrep -f \"slee[p] 1071\" >/dev/null" &&
        wait_for 5 g "pgrep -f \"slee[p] 1072\" >/dev/null"'
check "... dpkg -r stops it" g 'dpkg -r gi-unitonly >/tmp/dpkg4.out 2>&1 && ! pgrep -f "slee[p] 107[12]" >/dev/null'
g 'dpkg -P gi-unitonly >/dev/null 2>&1'
if (cd "$deb_dir" && apt-get download -q -o APT::Sandbox::User=root rsyslog liblognorm5 libfastjson4 libestr0 >/dev/null 2>&1); then
  for f in "$deb_dir"/rsyslog_*.deb "$deb_dir"/liblognorm5_*.deb "$deb_dir"/libfastjson4_*.deb "$deb_dir"/libestr0_*.deb; do
    gh run -- sh -c "cat > /tmp/$(basename "$f")" < "$f"
  done
  check "dpkg -i rsyslog (only a unit in bookworm) starts rsyslogd" \
    eval 'g "DEBIAN_FRONTEND=noninteractive dpkg -i /tmp/libestr0_*.deb /tmp/libfastjson4_*.deb /tmp/liblognorm5_*.deb /tmp/rsyslog_*.deb >/tmp/dpkg5.out 2>&1" && wait_for 10 g "systemctl -q is-active rsyslog && pgrep -x rsyslogd >/dev/null"'
else
  fail "apt-get download rsyslog on the host failed (the Debian mirror is needed for this check)"
fi

# a fork bomb in one service (research §9.2 #21): its pids.max holds it, control still works
check "the pids controller reaches the services' groups" g 'grep -qw pids /sys/fs/cgroup/services/cgroup.subtree_control'
cat > "$WORK/bomb.service" <<'EOF'
[Service]
TasksMax=64
ExecStart=/usr/bin/perl -e 'while (1) { my $p = fork; if (defined $p && !$p) { sleep 1000; exit } }'
EOF
gh run -- sh -c 'cat > /etc/systemd/system/bomb.service' < "$WORK/bomb.service"
check "sudo service bomb start (a perl loop forking forever)" g 'sudo service bomb start'
check "... its group fills up to TasksMax=64 and no further" \
  wait_for 30 g 'systemctl status bomb | grep -q "Tasks: 64 (limit: 64"'
t0=$(now_ms)
check "... while the supervisor still answers (service cron status)" g 'service cron status >/dev/null'
t1=$(now_ms)
check "... within 5 s under TCG ($((t1 - t0)) ms)" test $((t1 - t0)) -lt 5000
check "... and the rest of the machine can still fork" g 'for i in 1 2 3 4 5 6 7 8; do /bin/true || exit 1; done'
check "sudo service bomb stop ends all of it" g 'sudo service bomb stop && ! pgrep -f "per[l] -e" >/dev/null'
check "... status 3" eval 'g "service bomb status >/dev/null"; test $? = 3'

# the supervisor killed: PID 1 restarts it, and it adopts the running nginx
main_of() { g "systemctl status $1" | sed -n 's/.*Main PID: \([0-9]*\).*/\1/p'; }
m0=$(main_of nginx)
sd_pid() { g 'pgrep -f "^guestinit-service[s]d"'; }
sd0=$(sd_pid)
g "kill -9 $sd0"
check "kill -9 of the supervisor ($sd0): PID 1 starts a new one" wait_for 10 eval 'n=$(sd_pid); [ -n "$n" ] && [ "$n" != "$sd0" ]'
check "... which adopts nginx: same main PID ($m0), still serving" \
  wait_for 20 eval '[ -n "$m0" ] && [ "$(main_of nginx)" = "$m0" ] && g "curl -s localhost | grep -q Welcome"'
check "... and the new supervisor stops it" g 'sudo service nginx stop && ! curl -s -o /dev/null localhost'
g 'sudo service nginx start'

# services outlive the session that started them
g 'sudo service nginx restart >/dev/null; exit 0'
check "a service restarted by a session that ended keeps running" g 'curl -s localhost | grep -q "Welcome to nginx"'
finish
