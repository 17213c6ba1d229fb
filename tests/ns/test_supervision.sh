#!/bin/bash
# Supervision cases (research/supervision-anchors.md §9.2): the Restart= matrix,
# RestartPreventExitStatus, the backoff curve and the crash loop's cost, forking daemons with
# a late, missing or stale pidfile, readiness timeouts, log durability, concurrent control,
# reload of a stopped service, a hanging status in --status-all, Requires=/Wants=/BindsTo= on a
# manual start and stop, watchdog and notify rules, and the supervisor itself
# killed and restarted under running services (they are adopted, their log pipes kept).
SUITE=supervision
. "$(dirname "$0")/lib.sh"

ns_root supervision
R=$ROOT
mkdir -p "$R/etc/systemd/system" "$R/etc/init.d"
unit() { cat > "$R/etc/systemd/system/$1.service"; }
rc_of() { "$@" >/dev/null 2>&1; echo $?; }
S() { ns_exec service "$@"; }
runs() { ns_exec sh -c "cat /run/$1.runs 2>/dev/null | wc -l"; }

# ---- the Restart= matrix: exit 0, exit 1 and SIGKILL under each policy ---------------------
policies="no always on-success on-failure on-abnormal on-abort"
for p in $policies; do
  for how in 0 1 kill; do
    # "$$$$": a unit's "$$" is a literal "$" (systemd.service(5)), so the shell gets "$$"
    case $how in kill) end='kill -9 $$$$' ;; *) end="exit $how" ;; esac
    unit "m-$p-$how" <<EOF
[Service]
ExecStart=/bin/sh -c 'echo run >> /run/m-$p-$how.runs; sleep 0.3; $end'
Restart=$p
RestartSec=100ms
EOF
  done
