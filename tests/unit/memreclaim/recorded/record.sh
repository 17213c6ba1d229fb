#!/bin/sh
# Records memreclaim's inputs in the guest, once a second, for test_recorded.c: what the
# sampler reads (/proc/stat's first line, memreclaimd's /proc/PID/stat as /proc/self/stat,
# /proc/meminfo, /proc/pressure/*), each sample headed "@ UPTIME". Run with memoryReclaim
# disabled, so that the recording is of the workload and not of reclaim. Builtins only, but
# for one sleep a second: under TCG each process start is about 1% of the VM, and the
# recording must not be its own load.
# Usage (in the guest): sh record.sh SECONDS WORKLOAD-COMMAND > TRACE
n=$1; shift
mr=$(pgrep -f '^guestinit-memreclai[m]d')
( sleep 3; sh -c "$*" >/dev/null 2>&1 ) &
dump() { while IFS= read -r l; do printf '%s\n' "$l"; done < "$1"; }
i=0
while [ "$i" -lt "$n" ]; do
  read -r up _ < /proc/uptime
  echo "@ $up"
  echo "== /proc/stat"; read -r l < /proc/stat; printf '%s\n' "$l"
  echo "== /proc/self/stat"; dump "/proc/$mr/stat"
  echo "== /proc/meminfo"; dump /proc/meminfo
  for f in memory io; do echo "== /proc/pressure/$f"; dump "/proc/pressure/$f"; done
  sleep 1
  i=$((i + 1))
done
wait
