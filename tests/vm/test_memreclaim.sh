#!/bin/bash
# memreclaim in the real VM, measured on the host from QEMU's RSS (LAB.md), the part of it that
# is guest RAM (guesthost status; TCG's translation cache is the rest): 1 GiB of page cache
# goes back to the host within 30 s of idle in gradual mode and stays in disabled mode; while a
# CPU+I/O workload runs for 60 s nothing is reclaimed and the workload takes as long as with
# reclaim disabled; a killed daemon is restarted by PID 1 and finishes the job. The host sees
# the figures in `guesthost status`. Every VM this suite starts is stopped by its EXIT trap.
SUITE=vmmemreclaim
set -u
: "${GUESTHOST:?}" "${GUESTHOST_INIT:?}"
. "$(dirname "$0")/lib.sh" vmmemreclaim

cleanup() {
  vm_stop
  rm -rf "$WORK"
}
trap cleanup EXIT
g() { gh run -- sh -c "$1"; }
# the part of QEMU's resident memory that is guest RAM (guesthost status): under TCG the rest
# includes up to 1 GiB of translated code, which has nothing to do with reclaim
rss_kb() { gh status | sed -n 's/^guest_ram_rss_kib: //p'; }
qemu_rss_kb() { gh status | sed -n 's/^qemu_rss_kib: //p'; }
stat_of() { g "sed -n 's/^$1=//p' /run/guestinit/memreclaim"; }
cache_kb() { g 'awk "/^(Active|Inactive)\\(file\\)/ { s += \$2 } END { print s }" /proc/meminfo'; }
set_mode() { g "printf '[guestinit]\\nmemoryReclaim=$1\\n' > /etc/wsl.conf"; wait_for 10 eval '[ "$(stat_of mode)" = "$1" ]'; }
fill_cache() { g 'truncate -s 1G /var/tmp/big && cat /var/tmp/big > /dev/null'; }
# Waiting in the guest costs work, and work restarts the idle window: the guest waits by itself,
# with builtins and one sleep a second (under TCG a process start is about 1% of the VM's CPU). mrwait STATE SECONDS [kill]: until the figures say state=STATE;
# with kill, then kills the daemon and prints its pid.
cat > "$WORK/mrwait" <<'EOS'
n=$2; st= why=
while [ "$n" -gt 0 ]; do
  while IFS== read -r k v; do [ "$k" = state ] && st=$v; [ "$k" = why ] && why=$v; done < /run/guestinit/memreclaim
  [ "$st" = "$1" ] && break
  sleep 1; n=$((n - 1))
done
[ "$st" = "$1" ] || { echo "state is $st ($why), not $1" >&2; exit 1; }
if [ "${3:-}" = kill ]; then pid=$(pgrep -f "^guestinit-memreclai[m]d"); kill -9 "$pid"; echo "$pid"; fi
EOS
mrwait() { g "sh /var/tmp/mrwait $*"; }

gh start --memory-reclaim gradual >"$WORK/start.out" 2>&1; rc=$?
check "boot with --memory-reclaim gradual (status $rc)" test "$rc" = 0
[ "$rc" = 0 ] || { tail -n 20 "$WORK/start.out" "$GH_STATE/console.log"; finish; exit 1; }

check "PID 1 runs guestinit-memreclaimd" g 'pgrep -f "^guestinit-memreclai[m]d" >/dev/null'
# it starts before hostd has the host's WELCOME, and takes the host's mode within a tick of it
check "... in the host's mode (gradual), at idle CPU priority" \
  wait_for 10 eval '[ "$(stat_of mode_source)" = host ] && g "chrt -p \$(pgrep -f \"^guestinit-memreclai[m]d\") | grep -q SCHED_IDLE"'
check "the host sees its figures in guesthost status" wait_for 10 eval 'gh status | grep -q "^memreclaim.mode: gradual"'
gh run -- sh -c 'cat > /var/tmp/mrwait' < "$WORK/mrwait"
mrwait done 40

