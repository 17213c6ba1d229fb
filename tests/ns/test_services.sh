#!/bin/bash
# The service supervisor on test units and init.d scripts written for it: start/stop/status
# codes, restart after kill -9, crash loops, stop timeouts, double forks, readiness, refusals.
SUITE=services
. "$(dirname "$0")/lib.sh"

ns_root services
R=$ROOT
mkdir -p "$R/etc/systemd/system" "$R/etc/init.d" "$R/run"
unit() { cat > "$R/etc/systemd/system/$1.service"; }

unit sleeper <<'EOF'
[Unit]
Description=Sleeps for the suite
[Service]
ExecStart=/bin/sleep 1000
Restart=always
EOF
unit crashy <<'EOF'
[Service]
ExecStart=/bin/false
Restart=always
StartLimitBurst=5
StartLimitIntervalSec=10s
EOF
unit stubborn <<'EOF'
[Service]
ExecStart=/bin/sh -c 'trap "" TERM; while :; do sleep 0.1; done'
TimeoutStopSec=1
EOF
unit forker <<'EOF'
[Service]
Type=forking
ExecStart=/bin/sh -c 'setsid sh -c "sleep 1001 & sleep 1002 &" ; sleep 1003 & echo $! > /run/forker.pid'
PIDFile=/run/forker.pid
EOF
unit notifier <<'EOF'
[Service]
Type=notify
ExecStart=/bin/sh -c 'sleep 0.5; systemd-notify --ready --status="serving the suite"; exec sleep 1000'
NotifyAccess=all
EOF
unit envy <<'EOF'
[Service]
Type=oneshot
RemainAfterExit=yes
Environment="GREETING=hello world" OTHER=x
EnvironmentFile=-/etc/default/envy
ExecStart=/bin/sh -c 'echo "$GREETING/$OTHER/$FROMFILE/$(pwd)/$(umask)" > /run/envy.out'
WorkingDirectory=/tmp
UMask=0027
RuntimeDirectory=envy
garbage line without equals
[Weird
UnknownKey=1
EOF
mkdir -p "$R/etc/default"
printf 'FROMFILE=filevalue\n' > "$R/etc/default/envy"
# containerd's and docker's limits: infinity for NOFILE is more than the kernel takes (nr_open)
unit unbounded <<'EOF'
[Service]
Type=oneshot
RemainAfterExit=yes
LimitNPROC=infinity
LimitCORE=infinity
LimitNOFILE=infinity
StandardOutput=file:/run/unbounded.out
ExecStart=/bin/sh -c 'ulimit -n; ulimit -Hn; ulimit -p; ulimit -c'
EOF
# the execution keys, each leaving a trace the suite reads back
unit keys <<'EOF'
[Service]
Type=oneshot
RemainAfterExit=yes
User=nobody
Group=nogroup
SupplementaryGroups=tty
Nice=7
LimitNOFILE=321:654
LimitCORE=0
CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_KILL
AmbientCapabilities=CAP_NET_BIND_SERVICE
NoNewPrivileges=yes
StateDirectory=keys-state
LogsDirectory=keys-logs
RuntimeDirectory=keys-run
RuntimeDirectoryMode=0750
StandardOutput=file:/run/keys-run/out
StandardError=append:/run/keys-run/err
ExecStartPre=+/bin/sh -c 'id -u > /run/keys.pre'
ExecStart=/bin/sh -c 'id -u; id -g; id -G; cat /proc/self/stat | cut -d" " -f19; ulimit -n; ulimit -Hn; ulimit -c; grep -E "^(CapBnd|CapAmb|NoNewPrivs)" /proc/self/status; echo to-stderr >&2'
ExecStartPost=/bin/sh -c 'echo post > /run/keys-run/post'
ExecStop=/bin/sh -c 'echo stop > /var/lib/keys-state/stopped'
ExecStopPost=+/bin/sh -c 'echo poststop > /run/keys.poststop'
EOF
unit noisy <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
ProtectSystem=full
ExecCondition=/bin/true
EOF
unit picky <<'EOF'
[Unit]
ConditionPathExists=/run/picky-may-run
[Service]
ExecStart=/bin/sleep 1007
EOF
unit asserty <<'EOF'
[Unit]
AssertPathExists=/run/asserty-may-run
[Service]
ExecStart=/bin/sleep 1008
EOF
unit sockety <<'EOF'
[Service]
ExecStart=/bin/sleep 1000
Sockets=sockety.socket
EOF

# an init.d script in Debian's style, with start-stop-daemon
cat > "$R/etc/init.d/fakesvc" <<'EOF'
#!/bin/sh
### BEGIN INIT INFO
# Provides:          fakesvc
# Required-Start:    $local_fs
# Required-Stop:     $local_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: a daemon for the suite
### END INIT INFO
PIDFILE=/run/fakesvc.pid
case "$1" in
  start) start-stop-daemon --start --quiet --background --make-pidfile --pidfile $PIDFILE --exec /bin/sleep -- 1004
         echo "started fakesvc" ;;
  stop) start-stop-daemon --stop --quiet --pidfile $PIDFILE --retry TERM/5; rm -f $PIDFILE; echo "stopped fakesvc" ;;
  status) if start-stop-daemon --status --pidfile $PIDFILE; then echo "fakesvc is running"; exit 0; else echo "fakesvc is not running"; exit 3; fi ;;
  env) env | sort ;;
  *) echo "Usage: /etc/init.d/fakesvc {start|stop|status|env}" >&2; exit 3 ;;
