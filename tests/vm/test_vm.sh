#!/bin/bash
# The real VM: Debian's 6.1 kernel under QEMU with our /init as PID 1, driven by guesthost.
# Needs GUESTHOST (a guesthost build), GUESTHOST_INIT (the static init), GUESTHOST_STATIC (a
# static guesthost, for the vsock check inside the guest), RAWPEER. Every VM and agent this
# suite starts is stopped by its EXIT trap, whatever happened.
SUITE=vm
set -u
: "${GUESTHOST:?}" "${GUESTHOST_INIT:?}" "${GUESTHOST_STATIC:?}" "${RAWPEER:?}" "${GUESTHOST_ASAN:?}"
. "$(dirname "$0")/lib.sh" vm
# a state folder whose name a shell or QEMU's option syntax would take apart: every command
# below works in it
GH_STATE="$WORK/st a'te, x"
session_setup

cleanup() {
  vm_stop
  tmux -L "gi-tty-$$" kill-server 2>/dev/null
  tmux -L "gi-tty-$$-2" kill-server 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
guest_pgrep() { gh run -- pgrep -x "$1"; }
agent_says() { gh status 2>/dev/null | grep -q -- "$1"; }

# ---- cold boot -----------------------------------------------------------------------------
want="The state folder defaults to \$GUESTHOST_STATE, else $(cd "$TOP" && pwd -P)/.cache/vm."
check "--help ends with the real path of the default state folder" test "$("$GUESTHOST" --help | tail -n 1)" = "$want"
check "status before any start: stopped, 3" eval 'gh status | grep -q "^state: stopped$"; test "${PIPESTATUS[0]}" = 3'
t0=$(now_ms)
gh start >"$WORK/start.out" 2>&1; rc=$?
cat "$WORK/start.out" | grep -E "VM ready|mkimage" | sed 's/^/  /'
check "guesthost start boots the VM (status $rc)" test "$rc" = 0
if [ "$rc" != 0 ]; then
  tail -n 20 "$WORK/start.out" "$GH_STATE/console.log" 2>/dev/null
  finish; exit 1
fi
check "the ready line and the boot timings reach the host" \
  eval 'grep -qE "VM ready: guestinit: ready in [0-9]+ ms; kernel start to ready [0-9]+ ms" "$WORK/start.out"'
check "status shows it running with the ready line" eval 'gh status | grep -q "^ready: guestinit: ready in"'
gh start >"$WORK/start2.out" 2>&1
check "a second start says it is running" grep -q "already running" "$WORK/start2.out"
check "uname -r is Debian's 6.1 kernel" eval 'gh run -- uname -r | grep -q "^6\.1\."'
token=$(cat "$GH_STATE/token")
check "the boot token is not on the guest's kernel command line" eval '! gh run -- cat /proc/cmdline | grep -q "$token"'
check "... nor on QEMU's command line on the host" eval '! ps -o args= -p "$(cat "$GH_STATE/qemu.pid")" | grep -q "$token"'
check "... and a guest user cannot read PID 1's environment" eval '! gh run --user nobody -- cat /proc/1/environ >/dev/null 2>&1'
check "the guest's hostname is its /etc/hostname" test "$(gh run -- hostname)" = guestinit
"$TOP/host/aptsources" bookworm >"$WORK/sources.want" 2>/dev/null
gh run -- cat /etc/apt/sources.list.d/debian.sources >"$WORK/sources.got" 2>&1
check "the guest's apt sources are the host's bookworm, -updates and -security, in deb822" \
  eval 'grep -q "^Suites: .*bookworm-security" "$WORK/sources.got" && cmp -s "$WORK/sources.want" "$WORK/sources.got"'
check "... with no one-line sources.list beside them" eval '! gh run -- test -e /etc/apt/sources.list'
check "the guest has its network (eth0 10.0.2.15)" eval 'gh run -- ip -4 addr show eth0 | grep -q "10.0.2.15/24"'
check "the boot's ready line is in the guest's console log" grep -q "guestinit: ready in" "$GH_STATE/console.log"

# ---- sessions --------------------------------------------------------------------------------
session_basic_checks
session_stream_checks
session_memory_check
session_hangup_checks
session_tty_checks

# ---- the agent's port: misbehaving peers, then an agent restart -----------------------------
port=$(cat "$GH_STATE/port")
out=$("$RAWPEER" "tcp://127.0.0.1:$port" hello wrong-token)
check "a HELLO with a wrong token is refused ($out)" test "$out" = "REJECT: wrong token"
out=$("$RAWPEER" "tcp://127.0.0.1:$port" garbage)
check "garbage bytes are refused" eval 'grep -q "^REJECT: .*garbage or oversized" <<<"$out"'
out=$("$RAWPEER" "tcp://127.0.0.1:$port" oversize)
check "an oversized length header is refused" eval 'grep -q "^REJECT: a frame header announces 4294967295" <<<"$out"'
check "the refusals are logged" test "$(grep -c "refused a connection from 127.0.0.1" "$GH_STATE/agent.log")" -ge 3
check "sessions still work after them" test "$(gh run -- echo still-serving)" = still-serving

kill -KILL "$(cat "$GH_STATE/agent.pid")"
sleep 0.5
gh start >"$WORK/start3.out" 2>&1
check "start after the agent died restarts it" grep -q "agent was restarted" "$WORK/start3.out"
check "the guest reconnects to the new agent within 5 s" wait_for 5 agent_says "guest: connected"
check "new sessions work after the reconnect" test "$(gh run -- echo back)" = back

# ---- vsock inside the guest (vsock_loopback, CID 1) -------------------------------------------
gh run -- sh -c 'cat > /tmp/gh-static && chmod +x /tmp/gh-static' < "$GUESTHOST_STATIC"
out=$(gh run -- sh -s <<'EOS' 2>&1
mkdir -p -m 700 /tmp/vs && echo vtok > /tmp/vs/token
/tmp/gh-static --state /tmp/vs agent --listen vsock://any:5555 --token-file /tmp/vs/token >/tmp/vs/agent.log 2>&1 &
a=$!
for i in $(seq 100); do [ -S /tmp/vs/agent.sock ] && break; sleep 0.05; done
GUESTINIT_TOKEN=vtok /init guestinit-hostd --host vsock://1:5555 >/tmp/vs/hostd.log 2>&1 &
h=$!
for i in $(seq 100); do GUESTHOST_STATE=/tmp/vs /tmp/gh-static status | grep -q "guest: connected" && break; sleep 0.05; done
GUESTHOST_STATE=/tmp/vs /tmp/gh-static run -- sh -c 'echo over-vsock; exit 7'
echo "rc=$?"
kill $h $a
cat /tmp/vs/agent.log
EOS
)
check "a session over vsock (CID 1) works end to end in the guest" \
  eval 'grep -q "^over-vsock$" <<<"$out" && grep -q "^rc=7$" <<<"$out" && grep -q "guest connected" <<<"$out"'

# ---- shutdown and persistence ----------------------------------------------------------------
mark=persist-$RANDOM-$RANDOM
gh run -- sh -c 'echo "$1" > /root/persist' - "$mark"   # no sync: shutdown must write it
qemu=$(cat "$GH_STATE/qemu.pid")
t0=$(now_ms)
gh shutdown; rc=$?
took=$(( $(now_ms) - t0 ))
check "shutdown returns 0 once QEMU has exited ($took ms)" eval 'test "$rc" = 0 && ! alive "$qemu"'
check "... within 10 s" test "$took" -le 10000
e2fsck -fn "$GH_STATE/root.img" >"$WORK/fsck.out" 2>&1; rc=$?
check "e2fsck -fn finds the root image clean (status $rc)" test "$rc" = 0
[ "$rc" = 0 ] || tail -n 5 "$WORK/fsck.out"
check "the guest's shutdown was orderly (console)" grep -q "guestinit: shutdown: poweroff" "$GH_STATE/console.log"
mkdir -p "$WORK/drive-c"
echo "from the host" > "$WORK/drive-c/hello.txt"
# this boot's host commands are the ASan build's: a leak or an error in start, the agent, the
# drive server or shutdown makes them fail (LeakSanitizer exits non-zero) or logs a report
gha() { env GUESTHOST_STATE="$GH_STATE" "$GUESTHOST_ASAN" "$@"; }
gha start --drive "C=$WORK/drive-c" >"$WORK/start4.out" 2>&1; rc=$?
check "the VM boots again from the same disk, with a drive (ASan guesthost, status $rc)" \
  eval 'test "$rc" = 0 && grep -q "VM ready" "$WORK/start4.out"'
check "a file written just before shutdown is intact" test "$(gha run -- cat /root/persist)" = "$mark"
check "the guest is told of drive C, served by the host's own server" eval 'gha run -- cat /run/guestinit/host.conf | grep -q "^drive.c=p9$"'
out=$(gha run -- cat /mnt/c/hello.txt 2>&1)
check "the --drive folder is at /mnt/c in the guest ($out)" test "$out" = "from the host"
gha status >"$WORK/status4.out" 2>&1; rc=$?
check "status of the ASan build (status $rc)" test "$rc" = 0
gha shutdown --force >"$WORK/shutdown4.out" 2>&1; rc=$?
check "shutdown --force ends QEMU (ASan guesthost, status $rc)" eval 'test "$rc" = 0 && ! alive "$(cat "$GH_STATE/qemu.pid")"'
agent=$(cat "$GH_STATE/agent.pid" 2>/dev/null)
wait_for 10 eval '! alive "$agent"'
reports=$(grep -l "Sanitizer" "$WORK"/start4.out "$WORK"/status4.out "$WORK"/shutdown4.out "$GH_STATE"/agent.log 2>/dev/null)
check "no sanitizer report from the ASan host commands, the agent or its drive servers ($reports)" test -z "$reports"
[ -z "$reports" ] || grep -h -A 12 "Sanitizer" $reports | head -n 40
finish
