#!/bin/bash
# The VM's power from inside the guest: a reboot there comes back (the same QEMU, drives and
# configuration; status shows the new boot), guesthost shutdown --reboot returns once it has,
# a poweroff ends QEMU and the agent with it (status: stopped), a panic ends QEMU instead of
# looping, and a guest that never gets ready is ended at the boot timeout, by start or, when
# start is gone, by the agent. Every VM and agent this suite starts is stopped by its EXIT
# trap, whatever happened.
SUITE=power
set -u
: "${GUESTHOST:?}" "${GUESTHOST_INIT:?}"
. "$(dirname "$0")/lib.sh" power

starter=
cleanup() {
  [ -z "$starter" ] || kill -KILL "$starter" 2>/dev/null
  vm_stop
  rm -rf "$WORK"
}
trap cleanup EXIT

boots_is() { gh status 2>/dev/null | grep -q "^boots: $1 "; }
boot() { # boot NAME
  gh start --drive "C=$WORK/c" >"$WORK/$1.out" 2>&1; rc=$?
  check "boot '$1' (status $rc)" test "$rc" = 0
  [ "$rc" = 0 ] || { tail -n 20 "$WORK/$1.out" "$GH_STATE/console.log"; finish; exit 1; }
  qemu=$(cat "$GH_STATE/qemu.pid") agent=$(cat "$GH_STATE/agent.pid")
}
mkdir -p "$WORK/c"
echo "from the host" > "$WORK/c/hello.txt"

# ---- a poweroff in the guest ---------------------------------------------------------------
boot first
gh status >"$WORK/status1.out"
check "status gives the connection's local time and its age" \
  grep -qE "^guest: connected since [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} .*\(([0-9]+ min )?[0-9]+ s ago\)$" \
  "$WORK/status1.out"

# ---- a reboot in the guest -----------------------------------------------------------------
# with [boot] command, [user] default and [filesystem] umask for the next boot (issue 11's
# checks without systemd)
gh run -- sh -c 'useradd -m -s /bin/bash -G adm dev && cp /etc/wsl.conf /var/tmp/wsl.conf.orig &&
  printf "%s\n" "[boot]" "command=echo \"ran \$(id -un) nginx \$(systemctl is-active nginx)\" >> /var/tmp/boot-command" \
    "[user]" "default=dev" "[filesystem]" "umask=027" > /etc/wsl.conf'
b1=$(gh run -- cat /proc/sys/kernel/random/boot_id)
mem1=$(gh run -- awk '/^MemTotal/ { print $2 }' /proc/meminfo)
gh run --user root -- reboot >/dev/null 2>&1
check "a reboot in the guest comes back: status shows boot 2 within 120 s" wait_for 120 boots_is 2
check "... in the same QEMU, reset in place" eval 'alive "$qemu" && test "$(cat "$GH_STATE/qemu.pid")" = "$qemu"'
b2=$(gh run -- cat /proc/sys/kernel/random/boot_id)
check "a session after the reboot works, in a new boot (boot id $b1 -> $b2)" eval 'test -n "$b2" && test "$b2" != "$b1"'
check "... with the same drives (C: at /mnt/c)" test "$(gh run -- cat /mnt/c/hello.txt)" = "from the host"
check "... and the same configuration (MemTotal $mem1 kB)" \
  test "$(gh run -- awk '/^MemTotal/ { print $2 }' /proc/meminfo)" = "$mem1"
check "[boot] command ran once, as root, after the enabled services were up ($(gh run --user root -- cat /var/tmp/boot-command 2>/dev/null))" \
  wait_for 10 eval 'test "$(gh run --user root -- cat /var/tmp/boot-command 2>/dev/null)" = "ran root nginx active"'
env_line=$(gh run -- sh -c 'echo "$(id -un) $HOME $USER $LOGNAME $SHELL $(umask) $WSL_DISTRO_NAME $(id -Gn | tr " " ,)"; test -S "$WSL_INTEROP" && echo interop')
check "[user] default=dev: the session's login environment: user, HOME, USER, LOGNAME, SHELL, umask 027, WSL_DISTRO_NAME, groups, WSL_INTEROP ($(echo $env_line))" \
  test "$env_line" = "$(printf 'dev /home/dev dev dev /bin/bash 0027 Debian dev,adm\ninterop')"
check "... and --user root still runs as root" test "$(gh run --user root -- id -un)" = root
gh run --user root -- sh -c 'cp /var/tmp/wsl.conf.orig /etc/wsl.conf'
check "... and root is the default again once wsl.conf says so" test "$(gh run -- id -un)" = root
gh status >"$WORK/status-reboot.out"
check "status: the new boot's ready line, and start's figures as the first boot's" \
  eval 'grep -q "^ready: guestinit: ready in" "$WORK/status-reboot.out" && grep -q "^first boot: guestinit: ready in" "$WORK/status-reboot.out"'
check "the console has both boots" test "$(grep -c "guestinit: ready in" "$GH_STATE/console.log")" = 2
gh shutdown --reboot >"$WORK/shutdown-reboot.out" 2>&1; rc=$?
check "shutdown --reboot returns once the new boot is ready (status $rc)" \
  eval 'test "$rc" = 0 && grep -q "the guest rebooted: guestinit: ready in" "$WORK/shutdown-reboot.out" && boots_is 3'