esac
EOF
chmod +x "$R/etc/init.d/fakesvc"

ns_start services
S() { ns_exec service "$@"; }
rc_of() { "$@" >/dev/null 2>&1; echo $?; }
main_pid() { ns_exec systemctl status "$1" 2>/dev/null | sed -n 's/.*Main PID: \([0-9]*\).*/\1/p'; }
# in_cgroup PATTERN NAME: the process running PATTERN is in NAME's cgroup. A start returns at
# the fork and the child joins its cgroup before its exec, so this is looked up afresh on each
# try of wait_for (a $(pgrep) in wait_for's arguments would be expanded once, maybe too soon).
in_cgroup() { local p; p=$(pgrep -f "$1" | head -n1); [ -n "$p" ] && grep -q "^0::/services/$2\$" "/proc/$p/cgroup"; }

check "the supervisor runs" wait_for 5 ns_exec test -S /run/guestinit/services
check "service NAME start of a unit exits 0" S sleeper start
check "... status is 0 and says active (running)" ns_says 'Active: active \(running\)' service sleeper status
check "... systemctl is-active says active" ns_says '^active$' systemctl is-active sleeper
p1=$(main_pid sleeper)
check "... the main process is in its own cgroup" wait_for 3 in_cgroup 'sleep 1000' sleeper
# kill -9 of the main process: back within 50 ms
t0=$(now_ms)
ns_exec kill -9 "$p1"
restarted() { p=$(main_pid sleeper); [ -n "$p" ] && [ "$p" != "$p1" ]; }
wait_for 5 restarted
t1=$(now_ms)
check "kill -9 of the main process: running again ($((t1 - t0)) ms, in-VM goal 50 ms)" restarted
check "... status counts one restart" ns_says 'Restarts: 1' service sleeper status
check "service NAME stop exits 0" S sleeper stop
check "... then status is 3" test "$(rc_of S sleeper status)" = 3
check "... and nothing of it is left" test -z "$(pgrep -f 'sleep 1000')"

# a crash loop ends in failed, cheaply
S crashy start >/dev/null 2>&1
check "a crash loop ends in failed" wait_for 10 ns_says 'Active: failed' service crashy status
check "... with the reason in status" ns_says 'started too often' service crashy status
check "... systemctl is-failed says so" ns_exec systemctl -q is-failed crashy
check "... reset-failed lets it be started again" ns_exec systemctl reset-failed crashy
check "... and it is inactive after reset-failed" ns_says '^inactive$' systemctl is-active crashy

