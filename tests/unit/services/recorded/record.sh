#!/bin/bash
# Records the service supervisor's state machine at work, for test_machine_traces.c: boots guestinit
# as PID 1 in namespaces (tests/ns/lib.sh), sets the supervisor's log level to debug (it then
# logs each step: "trace NAME [@MS EVENT -> STATE: ACTIONS | job TYPE VERB | set STATE |
# backoff-reset]"), runs each scenario below, and writes recorded/NAME.trace: the unit, then
# the steps of that service as the supervisor logged them.
# Usage (as root, from the top of the tree, after scripts/build static --enable-static-init):
#   INIT=build/static/init/init NSRUN=build/static/tests/ns/nsrun HELPERS=build/static/tests/ns \
#     tests/unit/services/recorded/record.sh
SUITE=record
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../../../.." && pwd)
if [ -z "${RECORD_INNER:-}" ]; then
  # tests/ns/lib.sh finds the tree from $0: run this again with $0 in tests/ns
  export INIT=$(readlink -f "$INIT") NSRUN=$(readlink -f "$NSRUN") HELPERS=$(readlink -f "$HELPERS")
  RECORD_INNER=1 exec bash -c '. "$1"' "$top/tests/ns/record" "$here/record.sh"
fi
. "$top/tests/ns/lib.sh"

ns_root record
R=$ROOT
mkdir -p "$R/etc/systemd/system" "$R/etc/init.d"
unit() { cat > "$R/etc/systemd/system/rec-$1.service"; }
S() { ns_exec service "rec-$1" "$2" >/dev/null 2>&1; }
active() { ns_says "^$2\$" systemctl is-active "rec-$1"; }

unit simple <<'EOF2'
[Service]
ExecStart=/bin/sleep 1001
EOF2
unit notify <<'EOF2'
[Service]
Type=notify
ExecStart=/bin/sh -c 'sleep 0.2; systemd-notify --ready; exec sleep 1002'
EOF2
unit notready <<'EOF2'
[Service]
Type=notify
TimeoutStartSec=1
ExecStart=/bin/sleep 1003
EOF2
unit crashloop <<'EOF2'
[Unit]
StartLimitBurst=3
[Service]
ExecStart=/bin/sh -c 'sleep 0.2; exit 1'
Restart=on-failure
EOF2
unit forking <<'EOF2'
[Service]
Type=forking
PIDFile=/run/rec-forking.pid
ExecStart=/bin/sh -c "setsid sh -c 'sleep 0.3; echo $$$$ > /run/rec-forking.pid; exec sleep 1004' & exit 0"
EOF2
unit stubborn <<'EOF2'
[Service]
ExecStart=/bin/sh -c 'trap "" TERM; while :; do sleep 0.1; done'
TimeoutStopSec=1
EOF2
unit startpost <<'EOF2'
[Service]
ExecStart=/bin/sleep 1005
ExecStartPost=/bin/false
EOF2
unit oneshot <<'EOF2'
[Service]
Type=oneshot
ExecStart=/bin/true
EOF2
unit reload <<'EOF2'
[Service]
ExecStart=/bin/sh -c 'trap "echo reloaded" HUP; while :; do sleep 0.1; done'
ExecReload=/bin/kill -HUP $MAINPID
ExecStop=/bin/kill -TERM $MAINPID
EOF2
cat > "$R/etc/init.d/rec-script" <<'EOF2'
#!/bin/sh
case "$1" in
  start) setsid sleep 1006 </dev/null >/dev/null 2>&1 & ;;
  stop) pkill -f "^sleep 1006" ;;
esac
exit 0
EOF2
chmod +x "$R/etc/init.d/rec-script"

ns_start record || exit 1
ns_exec systemctl log-level debug || { echo "record: cannot set the supervisor's log level" >&2; exit 1; }

S simple start; S simple stop
S notify start; S notify stop
S notready start
S crashloop start; wait_for 10 active crashloop failed
S forking start; S forking stop
S stubborn start; sleep 0.3; S stubborn stop
S startpost start
S oneshot start
S reload start; sleep 0.2; S reload reload; S reload stop
S script start; sleep 0.2; S script stop
sleep 0.5

# the services' steps, each in its own file with its definition
for f in "$R"/etc/systemd/system/rec-*.service "$R"/etc/init.d/rec-script; do
  name=$(basename "$f" .service)
  out=$here/${name#rec-}.trace
  {
    echo "# recorded by record.sh on $(uname -r): $name"
    if [ "${f#*init.d}" != "$f" ]; then echo "== initd"; else echo "== unit"; cat "$f"; fi
    echo "== steps"
    sed -n "s/^.*services: trace $name //p" "$CONSOLE"
  } > "$out"
  echo "record: $out ($(grep -c '^@' "$out") steps)"
done
