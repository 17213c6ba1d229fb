#!/bin/bash
# Internal daemons: logd runs, writes the log file, and comes back after SIGKILL.
SUITE=daemons
. "$(dirname "$0")/lib.sh"

logd_pid() { pgrep -P "$PID1" -x guestinit-logd; } # as the machine sees it

ns_root daemons
ns_start daemons
wait_for 5 logd_pid >/dev/null
first=$(logd_pid)
check "logd runs as a child of PID 1" test -n "$first"
check "the log file has the boot" wait_for 5 grep -q "ready in" "$ROOT/var/log/guestinit.log"
kill -KILL "$first"
restarted() { p=$(logd_pid) && [ "$p" != "$first" ]; }
wait_for 3 restarted
second=$(logd_pid)
check "SIGKILLed logd is restarted at once ($first -> $second)" test -n "$second" -a "$second" != "$first"
check "... and the death is logged" grep -q "logd (pid [0-9]*) killed by signal 9" "$CONSOLE"
check "status lists it running with one restart" \
  ns_says 'daemon logd: running, pid [0-9]+, up [0-9]+ s, restarts 1' /init guestinit status
kill -USR1 "$PID1"
check "SIGUSR1 reopens the logs" wait_for 3 grep -q "reopening logs" "$CONSOLE"
check "lines logged after the restart reach the file" wait_for 3 grep -q "reopening logs" "$ROOT/var/log/guestinit.log"
finish