# a TERM-ignoring daemon is killed at TimeoutStopSec
S stubborn start
# Type=simple is started at fork: its shell must have set its trap before the stop
wait_for 5 pgrep -f 'trap "" TERM' >/dev/null
sleep 0.2
t0=$(now_ms); S stubborn stop; t1=$(now_ms)
check "a TERM-ignoring daemon is stopped by SIGKILL after TimeoutStopSec=1 ($((t1 - t0)) ms)" \
  test $((t1 - t0)) -ge 900 -a $((t1 - t0)) -lt 5000
check "... and is gone" test -z "$(pgrep -f 'trap "" TERM')"

# a forking, double-forking daemon is fully stopped
check "a forking unit with a PIDFile starts" S forker start
check "... its main PID is the pidfile's" test "$(main_pid forker)" = "$(ns_exec cat /run/forker.pid)"
# (the script's background children may not have exec'd their sleeps when its parent exits)
check "... the double-forked sleeps run" wait_for 3 eval '[ "$(pgrep -fc "sleep 100[123]")" = 3 ]'
S forker stop
check "stop ends every process it left, double-forked or not" wait_for 3 test -z "$(pgrep -f 'sleep 100[123]')"

# Type=notify: start returns once READY=1 came
t0=$(now_ms); S notifier start; t1=$(now_ms)
check "Type=notify: start waits for READY=1 ($((t1 - t0)) ms, the unit sleeps 500 ms first)" test $((t1 - t0)) -ge 450
check "... STATUS= shows in status" ns_says 'Status: "serving the suite"' service notifier status
S notifier stop

# environment, working directory, umask, runtime directory; garbage lines are warnings
check "a oneshot with RemainAfterExit starts" S envy start
check "... Environment=, EnvironmentFile=, WorkingDirectory=, UMask= apply" \
  ns_exec grep -qx 'hello world/x/filevalue//tmp/0027' /run/envy.out
check "... RuntimeDirectory= exists" ns_exec test -d /run/envy
check "... it is active (exited)" ns_says 'Active: active \(exited\)' service envy status
check "garbage lines in a unit are reported, not fatal" grep -q "envy: .*envy.service:.*expected Key=Value" "$CONSOLE"
check "... a broken section header and an unknown key are each named once" \
  test "$(grep -c "invalid section header '\[Weird'" "$CONSOLE")/$(grep -c "unsupported key UnknownKey= in \[Service\]" "$CONSOLE")" = 1/1
for i in 1 2 3; do S noisy status >/dev/null 2>&1; done
check "an unsupported key is reported once, however often an idle unit is asked about" \
  test "$(grep -c "noisy: .*unsupported key ExecCondition=" "$CONSOLE")" = 1
check "... a hardening key is not warned about, and status lists it as not applied" \
  eval '! grep -q "ProtectSystem" "$CONSOLE" && ns_exec service noisy status | grep -q "^Not applied: ProtectSystem= "'

# Condition*= skips a start (status 0, nothing runs), Assert*= fails it
check "a start whose ConditionPathExists= does not hold succeeds, running nothing" \
  eval 'S picky start && [ -z "$(pgrep -f "sleep 1007")" ]'
check "... status says which condition, and it is inactive (3)" \
  eval 'ns_exec service picky status | grep -q "Condition: start condition unmet: ConditionPathExists=/run/picky-may-run was not met" &&
        [ "$(rc_of S picky status)" = 3 ]'
ns_exec touch /run/picky-may-run
# a simple service's start returns once it is forked, before its exec: wait for the exec
check "... once it holds, the next start runs the service" eval 'S picky start && wait_for 3 pgrep -f "sleep 1007" >/dev/null'
S picky stop
check "a start whose AssertPathExists= does not hold fails (1), naming the assertion" \
  says_with 1 "assertion failed: AssertPathExists=/run/asserty-may-run" service asserty start

