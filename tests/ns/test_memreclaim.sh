#!/bin/bash
# guestinit-memreclaimd against a root of fake /proc and /sys files (its --root): what it reads
# is written here, what it does lands in files here. Busy does nothing; idle reclaims in steps
# through memory.reclaim and compacts; a step that frees nothing is not repeated; dropcache and
# a missing memory.reclaim drop caches once; disabled does nothing; wsl.conf changes are picked
# up; a /proc file it cannot parse is named and it carries on. The real effect on the host's
# memory is tests/vm/test_memreclaim.sh's.
SUITE=memreclaim
. "$(dirname "$0")/lib.sh"

R=$WORK/root
mkdir -p "$R/proc/self" "$R/proc/pressure" "$R/proc/sys/vm" "$R/sys/fs/cgroup" "$R/run/guestinit" "$R/etc"
: > "$R/sys/fs/cgroup/memory.reclaim"
: > "$R/proc/sys/vm/drop_caches"
: > "$R/proc/sys/vm/compact_memory"
echo '42 (guestinit-memreclaimd) S 1 42 42 0 -1 4194560 100 0 0 0 7 9 0 0 39 19 1 0 5' > "$R/proc/self/stat"
printf 'MemTotal:       2097152 kB\nMemFree:         524288 kB\nActive(file):    524288 kB\nInactive(file):  524288 kB\n' \
  > "$R/proc/meminfo"
for f in memory io; do
  printf 'some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n' \
    > "$R/proc/pressure/$f"
done
printf '[guestinit]\nmemoryReclaimIdle=2000\n' > "$R/etc/wsl.conf"
echo 0 > "$WORK/load"
printf 'cpu  0 0 0 0 0 0 0 0 0 0\n' > "$R/proc/stat"

# /proc/stat moves on every 0.2 s: LOAD of each 40 ticks (2 CPUs at 100 Hz) are someone's work
( busy=0 idle=0
  while :; do
    load=$(cat "$WORK/load")
    busy=$((busy + load)); idle=$((idle + 40 - load))
    printf 'cpu  %d 0 0 %d 0 0 0 0 0 0\n' "$busy" "$idle" > "$R/proc/stat.new" && mv "$R/proc/stat.new" "$R/proc/stat"
    sleep 0.2
  done ) &
ticker=$!
bash -c 'exec -a guestinit-memreclaimd "$0" --root "$1"' "$INIT" "$R" > "$WORK/daemon.log" 2>&1 &
daemon=$!
trap 'kill $ticker $daemon 2>/dev/null; wait $ticker $daemon 2>/dev/null; cleanup' EXIT
st() { sed -n "s/^$1=//p" "$R/run/guestinit/memreclaim" 2>/dev/null; }
knob() { cat "$R/$1"; }

echo 20 > "$WORK/load" # half the machine
check "it writes its figures: gradual by default" wait_for 5 eval '[ "$(st mode)" = gradual ] && [ "$(st mode_source)" = default ]'
sleep 4
check "busy (50% CPU) for 4 s: state busy, nothing asked, no knob touched" \
  eval '[ "$(st state)" = busy ] && [ "$(st asked_bytes)" = 0 ] && [ -z "$(knob sys/fs/cgroup/memory.reclaim)$(knob proc/sys/vm/compact_memory)" ]'
check "... its reason shows the load" eval 'st why | grep -q "busy (cpu 50.0%"'

echo 0 > "$WORK/load"
check "idle past memoryReclaimIdle=2000: one step of 256 MiB (1/8 of RAM) through memory.reclaim" \
  wait_for 6 eval '[ "$(knob sys/fs/cgroup/memory.reclaim)" = 268435456 ]'
check "... the cache did not move (it is fake): no second step, compaction instead, then done" \
  wait_for 5 eval '[ "$(knob proc/sys/vm/compact_memory)" = 1 ] && [ "$(st state)" = done ] && [ "$(st asked_bytes)" = 268435456 ]'
check "... with the reason" eval 'st why | grep -q "the rest of the cache cannot be reclaimed now"'

: > "$R/proc/sys/vm/compact_memory"
printf '[guestinit]\nmemoryReclaimIdle=2000\nmemoryReclaim=dropcache\n' > "$R/etc/wsl.conf"
check "wsl.conf memoryReclaim=dropcache is picked up without a restart (within a settled tick, 10 s)" \
  wait_for 13 eval '[ "$(st mode)" = dropcache ] && [ "$(st mode_source)" = wsl.conf ]'
check "... it drops caches once and compacts" \
  wait_for 5 eval '[ "$(knob proc/sys/vm/drop_caches)" = 1 ] && [ "$(knob proc/sys/vm/compact_memory)" = 1 ] && [ "$(st drop_caches)" = 1 ]'
sleep 2
check "... and not again in the same idle period" test "$(st drop_caches)" = 1

echo 30 > "$WORK/load"; sleep 1; echo 0 > "$WORK/load"
printf '[guestinit]\nmemoryReclaimIdle=2000\nmemoryReclaim=disabled\n' > "$R/etc/wsl.conf"
sleep 8
check "disabled: a new idle period does nothing" \
  eval '[ "$(st mode)" = disabled ] && [ "$(st state)" = disabled ] && [ "$(st drop_caches)" = 1 ]'

rm "$R/sys/fs/cgroup/memory.reclaim"
echo 30 > "$WORK/load"; sleep 1; echo 0 > "$WORK/load"
printf '[guestinit]\nmemoryReclaimIdle=2000\nmemoryReclaim=gradual\n' > "$R/etc/wsl.conf"
check "gradual without memory.reclaim: drop_caches instead, once" \
  wait_for 12 eval '[ "$(st drop_caches)" = 2 ]'

printf '[guestinit]\nmemoryReclaim=sometimes\n' > "$R/etc/wsl.conf"
check "a bad memoryReclaim= in wsl.conf is named, and the host's choice (here the default) stays" \
  wait_for 8 eval 'grep -q "memoryReclaim" "$WORK/daemon.log" && grep -q "sometimes" "$WORK/daemon.log" && [ "$(st mode)" = gradual ]'

echo garbage > "$R/proc/meminfo"
check "a /proc/meminfo it cannot parse is named, and it carries on" \
  wait_for 8 eval 'grep -q "cannot read /proc/meminfo" "$WORK/daemon.log" && kill -0 $daemon'
kill -TERM "$daemon"; wait "$daemon"; rc=$?
check "SIGTERM ends it with status 0 ($rc), no sanitizer report" \
  eval '[ "$rc" = 0 ] && ! grep -q Sanitizer "$WORK/daemon.log"'
[ "$FAILED" = 0 ] || { echo "--- the daemon's log:"; tail -n 20 "$WORK/daemon.log"; }
finish
