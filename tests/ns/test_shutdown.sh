#!/bin/bash
# Shutdown: SIGTERM, a child that ignores it, reboot/poweroff/halt from inside, signals.
SUITE=shutdown
. "$(dirname "$0")/lib.sh"

ns_root sd
write_conf "[guestinit]" "shutdownTimeout = 1500"

ns_start quick
t0=$(now_ms)
kill -TERM "$PID1"
ns_wait_exit 5
t=$(( $(now_ms) - t0 ))
check "SIGTERM powers off in order, exit 0 (rc $RC)" test "$RC" -eq 0
check "... quickly when nothing resists (${t} ms < 1500)" test "$t" -lt 1500
check "... through the shutdown sequence" grep -q "poweroff requested" "$CONSOLE"

ns_start stubborn
ns_exec sh -c 'trap "" TERM; sleep 1000 & echo started' >/dev/null
sleep 0.2
t0=$(now_ms)
kill -TERM "$PID1"
ns_wait_exit 5
t=$(( $(now_ms) - t0 ))
check "a TERM-ignoring child is SIGKILLed: ended (rc $RC)" test "$RC" -eq 0
check "... after the timeout (${t} ms >= 1500)" test "$t" -ge 1500
check "... within timeout + 1 s (${t} ms <= 2500)" test "$t" -le 2500
check "... and the console says why" grep -q "sending SIGKILL" "$CONSOLE"

ns_start poweroff
ns_power poweroff
ns_wait_exit 5
check "poweroff inside ends the namespace with 0 (rc $RC)" test "$RC" -eq 0

ns_start reboot
ns_power reboot
ns_wait_exit 5
check "reboot inside ends it the kernel's reboot way, SIGHUP (rc $RC)" test "$RC" -eq 129
check "... after an orderly shutdown" grep -q "reboot requested" "$CONSOLE"

ns_start shutdownnow
ns_power shutdown -h now
ns_wait_exit 5
check "shutdown -h now powers off (rc $RC)" test "$RC" -eq 0

ns_start telinit
ns_power telinit 6
ns_wait_exit 5
check "telinit 6 reboots (rc $RC)" test "$RC" -eq 129

ns_start sigint
kill -INT "$PID1"
ns_wait_exit 5
check "SIGINT (ctrl-alt-del) reboots (rc $RC)" test "$RC" -eq 129

ns_start tstp
kill -TSTP "$PID1"; kill -TTIN "$PID1"; kill -TTOU "$PID1"
sleep 0.2
state=$(cut -d' ' -f3 "/proc/$PID1/stat")
check "PID 1 ignores TSTP/TTIN/TTOU (state $state)" test "$state" = S
check "... and still answers" ns_says 'state: running' /init guestinit status
finish