done
unit prevent <<'EOF'
[Service]
ExecStart=/bin/sh -c 'echo run >> /run/prevent.runs; sleep 0.2; exit 3'
Restart=always
RestartPreventExitStatus=3
EOF
unit backoff <<'EOF'
[Service]
ExecStart=/bin/sh -c 'date +%s%N >> /run/backoff.runs; exit 1'
Restart=always
EOF
unit flappy <<'EOF'
[Service]
ExecStart=/bin/sh -c 'n=$(cat /run/flappy.n 2>/dev/null || echo 0); n=$((n + 1)); echo $n > /run/flappy.n; date +%s%N >> /run/flappy.starts; if [ $n = 4 ]; then sleep 10.5; date +%s%N > /run/flappy.end; exit 1; fi; [ $n -ge 5 ] && exec sleep 1080; exit 1'
Restart=always
EOF
unit late <<'EOF'
[Service]
Type=forking
PIDFile=/run/late.pid
ExecStart=/bin/sh -c "setsid sh -c 'sleep 0.5; echo $$$$ > /run/late.pid; exec sleep 1011' & exit 0"
EOF
unit nopid <<'EOF'
[Service]
Type=forking
ExecStart=/bin/sh -c 'setsid sleep 1012 & exit 0'
EOF
unit badparent <<'EOF'
[Service]
Type=forking
ExecStart=/bin/sh -c 'exit 3'
EOF
unit stale <<'EOF'
[Service]
Type=forking
PIDFile=/run/stale.pid
TimeoutStartSec=1
ExecStart=/bin/sh -c 'echo 1 > /run/stale.pid; exit 0'
EOF
unit silent <<'EOF'
[Service]
Type=notify
TimeoutStartSec=1
ExecStart=/bin/sleep 1013
EOF
unit wd <<'EOF'
[Service]
Type=notify
NotifyAccess=all
WatchdogSec=1
Restart=on-watchdog
ExecStart=/bin/sh -c 'echo "$WATCHDOG_USEC" > /run/wd.usec; echo run >> /run/wd.runs; systemd-notify --ready; for i in 1 2 3 4; do sleep 0.4; systemd-notify WATCHDOG=1; done; exec sleep 1050'
EOF
unit notmain <<'EOF'
[Service]
Type=notify
TimeoutStartSec=1
# systemd-notify speaks for its parent (root may set SCM_CREDENTIALS' pid): a shell in between
# makes the sender a process that is not the main one
ExecStart=/bin/sh -c 'sh -c "systemd-notify --ready; sleep 0.1"; exec sleep 1051'
EOF
unit extend <<'EOF'
[Service]
Type=notify
NotifyAccess=all
TimeoutStartSec=1
ExecStart=/bin/sh -c 'systemd-notify EXTEND_TIMEOUT_USEC=3000000; sleep 2; systemd-notify --ready; exec sleep 1052'
EOF
unit wwpid <<'EOF'
[Service]
Type=forking
PIDFile=/run/wwpid.pid
ExecStart=/bin/sh -c 'setsid sleep 1053 & echo $$! > /run/wwpid.pid; chmod 666 /run/wwpid.pid; exit 0'
EOF
unit db <<'EOF'
[Service]
ExecStartPre=/bin/sleep 0.5
ExecStart=/bin/sleep 1060
ExecStartPost=/bin/sh -c 'echo db-up >> /run/order.log'
EOF
unit app <<'EOF'
[Unit]
Requires=db.service
Wants=helper.service
After=db.service
[Service]
ExecStartPre=/bin/sh -c 'echo app-pre >> /run/order.log'
ExecStart=/bin/sleep 1061
EOF
unit helper <<'EOF'
[Service]
ExecStart=/bin/sleep 1062
EOF
unit bound <<'EOF'
[Unit]
BindsTo=db.service
After=db.service
[Service]
ExecStart=/bin/sleep 1063
EOF
unit needy <<'EOF'
[Unit]
Requires=nosuch.service
[Service]
ExecStart=/bin/sleep 1064
EOF
unit cyc1 <<'EOF'
[Unit]
Requires=cyc2.service
After=cyc2.service
[Service]
ExecStart=/bin/sleep 1065
EOF
unit cyc2 <<'EOF'
[Unit]
Requires=cyc1.service
After=cyc1.service
[Service]
ExecStart=/bin/sleep 1066
EOF
unit chatty <<'EOF'
[Service]
ExecStart=/bin/sh -c 'n=$(cat /run/chatty.n 2>/dev/null || echo 0); echo $((n + 1)) > /run/chatty.n; i=0; while [ $i -lt 2000 ]; do echo "run$n line$i"; i=$((i + 1)); done; [ $n -ge 2 ] && exec sleep 1000; exit 1'
Restart=always
EOF
unit flood <<'EOF'
[Service]
ExecStart=/bin/sh -c 'yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 7340032; exec sleep 1040'
EOF
unit slowstart <<'EOF'
[Service]
ExecStartPre=/bin/sh -c 'echo pre >> /run/slowstart.runs; sleep 0.5'
ExecStart=/bin/sleep 1014
EOF
unit slowstop <<'EOF'
[Service]
ExecStart=/bin/sleep 1015
ExecStop=/bin/sh -c 'sleep 1; kill $MAINPID'
EOF
unit reloadable <<'EOF'
[Service]
ExecStart=/bin/sleep 1016
ExecReload=/bin/true
EOF
unit steady <<'EOF'
[Service]
ExecStart=/bin/sh -c 'i=0; while :; do echo "tick $i"; i=$((i + 1)); sleep 0.005; done'
Restart=always
EOF
unit ender <<'EOF'
[Service]
ExecStart=/bin/sh -c 'echo run >> /run/ender.runs; [ -e /run/ender.once ] && exec sleep 1031; touch /run/ender.once; sleep 1.5; exit 1'
Restart=on-failure
EOF
unit pair <<'EOF'
[Service]
Type=forking
ExecStart=/bin/sh -c 'setsid sleep 1032 & setsid sleep 1033 & exit 0'
EOF
printf '#!/bin/sh\ncase "$1" in status) sleep 100;; esac\n' > "$R/etc/init.d/hang"
printf '#!/bin/sh\ncase "$1" in status) echo ok; exit 0;; esac\n' > "$R/etc/init.d/okay"
chmod +x "$R/etc/init.d/hang" "$R/etc/init.d/okay"

ns_start supervision
for p in $policies; do for how in 0 1 kill; do S "m-$p-$how" start >/dev/null 2>&1; done; done
S prevent start >/dev/null 2>&1
sleep 2
# systemd.service(5), Table 2: which ends restart under which policy
want() {
  case "$1-$2" in
    always-*|on-success-0|on-failure-1|on-failure-kill|on-abnormal-kill|on-abort-kill) echo yes ;;
    *) echo no ;;
  esac
}
for p in $policies; do
  for how in 0 1 kill; do
    n=$(runs "m-$p-$how")
    got=no; [ "$n" -ge 2 ] && got=yes
    what="exit $how"; [ "$how" = kill ] && what=SIGKILL
    check "Restart=$p, main ends by $what: restarted=$(want "$p" "$how") (ran $n times)" \
      test "$got" = "$(want "$p" "$how")"
  done