# the closest limit the kernel takes, as systemd gives: nr_open for NOFILE as root, and what
# PID 1 has itself where raising its hard limit is not allowed (a user namespace)
check "LimitNOFILE=infinity (containerd.service) starts" S unbounded start
nropen=$(ns_exec cat /proc/sys/fs/nr_open) hard=$(ns_exec sh -c 'echo $(ulimit -Hn) $(ulimit -Hp)')
out=$(ns_exec cat /run/unbounded.out 2>/dev/null | tr '\n' ' ')
unbounded_ok() {
  local w; read -ra w <<<"$out"
  { [ "${w[0]}" = "$nropen" ] || [ "${w[0]}" = "${hard% *}" ]; } && [ "${w[1]}" = "${w[0]}" ] &&
    { [ "${w[2]}" = unlimited ] || [ "${w[2]}" = "${hard#* }" ]; } && [ "${w[3]}" = unlimited ]
}
check "... NOFILE at fs.nr_open ($nropen) or PID 1's hard (${hard% *}), NPROC unlimited or PID 1's hard, CORE unlimited (got: $out)" \
  unbounded_ok

# the execution keys
check "a unit using every execution key starts" S keys start
out=$(ns_exec cat /run/keys-run/out 2>/dev/null | tr '\n\t' '  ')
nobody=$(ns_exec id -u nobody) nogroup=$(ns_exec getent group nogroup | cut -d: -f3) tty=$(ns_exec getent group tty | cut -d: -f3)
ids_ok() { local w; read -ra w <<<"$out"; [ "${w[0]:-}" = "$nobody" ] && [ "${w[1]:-}" = "$nogroup" ] && grep -qw "$tty" <<<"${w[*]:2:3}"; }
check "User=, Group=, SupplementaryGroups=: $nobody/$nogroup/+$tty" ids_ok
check "Nice=7, LimitNOFILE=321:654, LimitCORE=0 (got: $out)" grep -q " 7 321 654 0 " <<<" $out"
check "CapabilityBoundingSet= and AmbientCapabilities=: only NET_BIND_SERVICE and KILL, NET_BIND_SERVICE ambient" \
  grep -q "CapBnd: 0000000000000420 CapAmb: 0000000000000400 NoNewPrivs: 1" <<<"$out"
check "StandardOutput=file:, StandardError=append: (stderr)" ns_exec grep -qx to-stderr /run/keys-run/err
check "'+' runs without User= (ExecStartPre as root)" ns_exec grep -qx 0 /run/keys.pre
check "ExecStartPost= ran" ns_exec test -f /run/keys-run/post
check "StateDirectory=, LogsDirectory= exist and belong to the user" \
  eval '[ "$(ns_exec stat -c %U /var/lib/keys-state)/$(ns_exec stat -c %U /var/log/keys-logs)" = nobody/nobody ]'
check "RuntimeDirectoryMode=0750" test "$(ns_exec stat -c %a /run/keys-run)" = 750
check "stop runs ExecStop= and ExecStopPost=" eval 'S keys stop && ns_exec test -f /var/lib/keys-state/stopped && ns_exec test -f /run/keys.poststop'

# refusals
check "a unit that needs socket activation is refused with the reason" \
  says_with 1 "socket activation" service sockety start
check "a bad name is refused with 2 before anything runs" test "$(rc_of S ../../bin/sh start)" = 2
check "... so is a name with a control character" test "$(rc_of S "$(printf 'a\tb')" start)" = 2
long=$(printf 'x%.0s' $(seq 300))
check "... and a name over 255 bytes" test "$(rc_of S "$long" start)" = 2
check "an unknown service: 'NAME: unrecognized service', status 1" says_with 1 "nosuch: unrecognized service" service nosuch start
check "non-root start is refused with 4" test "$(rc_of ns_exec setpriv --reuid=65534 --regid=65534 --clear-groups service sleeper start)" = 4
check "non-root status is allowed (3: stopped)" test "$(rc_of ns_exec setpriv --reuid=65534 --regid=65534 --clear-groups service sleeper status)" = 3

