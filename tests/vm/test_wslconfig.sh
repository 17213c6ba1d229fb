#!/bin/bash
# ~/.wslconfig in the real VM: processors, memory, swap, pageReporting and kernelCommandLine do
# what WSL documents (nproc, MemTotal, swapon --show, QEMU's balloon, /proc/cmdline); a
# second boot from ~/.wslconfig itself with bad values: each one warning naming file, line
# and key, the defaults in force, and swap=0 no swap; a third with vmIdleTimeout. Every VM this suite starts is stopped
# by its EXIT trap.
SUITE=vmwslconfig
set -u
: "${GUESTHOST:?}" "${GUESTHOST_INIT:?}"
. "$(dirname "$0")/lib.sh" vmwslconfig

cleanup() {
  vm_stop
  rm -rf "$WORK"
}
trap cleanup EXIT
g() { gh run -- sh -c "$1"; }

printf '%s\n' "[wsl2]" "processors=1" "memory=768MB" "swap=256MB" "pageReporting=false" \
  "kernelCommandLine=gi.wslconfig=1" > "$WORK/one.wslconfig"
gh start --config "$WORK/one.wslconfig" >"$WORK/start1.out" 2>&1; rc=$?
check "a boot with processors=1, memory=768MB, swap=256MB, pageReporting=false (status $rc)" test "$rc" = 0
[ "$rc" = 0 ] || { tail -n 20 "$WORK/start1.out" "$GH_STATE/console.log"; finish; exit 1; }
check "processors=1: nproc is 1" test "$(g nproc)" = 1
mem=$(g "sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo")
check "memory=768MB: MemTotal is under 768 MiB and over 600 MiB (${mem} kB)" eval '[ "$mem" -le 786432 ] && [ "$mem" -ge 614400 ]'
sw=$(g "swapon --show=NAME,SIZE --noheadings" | tr -s ' ')
check "swap=256MB: swapon --show lists the swap disk (${sw})" test "$sw" = "/dev/vdb 256M"
check "... which the host made in the state folder (swap.img, 256 MiB, mode 0600)" \
  eval 'test "$(stat -c "%s %a" "$GH_STATE/swap.img")" = "268435456 600"'
qpid=$(cat "$GH_STATE/qemu.pid")
check "pageReporting=false: QEMU's balloon has no free page reporting" \
  eval 'tr "\0" " " < /proc/$qpid/cmdline | grep -q "virtio-balloon-pci " && ! grep -q free-page-reporting /proc/$qpid/cmdline'
check "kernelCommandLine: the guest's /proc/cmdline ends with it" eval 'g "cat /proc/cmdline" | grep -q " gi.wslconfig=1$"'
gh shutdown >/dev/null 2>&1

# the user's own ~/.wslconfig, with mistakes
mkdir -p "$WORK/home"
printf '%s\n' "[wsl2]" "memory=lots" "processors=999" "vmIdle=5" "swap=0" "networkingMode=bridged" > "$WORK/home/.wslconfig"
HOME=$WORK/home gh start >"$WORK/start2.out" 2>&1; rc=$?
check "a boot from ~/.wslconfig with bad values still boots (status $rc)" test "$rc" = 0
f=$WORK/home/.wslconfig
check "memory=lots: one warning naming file, line and key" grep -qF "guesthost: .wslconfig: $f:2: invalid value 'lots' for 'wsl2.memory'" "$WORK/start2.out"
check "processors=999: warned, more than the host has" grep -qF "$f:3: invalid value '999' for 'wsl2.processors' (expected a count from 1 to $(nproc)" "$WORK/start2.out"
check "an unknown key: warned" grep -qF "$f:4: unknown key 'wsl2.vmIdle', ignored" "$WORK/start2.out"
check "networkingMode=bridged: warned, nat used" grep -qF "$f:6: invalid value 'bridged' for 'wsl2.networkingMode' (bridged is not a mode of this host" "$WORK/start2.out"
check "... four warnings in all" test "$(grep -c 'guesthost: .wslconfig: ' "$WORK/start2.out")" = 4
check "the defaults are in force: 2 processors, about 2 GiB" \
  eval 'test "$(g nproc)" = 2 && [ "$(g "sed -n \"s/^MemTotal: *\([0-9]*\) kB/\1/p\" /proc/meminfo")" -gt 1800000 ]'
check "swap=0: no swap" test -z "$(g 'swapon --show --noheadings')"
qpid=$(cat "$GH_STATE/qemu.pid")
check "pageReporting's default: free page reporting on" grep -q "free-page-reporting=on" "/proc/$qpid/cmdline"
gh shutdown >/dev/null 2>&1

# vmIdleTimeout: the VM stays while a service runs, and powers off once none runs and no
# session is open
printf '%s\n' "[wsl2]" "vmIdleTimeout=5000" > "$WORK/idle.wslconfig"
gh start --config "$WORK/idle.wslconfig" >"$WORK/start3.out" 2>&1; rc=$?
check "a boot with vmIdleTimeout=5000 (status $rc)" test "$rc" = 0
qpid=$(cat "$GH_STATE/qemu.pid")
check "... the host hears how many services run (guesthost status: services.running)" \
  wait_for 10 eval 'gh status | grep -qE "^services\.running: [1-9]"'
sleep 8
check "... with services running, the VM is up after 8 s with no session" alive "$qpid"
g 'systemctl list-units --type=service --state=running --no-legend | awk "{ print \$1 }" | xargs -r systemctl stop'
t0=$(now_ms)
check "... with every service stopped and no session, the VM powers off within 5 s + 5 s" \
  wait_for 10 eval '! alive "$qpid"'
check "... a poweroff the agent asked for, said in its log ($(( $(now_ms) - t0 )) ms)" \
  grep -q "no session and no service for 5000 ms (vmIdleTimeout): powering the VM off" "$GH_STATE/agent.log"
finish