done
check "RestartPreventExitStatus=3 with Restart=always: exit 3 is not restarted" test "$(runs prevent)" = 1

# ---- backoff: immediate, then doubling from 100 ms; StartLimitBurst ends it cheaply --------
sd=$(pgrep -P "$PID1" -f guestinit-servicesd | head -n 1)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
c0=$(ticks "$sd"); t0=$(now_ms)
S backoff start >/dev/null 2>&1
wait_for 10 ns_says 'Active: failed' service backoff status
t1=$(now_ms); c1=$(ticks "$sd")
mapfile -t ts < <(ns_exec cat /run/backoff.runs)
gaps=
for ((i = 1; i < ${#ts[@]}; i++)); do gaps="$gaps $(( (ts[i] - ts[i - 1]) / 1000000 ))"; done
check "a crash loop: 5 starts, then failed (runs: ${#ts[@]})" test "${#ts[@]}" = 5
set -- $gaps
check "... the first restart is immediate (${1:-?} ms), then 100, 200, 400 ms (gaps:$gaps)" \
  test "${1:-999}" -lt 80 -a "${2:-0}" -ge 90 -a "${3:-0}" -ge 190 -a "${4:-0}" -ge 390
hz=$(getconf CLK_TCK)
cpu_pct=$(( (c1 - c0) * 1000 * 100 / hz / (t1 - t0 + 1) ))
check "... and costs the supervisor ${cpu_pct}% of a core while it lasts (goal < 5%)" test "$cpu_pct" -lt 5
ran_again() { [ "$(runs backoff)" -gt 5 ]; }
ns_exec systemctl reset-failed backoff
S backoff start >/dev/null 2>&1
check "... a manual start after reset-failed runs it again" wait_for 5 ran_again
S backoff stop >/dev/null 2>&1

# ---- the backoff resets after a healthy run (s6: ready for over 1 s means no delay) ------------
S flappy start >/dev/null 2>&1
wait_for 20 eval '[ "$(ns_exec cat /run/flappy.n 2>/dev/null)" = 5 ]'
mapfile -t fs < <(ns_exec cat /run/flappy.starts)
end4=$(ns_exec cat /run/flappy.end 2>/dev/null || echo 0)
g3=$(( (${fs[3]:-0} - ${fs[2]:-0}) / 1000000 )); g5=$(( (${fs[4]:-0} - end4) / 1000000 ))
check "three quick crashes back off (the third restart waited ${g3} ms), then a 10.5 s run and a crash: restarted at once (${g5} ms)" \
  test "${#fs[@]}" = 5 -a "$g3" -ge 190 -a "$g5" -lt 80
S flappy stop

# ---- forking daemons -----------------------------------------------------------------------
t0=$(now_ms); S late start; rc=$?; t1=$(now_ms)
check "forking with a pidfile written 0.5 s after the parent exits: start waits for it ($((t1 - t0)) ms, status $rc)" \
  test "$rc" = 0 -a $((t1 - t0)) -ge 450
check "... and the main PID is the pidfile's" \
  test "$(ns_exec systemctl status late | sed -n 's/.*Main PID: \([0-9]*\).*/\1/p')" = "$(ns_exec cat /run/late.pid)"
check "forking without PIDFile=: the only process left is the main one" \
  eval 'S nopid start && wait_for 3 eval "ns_exec systemctl status nopid | grep -q \"Main PID: [0-9]* (sleep)\""'
check "forking whose parent exits 3: start fails with 1, state failed" \
  eval '[ "$(rc_of S badparent start)" = 1 ] && ns_says "Active: failed" service badparent status'
check "a pidfile naming a live process of another service (pid reuse) is not taken: start fails" \
  eval '[ "$(rc_of S stale start)" = 1 ] && ns_says "PIDFile= never named a live process" service stale status'
check "... and PID 1 still runs" test -e "/proc/$PID1"

# ---- readiness -------------------------------------------------------------------------------
t0=$(now_ms); rc=$(rc_of S silent start); t1=$(now_ms)
check "Type=notify without READY=1: start fails at TimeoutStartSec=1 ($((t1 - t0)) ms, status $rc)" \
  test "$rc" = 1 -a $((t1 - t0)) -ge 900 -a $((t1 - t0)) -lt 5000
check "... and its process is gone" wait_for 3 sh -c '! pgrep -f "slee[p] 1013" >/dev/null'

t0=$(now_ms); rc=$(rc_of S notmain start); t1=$(now_ms)
check "Type=notify: READY=1 from a process other than the main one is not heard (NotifyAccess=main): start fails ($rc, $((t1 - t0)) ms)" \
  eval '[ "$rc" = 1 ] && grep -q "notmain: a notify message from pid [0-9]* ignored: NotifyAccess=main" "$CONSOLE"'
t0=$(now_ms); S extend start; rc=$?; t1=$(now_ms)
check "EXTEND_TIMEOUT_USEC=3 s moves TimeoutStartSec=1 later: READY=1 after 2 s is in time ($rc, $((t1 - t0)) ms)" \
  test "$rc" = 0 -a $((t1 - t0)) -ge 1900
S wd start
check "WatchdogSec=1: the service sees WATCHDOG_USEC=1000000" test "$(ns_exec cat /run/wd.usec)" = 1000000
check "... WATCHDOG=1 every 0.4 s keeps it up" eval 'sleep 1.5; [ "$(runs wd)" = 1 ] && ns_says "^active$" systemctl is-active wd'
check "... once they stop, the watchdog runs out: SIGABRT, and Restart=on-watchdog starts it again" \
  wait_for 6 eval '[ "$(runs wd)" -ge 2 ]'
check "... the reason is in its status" ns_says "watchdog ran out|killed by signal 6" service wd status
S wd stop
check "a PIDFile= writable by anyone is refused at once (start-stop-daemon's rule): 1" \
  eval '[ "$(rc_of S wwpid start)" = 1 ] && ns_says "writable by anyone" service wwpid status'
check "... and what it started is stopped" wait_for 5 sh -c '! pgrep -f "slee[p] 1053" >/dev/null'

# ---- dependencies of a manual start and stop -------------------------------------------------
check "start of a unit that Requires= and is After= another: that one starts first and is up before" \
  eval 'S app start && [ "$(ns_exec cat /run/order.log | tr "\n" " ")" = "db-up app-pre " ]'
check "... what it Wants= starts along" ns_says "^active$" systemctl is-active helper
check "stopping the required one by hand stops the one that requires it" \
  eval 'S db stop && wait_for 5 ns_says "^inactive$" systemctl is-active app'
check "... but not one it merely wanted" ns_says "^active$" systemctl is-active helper
S bound start
check "BindsTo=: starting it started what it is bound to" ns_says "^active$" systemctl is-active db
ns_exec pkill -KILL -f "slee[p] 1060"
check "... and when that ends by itself, it is stopped too" wait_for 5 ns_says "^inactive$" systemctl is-active bound
check "Requires= a service that does not exist: the start fails and says which" \
  eval '[ "$(rc_of S needy start)" = 1 ] && ns_says "nosuch \(no such service\), which it requires, did not start" service needy status'
check "a Requires=/After= cycle does not hang: both start" \
  eval 'timeout 10 nsenter -t "$PID1" -a -r -w service cyc1 start && ns_says "^active$" systemctl is-active cyc2'
S helper stop; S cyc1 stop; S cyc2 stop

# ---- log durability across restarts ----------------------------------------------------------
S chatty start >/dev/null 2>&1
check "every line of three runs reaches the log (6000 lines through one pipe across restarts)" \
  wait_for 10 eval '[ "$(ns_exec sh -c "grep -c \"^run[0-2] line\" /var/log/guestinit/chatty.log")" = 6000 ]'
check "... in order within each run" eval 'ns_exec sh -c "grep \"^run1 \" /var/log/guestinit/chatty.log" | awk "{ sub(/line/, \"\", \$2); if (\$2 != NR - 1) exit 1 }"'
check "service NAME logs -n 2 prints the last two lines" \
  test "$(ns_exec service chatty logs -n 2 | wc -l)" = 2

S flood start
rotated() { ns_exec sh -c 'ls /var/log/guestinit/flood.log* | wc -l'; }
wait_for 10 eval '[ "$(rotated)" = 6 ] && ns_exec pgrep -f "slee[p] 1040" >/dev/null'
check "7 MiB of output: rotated at 1 MiB, the current file and 5 old ones kept ($(rotated) files)" \
  eval '[ "$(rotated)" = 6 ] && ns_exec test -s /var/log/guestinit/flood.log.5 -a ! -e /var/log/guestinit/flood.log.6'
check "... each old file about 1 MiB, none lost in between" \
  eval 'sizes=$(ns_exec sh -c "wc -c /var/log/guestinit/flood.log.[1-5]" | awk "\$2 != \"total\" && (\$1 < 1048576 || \$1 > 1048576 + 65536) { bad = 1 } END { print bad + 0 }"); [ "$sizes" = 0 ]'
S flood stop

# ---- concurrent control ----------------------------------------------------------------------
starters=
for i in 1 2 3 4 5; do S slowstart start >"$WORK/par$i" 2>&1 & starters="$starters $!"; done
for p in $starters; do wait "$p"; done
check "five starts at once: one start (ExecStartPre ran $(runs slowstart) time(s))" test "$(runs slowstart)" = 1
# (the start returns at the fork: the exec of the one sleep may still be coming)
check "... one main process" wait_for 3 eval '[ "$(pgrep -fc "sleep 1014")" = 1 ]'
S slowstop start
S slowstop stop & stopper=$!
sleep 0.3
t0=$(now_ms); S slowstop start; rc=$?; t1=$(now_ms)
wait "$stopper"
check "a start during a stop waits for the stop ($((t1 - t0)) ms) and then starts ($rc)" \
  eval '[ "$rc" = 0 ] && [ $((t1 - t0)) -ge 500 ] && ns_says "^active$" systemctl is-active slowstop'
check "reload of a stopped service: status 7 (not running)" test "$(rc_of S reloadable reload)" = 7
check "reload of a running one: 0" eval 'S reloadable start && S reloadable reload'

# ---- --status-all with a hanging status ------------------------------------------------------
t0=$(now_ms)
out=$(ns_exec env SERVICE_STATUS_TIMEOUT=1 service --status-all 2>&1)
t1=$(now_ms)
check "--status-all cuts off a hanging status as [ ? ] ($((t1 - t0)) ms)" \
  eval 'grep -qx " \[ ? \]  hang" <<<"$out" && grep -qx " \[ + \]  okay" <<<"$out" && [ $((t1 - t0)) -lt 5000 ]'
check "... and kills it" wait_for 3 sh -c '! pgrep -f "slee[p] 100$" >/dev/null'

# ---- the supervisor killed under running services ---------------------------------------------
S steady start && S ender start && S pair start
main_of() { ns_exec systemctl status "$1" | sed -n 's/.*Main PID: \([0-9]*\).*/\1/p'; }
m0=$(main_of steady)
sd=$(pgrep -P "$PID1" -f guestinit-servicesd | head -n 1)
# stopped first, so that the services write (and one ends) while nobody reads or watches
kill -STOP "$sd"; sleep 2; kill -KILL "$sd"
new_sd() { sd2=$(pgrep -P "$PID1" -f guestinit-servicesd | head -n 1); [ -n "$sd2" ] && [ "$sd2" != "$sd" ]; }
check "PID 1 starts the supervisor again" wait_for 5 new_sd
check "... which adopts the running service: active, the same main PID ($m0)" \
  wait_for 5 eval '[ "$(main_of steady)" = "$m0" ] && ns_says "Active: active \(running\)" service steady status'
check "... whose output lost no line and never met a closed pipe (the main process lives)" \
  eval 'sleep 0.5; ns_exec kill -0 "$m0" && ns_exec sh -c "sed -n \"s/^tick //p\" /var/log/guestinit/steady.log" | awk "\$1 != NR - 1 { exit 1 } END { exit NR < 300 }"'
check "a service that ended while the supervisor was away is restarted per Restart=on-failure" \
  wait_for 5 eval '[ "$(runs ender)" = 2 ] && ns_says "Active: active" service ender status'
check "a group without a main process is adopted as running" ns_says "Active: active \(running\)" service pair status
m1=$(pgrep -f 'slee[p] 1031' | head -n 1)
t0=$(now_ms); ns_exec kill -KILL "$m0"
back() { m=$(main_of steady); [ -n "$m" ] && [ "$m" != "$m0" ]; }
wait_for 5 back; t1=$(now_ms)
check "kill -9 of an adopted main process: running again ($((t1 - t0)) ms; it is PID 1's child now)" \
  eval 'back && [ $((t1 - t0)) -lt 1000 ]'
pkill -KILL -f 'slee[p] 103[23]'
check "an adopted group that empties is seen to end" wait_for 5 ns_says "Active: inactive" service pair status
check "stop of an adopted service ends its process" eval 'S ender stop && ! kill -0 "$m1" 2>/dev/null'
check "... and of a restarted one: status 3" eval 'S steady stop && [ "$(rc_of S steady status)" = 3 ]'
finish
