#!/bin/bash
# Reaping: a storm of 10,000 orphans that end at once leaves no zombie behind.
SUITE=reap
. "$(dirname "$0")/lib.sh"

ns_root reap
ns_start reap
out=$(ns_exec /opt/gi/orphans 10000)
check "10,000 orphaned grandchildren spawned" test "$out" = "spawned 10000"
sleep 1
# counted from outside, so that no probe process of ours is among them
zombies=$(ns_procs Z)
check "zero zombies 1 s later (found $zombies)" test "$zombies" -eq 0
procs=$(ns_procs)
check "only PID 1, logd and the service supervisor remain (found $procs)" test "$procs" -eq 3
check "PID 1 survived the storm" test "$(cut -d' ' -f3 /proc/$PID1/stat)" = S
finish
