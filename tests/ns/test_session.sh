#!/bin/bash
# Exec sessions over the unix transport: guesthost's agent on the machine, the init's hostd
# in the namespace. Most protocol checks live here, where a boot takes milliseconds.
SUITE=session
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib/session_checks.sh"
: "${GUESTHOST:?GUESTHOST must name the guesthost binary}" "${RAWPEER:?RAWPEER must name tests/ns/rawpeer}"

GH_STATE=$WORK/agent
mkdir -m 700 -p "$GH_STATE"
TOKEN=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$TOKEN" > "$GH_STATE/token"
session_setup
ns_root session
mkdir -p "$ROOT/hostsock"
GUEST_SOCK=$ROOT/hostsock/guest.sock
AGENT_LOG=$WORK/agent.log

start_agent() {
  "$GUESTHOST" --state "$GH_STATE" agent --listen "unix://$GUEST_SOCK" --token-file "$GH_STATE/token" \
    >>"$AGENT_LOG" 2>&1 &
  AGENT=$!
  NS_PIDS="$NS_PIDS $AGENT"
  wait_for 5 test -S "$GH_STATE/agent.sock"
}
agent_says() { gh status 2>/dev/null | grep -q -- "$1"; }
guest_pgrep() { ns_exec pgrep -x "$1"; }

start_agent
GUESTINIT_HOST=unix:///hostsock/guest.sock GUESTINIT_TOKEN=$TOKEN ns_start session
check "hostd connects and the ready line reaches the agent" wait_for 10 agent_says "ready: guestinit: ready in"
check "the agent's configuration is kept in the guest" ns_says '^version=1$' cat /run/guestinit/host.conf
tz=$(readlink /etc/localtime 2>/dev/null | sed -n 's|.*zoneinfo/||p')
[ -z "$tz" ] || check "... with the host's time zone ($tz)" ns_says "^timezone=$tz\$" cat /run/guestinit/host.conf
check "hostd is listed by guestinit status" ns_says 'daemon hostd: running' /init guestinit status
check "sessions do not see the token" eval '! gh run -- env | grep -q GUESTINIT_TOKEN'
check "... and no file in the guest holds it" eval '! ns_exec grep -rqF -- "$TOKEN" /run'

# The hub's broker against local clients, polite and not (tests/ns/hubpeer.c).
hp() { ns_exec /opt/gi/hubpeer "$@" 2>&1; }
as_nobody() { ns_exec setpriv --reuid=65534 --regid=65534 --clear-groups /opt/gi/hubpeer "$@" 2>&1; }
out=$(hp dial-drive 'drvfs;path=C:\')
check "root has the hub dial a drive connection; the host answers on it ($out)" \
  eval 'grep -q "^host: refused: drive C: is not shared by this host" <<<"$out"'
out=$(hp dial-drive 'drvfs;path=C:\' forged-token)
check "... a token the client puts in is dropped: the host sees the hub's ($out)" \
  eval 'grep -q "^host: refused: drive C:" <<<"$out" && ! grep -q "wrong token" <<<"$out"'
out=$(as_nobody dial-drive 'drvfs;path=C:\')
check "another user may not dial a drive connection ($out)" \
  eval 'grep -q "^hub: refused: only root may open a DRIVE_OPEN connection (drvfs)" <<<"$out"'
out=$(hp dial-type 0x0001)
check "no capability dials HELLO: refused ($out)" eval 'grep -q "^hub: refused: no capability dials the host with HELLO" <<<"$out"'
out=$(hp ready forged-ready-line)
check "a ready report from a process other than PID 1 is ignored ($out)" \
  eval 'grep -q "^hub: closed" <<<"$out" && ! agent_says forged-ready-line'
out=$(as_nobody stats-raw memreclaim x=1)
check "figures from another user are ignored" eval '! wait_for 1 agent_says "memreclaim.x: 1"'
hp stats-raw nosuchcap y=2 >/dev/null
check "figures under a name no capability registered are ignored" eval '! wait_for 1 agent_says "nosuchcap.y: 2"'
hp stats memreclaim hubtest=3 >/dev/null
check "a registered capability's figures reach the host as NAME.KEY" wait_for 5 agent_says "memreclaim.hubtest: 3"
check "... and are kept in the guest's record" ns_says '^hubtest=3$' cat /run/guestinit/stats/memreclaim
out=$(as_nobody status)
check "anyone may ask the hub's status ($(head -n 1 <<<"$out"))" eval 'grep -q "^host: unix:///hostsock/guest.sock (connected)" <<<"$out"'
out=$(hp garbage)
check "a packet that is not a frame: the hub hangs up ($out)" eval 'grep -q "^hub: closed" <<<"$out"'
out=$(hp hold 80)
check "80 connections at once: the hub keeps 64 and closes the rest ($out)" eval 'grep -q "^kept: 64 of 80" <<<"$out"'
check "... and answers the next client" ns_says '^host: ' /opt/gi/hubpeer status

session_basic_checks
session_stream_checks
session_memory_check
session_hangup_checks
session_tty_checks

# Misbehaving peers on the agent's socket: refused with a reason, logged, and both sides go on.
out=$("$RAWPEER" "unix://$GUEST_SOCK" hello wrong-token)
check "a HELLO with a wrong token is refused ($out)" test "$out" = "REJECT: wrong token"
out=$("$RAWPEER" "unix://$GUEST_SOCK" garbage)
check "garbage bytes are refused ($out)" eval 'grep -q "^REJECT: .*garbage or oversized" <<<"$out"'
out=$("$RAWPEER" "unix://$GUEST_SOCK" oversize)
check "an oversized length header is refused ($out)" eval 'grep -q "^REJECT: a frame header announces 4294967295 bytes" <<<"$out"'
out=$("$RAWPEER" "unix://$GUEST_SOCK" attach wrong-token 1)
check "a session attach with a wrong token is refused ($out)" test "$out" = "REJECT: wrong token"
check "each refusal is logged" test "$(grep -c "refused a connection from" "$AGENT_LOG")" -ge 4
check "after all that, sessions still work" test "$(gh run -- echo still-serving)" = still-serving
check "... and the guest's control connection is the same one" eval '! grep -q "replaces the old one" "$AGENT_LOG"'

# The agent goes away and comes back: hostd reconnects by itself.
kill -TERM "$AGENT"
wait "$AGENT" 2>/dev/null
check "hostd notices the host is gone" wait_for 5 grep -q "the host closed the channel; reconnecting" "$CONSOLE"
gh run -- true 2>"$WORK/noagent.err"; rc=$?
check "run without an agent says the VM is not running (255)" \
  eval 'test "$rc" = 255 && grep -q "not running" "$WORK/noagent.err"'
start_agent
check "a restarted agent gets the guest back within 5 s" wait_for 5 agent_says "guest: connected"
check "new sessions work after the reconnect" test "$(gh run -- echo back)" = back
finish