check "... and sessions work at once" test "$(gh run -- echo back)" = back

# ---- a poweroff in the guest stays off ----------------------------------------------------
gh run -- poweroff >/dev/null 2>&1
check "a poweroff in the guest ends QEMU" wait_for 60 eval '! alive "$qemu"'
check "... and the agent ends with it" wait_for 5 eval '! alive "$agent"'
gh status >"$WORK/status2.out" 2>&1; rc=$?
check "status after it: 'state: stopped', status 3 (got $rc: $(head -n 1 "$WORK/status2.out"))" \
  eval 'test "$rc" = 3 && grep -qx "state: stopped" "$WORK/status2.out"'
check "the guest's shutdown was orderly (console)" grep -q "guestinit: shutdown: poweroff" "$GH_STATE/console.log"
# a start without options boots as the last start that gave any did: its drives come back
gh start >"$WORK/again.out" 2>&1; rc=$?
check "start without options after it (status $rc) says it repeats the last start's options" \
  eval 'test "$rc" = 0 && grep -q "starting with the last start.s options: --drive C=$WORK/c" "$WORK/again.out"'
[ "$rc" = 0 ] || { tail -n 20 "$WORK/again.out" "$GH_STATE/console.log"; finish; exit 1; }
qemu=$(cat "$GH_STATE/qemu.pid") agent=$(cat "$GH_STATE/agent.pid")
check "a session after the new start works, with the same drive C:" test "$(gh run -- cat /mnt/c/hello.txt)" = "from the host"

# ---- an agent killed and restarted ends with its QEMU too -----------------------------------
kill -KILL "$agent"
wait_for 5 eval '! alive "$agent"'
gh start >"$WORK/restart.out" 2>&1
check "start restarts a killed agent" grep -q "agent was restarted" "$WORK/restart.out"
agent=$(cat "$GH_STATE/agent.pid")
# (the guest's host channel dials the new agent again after a backoff)
again() { test "$(gh run -- sh -c 'mkdir -p /mnt/again && { mountpoint -q /mnt/again || mount -t drvfs C: /mnt/again; } &&
  cat /mnt/again/hello.txt' 2>/dev/null)" = "from the host"; }
check "... which serves the drives again once the guest is back: a new mount of C: works" wait_for 30 again
kill -TERM "$qemu"   # QEMU ends without the guest's word
check "the restarted agent ends with QEMU" wait_for 10 eval '! alive "$agent"'
gh status >/dev/null 2>&1; rc=$?
check "status then: stopped (3)" test "$rc" = 3

# ---- a panic ends QEMU (pvpanic) instead of a reboot loop ----------------------------------
boot panic
check "stage 1 loaded the pvpanic driver" eval 'gh run -- grep -q "^pvpanic_pci " /proc/modules'
timeout 60 "$WORK/gh" run -- sh -c 'echo c > /proc/sysrq-trigger' >/dev/null 2>&1 &
check "a panic in the guest ends QEMU" wait_for 60 eval '! alive "$qemu"'
wait
check "... after one boot, no second (console)" \
  eval 'grep -q "Kernel panic" "$GH_STATE/console.log" && test "$(grep -c "guestinit: ready in" "$GH_STATE/console.log")" = 1'
check "... and the agent ends with it" wait_for 5 eval '! alive "$agent"'
gh status >/dev/null 2>&1; rc=$?
check "status after the panic: stopped (3)" test "$rc" = 3

# ---- a guest that never gets ready (busybox's init as /init: it never dials the host) -------
bb=$(command -v busybox)
GUESTHOST_INIT=$bb gh start --boot-timeout 20 >"$WORK/notready.out" 2>&1; rc=$?
qemu=$(cat "$GH_STATE/qemu.pid" 2>/dev/null) agent=$(cat "$GH_STATE/agent.pid" 2>/dev/null)
check "start with a guest that never gets ready fails at its boot timeout (status $rc)" \
  eval 'test "$rc" = 1 && grep -q "the guest was not ready within 20 s: QEMU was ended" "$WORK/notready.out"'
check "... and no QEMU or agent is left" eval '! alive "$qemu" && ! alive "$agent"'
GUESTHOST_INIT=$bb setsid "$WORK/gh" start --boot-timeout 20 >"$WORK/notready2.out" 2>&1 &
starter=$!
disown "$starter" # its end by SIGKILL is ours: no "Killed" line from the shell
wait_for 120 eval 'test -s "$GH_STATE/agent.pid" && test "$(cat "$GH_STATE/agent.pid")" != "$agent"'
qemu=$(cat "$GH_STATE/qemu.pid") agent=$(cat "$GH_STATE/agent.pid")
kill -KILL "$starter"
starter=
check "with start gone, the agent ends the QEMU whose guest is not ready (20 s and its 10 s of grace)" \
  wait_for 45 eval '! alive "$qemu"'
check "... says why in its log, and ends too" \
  eval 'grep -q "has not been ready for 30 s" "$GH_STATE/agent.log" && wait_for 5 eval "! alive $agent"'
finish