# ---- gradual: 1 GiB of cache, then idle ------------------------------------------------------
r0=$(rss_kb)
# one session for the read and the figures: any guest command after it would be work that
# restarts the idle window
set -- $(g 'truncate -s 1G /var/tmp/big && cat /var/tmp/big > /dev/null &&
  awk "/^(Active|Inactive)\(file\)/ { s += \$2 } END { print s }" /proc/meminfo &&
  sed -n "s/^floor_bytes=//p" /run/guestinit/memreclaim')
t0=$(now_ms)
c1=${1:-0}; floor_kb=$(( ${2:-0} / 1024 )); r1=$(rss_kb)
want=$(( (c1 - floor_kb) * 9 / 10 ))
low=$r1; t_hit=
while [ $(( $(now_ms) - t0 )) -lt 30000 ]; do
  r=$(rss_kb); [ "$r" -lt "$low" ] && low=$r
  if [ -z "$t_hit" ] && [ $(( r1 - low )) -ge "$want" ]; then t_hit=$(( $(now_ms) - t0 )); break; fi
  sleep 1
done
echo "  gradual: guest RAM resident in QEMU ${r0} kB before, ${r1} kB with the cache (${c1} kB, floor ${floor_kb} kB), lowest ${low} kB; all of QEMU now $(qemu_rss_kb) kB"
check "gradual: the guest RAM QEMU holds falls by >= 90% of the cache above the floor within 30 s of idle ($(( (r1 - low) / 1024 )) of $(( (c1 - floor_kb) / 1024 )) MiB, ${t_hit:-no}${t_hit:+ ms})" \
  test -n "$t_hit"
# 90% can be back before the last steps: the figures and what is left are read at the end
check "... its figures say what it did once done (asked, reclaimed, compacted)" \
  eval 'mrwait done 30 && [ "$(stat_of asked_bytes)" -gt 0 ] && [ "$(stat_of reclaimed_bytes)" -gt 0 ] && [ "$(stat_of compactions)" -ge 1 ]'
c2=$(cache_kb)
check "... and not far below the floor ($(( c2 / 1024 )) MiB left, floor $(( floor_kb / 1024 )) MiB; the kernel frees more than asked)" \
  test "$c2" -ge $(( floor_kb * 3 / 4 ))

# ---- disabled: the cache stays ---------------------------------------------------------------
set_mode disabled
asked0=$(stat_of asked_bytes)
fill_cache
c1=$(cache_kb); r1=$(rss_kb); low=$r1
for i in $(seq 30); do r=$(rss_kb); [ "$r" -lt "$low" ] && low=$r; sleep 1; done
echo "  disabled: guest RAM resident in QEMU ${r1} kB with the cache (${c1} kB), lowest ${low} kB in 30 s"
check "disabled: the guest RAM QEMU holds does not fall in 30 s of idle ($(( (r1 - low) / 1024 )) MiB)" \
  test $(( r1 - low )) -lt $(( (c1 - floor_kb) / 10 ))
check "... and nothing was asked" test "$(stat_of asked_bytes)" = "$asked0"

# ---- busy: a CPU+I/O workload, 60 s in gradual ---------------------------------------------
# one round: write 16 MiB through to the disk, compress it. The rounds run in blocks in the
# order disabled, gradual, gradual, disabled, each timed in the guest: this machine is itself a
# VM whose speed drifts over minutes (one run's disabled minute and gradual minute, one after
# the other, differed by 29%), and a drift that is linear over the four blocks cancels in the
# sums. The first block counts the rounds that fit in 30 s; the gradual two are one session.
cat > "$WORK/work.sh" <<'EOS'
round() { dd if=/dev/urandom of=/var/tmp/w bs=1M count=16 conv=fsync 2>/dev/null; gzip -1 -c /var/tmp/w > /dev/null; }
t0=$(date +%s%N); n=0
if [ "$1" = count ]; then
  end=$(( $(date +%s) + $2 ))
  while [ "$(date +%s)" -lt "$end" ]; do round; n=$((n + 1)); done
else
  while [ $n -lt "$1" ]; do round; n=$((n + 1)); done
fi
echo "$n $(( ($(date +%s%N) - t0) / 1000000 ))"
EOS
gh run -- sh -c 'cat > /var/tmp/work.sh' < "$WORK/work.sh"
set -- $(g 'sh /var/tmp/work.sh count 30'); rounds=${1:-0}; t_d1=${2:-0}
g 'sh /var/tmp/work.sh 2 >/dev/null' & warm=$!
sleep 2; set_mode gradual
wait "$warm"
asked0=$(stat_of asked_bytes); drops0=$(stat_of drop_caches)
set -- $(g "sh /var/tmp/work.sh $(( rounds * 2 ))"); t_gradual=${2:-0}
check "busy for 60 s in gradual: nothing reclaimed (asked $(( $(stat_of asked_bytes) - asked0 )) bytes)" \
  eval '[ "$(stat_of asked_bytes)" = "$asked0" ] && [ "$(stat_of drop_caches)" = "$drops0" ]'
set_mode disabled
set -- $(g "sh /var/tmp/work.sh $rounds"); t_d2=${2:-0}
t_disabled=$(( t_d1 + t_d2 ))
pct=$(( t_gradual * 100 / (t_disabled > 0 ? t_disabled : 1) ))
check "... and the workload ($(( rounds * 2 )) rounds) took ${t_gradual} ms against ${t_disabled} ms disabled (${t_d1} before, ${t_d2} after; ${pct}%, within noise: 85-115%)" \
  test "$rounds" -gt 0 -a "$pct" -ge 85 -a "$pct" -le 115
set_mode gradual

# ---- the daemon killed in the middle -----------------------------------------------------------
fill_cache
pid=$(mrwait reclaiming 60 kill)
check "kill -9 while reclaiming (pid ${pid:-none}): PID 1 starts it again" \
  wait_for 10 eval '[ -n "$pid" ] && p=$(g "pgrep -f \"^guestinit-memreclai[m]d\""); [ -n "$p" ] && [ "$p" != "$pid" ]'
check "... and the new one takes the cache down to the floor" \
  eval 'mrwait done 60 && [ "$(cache_kb)" -lt $(( floor_kb * 2 + 65536 )) ]'
check "... and the guest is fine" g 'cat /var/tmp/big | head -c 1 >/dev/null && echo ok | grep -q ok'
finish