# init.d scripts: run by the supervisor, output to the caller's terminal, daemon in the group
out=$(S fakesvc start 2>&1)
check "init.d start prints to the caller" test "$out" = "started fakesvc"
check "... its daemon lands in the service's cgroup" wait_for 3 in_cgroup 'sleep 1004' fakesvc
check "... status is the script's own (0)" test "$(rc_of S fakesvc status)" = 0
check "... the script sees only Debian's variables, from /" \
  test "$(FOO=bar HOME=/root ns_exec env FOO=bar LANG=C.UTF-8 service fakesvc env | cut -d= -f1 | tr '\n' ' ')" = "LANG LANGUAGE LC_ADDRESS LC_ALL LC_COLLATE LC_CTYPE LC_IDENTIFICATION LC_MEASUREMENT LC_MESSAGES LC_MONETARY LC_NAME LC_NUMERIC LC_PAPER LC_TELEPHONE LC_TIME PATH PWD TERM "
check "init.d stop exits 0" eval 'S fakesvc stop >/dev/null'
check "... and its daemon is gone" test -z "$(pgrep -f 'sleep 1004')"
check "... status is 3" test "$(rc_of S fakesvc status)" = 3
check "service NAME with no command runs the script's usage (3)" test "$(rc_of S fakesvc)" = 3

# services outlive the session that started them
ns_exec setsid sh -c 'service sleeper start; kill -HUP 0' >/dev/null 2>&1
check "a service started by a session that hung up keeps running" ns_says '^active$' systemctl is-active sleeper
S sleeper stop

# systemctl without systemd
lu() { ns_exec systemctl list-units --type=service "$@" 2>&1; }
check "systemctl list-units hides what is not running, as systemd's does" \
  eval '! lu | grep -q "^  sleeper.service" && lu | grep -q "Pass --all to see loaded but inactive units"'
check "systemctl list-units --all lists inactive units with their Description" \
  eval 'lu --all | grep -Eq "^  sleeper.service +loaded +inactive +dead +Sleeps for the suite$"'
check "... and an init script's Short-Description the way systemd shows it" \
  eval 'lu --all | grep -Eq "^  fakesvc.service +loaded +inactive +dead +LSB: a daemon for the suite$"'
S sleeper start
check "systemctl list-units lists a running unit" \
  eval 'lu | grep -Eq "^  sleeper.service +loaded +active +running +Sleeps for the suite$"'
check "... --state=inactive leaves it out, --state=running keeps it" \
  eval '! lu --state=inactive | grep -q sleeper.service && lu --state=running | grep -q sleeper.service'
check "... --no-legend prints the rows alone" eval '[ "$(lu --no-legend --state=running | grep -c .)" = "$(lu --no-legend --state=running | grep -c "\.service ")" ]'
S sleeper stop
check "an unsupported systemctl verb gets one line saying what is supported" \
  says_with 1 "supported: start stop" systemctl isolate rescue.target
ns_exec systemctl enable sleeper >/dev/null 2>&1
check "systemctl enable without [Install] says it is static" ns_says '^static$' systemctl is-enabled sleeper

# shutdown stops the services, newest first, before PID 1's final kill
S sleeper start && S fakesvc start >/dev/null
ns_power poweroff
ns_wait_exit 20
check "poweroff ends the namespace (status $RC)" test "$RC" != 124
check "... after the supervisor stopped every service" grep -q "every service is stopped" "$CONSOLE"
check "... the init script's stop ran, printing to the console" \
  eval 'sed -n "/stopping every service/,\$p" "$CONSOLE" | grep -q "^stopped fakesvc$"'
finish
