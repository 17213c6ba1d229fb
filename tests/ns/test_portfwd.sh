#!/bin/bash
# Localhost forwarding without a VM: the agent on the machine, the init in fresh namespaces
# (a network namespace of its own) over the unix transport. A listener in the guest on each
# of the four address kinds appears at the host's 127.0.0.1 and [::1]; its close removes it;
# half-closes, resets, a long-lived stream, keep-alive and a 64 MiB upload go through; a
# hostile guest's raw messages are refused. tests/lib/fwdpeer.py is both ends.
SUITE=portfwd
. "$(dirname "$0")/lib.sh"
: "${GUESTHOST:?GUESTHOST must name the guesthost binary}" "${RAWPEER:?RAWPEER must name tests/ns/rawpeer}"
PY=/usr/bin/python3
PEER=$TOP/tests/lib/fwdpeer.py

GH_STATE=$WORK/agent
mkdir -m 700 -p "$GH_STATE"
TOKEN=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$TOKEN" > "$GH_STATE/token"
ns_root portfwd
mkdir -p "$ROOT/hostsock" "$ROOT/local/bin"
cp "$PEER" "$ROOT/local/bin/fwdpeer.py"
GUEST_SOCK=$ROOT/hostsock/guest.sock
AGENT_LOG=$WORK/agent.log

start_agent() {
  "$GUESTHOST" --state "$GH_STATE" agent --listen "unix://$GUEST_SOCK" --token-file "$GH_STATE/token" "$@" \
    >>"$AGENT_LOG" 2>&1 &
  AGENT=$!
  NS_PIDS="$NS_PIDS $AGENT"
  wait_for 5 test -S "$GH_STATE/agent.sock"
}
gh() { "$GUESTHOST" --state "$GH_STATE" "$@"; }
ports() { gh ports 2>&1; }
lists() { ports | grep -q "^guest $1/tcp → host 127.0.0.1:$1 "; }
unlisted() { ! ports | grep -q "^guest $1/tcp "; }
# a server in the guest, in the background of the namespace; prints its pid (the machine's)
# (nsenter forks to enter the PID namespace: the server is its child, stopped from inside)
guest_serve() { # ADDR PORT MODE
  # in a subshell: its end is an exit status, not a signal bash would report as "Terminated"
  ( ns_exec sh -c "exec $PY /usr/local/bin/fwdpeer.py serve $1 $2 $3 >/tmp/serve.$2.log 2>&1" ) 2>/dev/null &
  local p=$!
  NS_PIDS="$NS_PIDS $p"
  wait_for 5 ns_exec grep -q listening "/tmp/serve.$2.log"
  SERVER=$p SERVER_PORT=$2
}
guest_stop() { # [PORT]
  ns_exec pkill -TERM -f "fwdpeer.py serve [^ ]* ${1:-$SERVER_PORT} "
  wait "$SERVER" 2>/dev/null
}
client() { "$PY" "$PEER" "$@"; }
# the agent's fds, to see that a loop leaves none behind
agent_fds() { ls "/proc/$AGENT/fd" | wc -l; }

start_agent
GUESTINIT_HOST=unix:///hostsock/guest.sock GUESTINIT_TOKEN=$TOKEN ns_start portfwd
check "the guest's watcher connects" wait_for 10 grep -q "the guest's listeners are forwarded" "$AGENT_LOG"
check "guestinit-portfwdd runs in the guest" ns_says guestinit-portfwdd ps -eo args
check "nothing is forwarded yet ($(ports | tr '\n' ' '))" test -z "$(ports)"

# a stream held 60 s through the forward, beside everything else below
guest_serve 0.0.0.0 7999 echo
wait_for 2 lists 7999
client hold 127.0.0.1 7999 60 2>"$WORK/hold.err" &
HOLD=$!
NS_PIDS="$NS_PIDS $HOLD"
hold_start=$(now_ms)

P=17000
for kind in 0.0.0.0 127.0.0.1 :: ::1; do
  P=$((P + 1))
  t0=$(now_ms)
  guest_serve "$kind" $P echo
  ok=; wait_for 1 lists $P && ok=1
  t1=$(now_ms)
  check "a guest listener on $kind:$P is at the host's 127.0.0.1:$P and [::1]:$P within 1 s ($((t1 - t0)) ms after it listened)" test -n "$ok"
  check "... a host client of 127.0.0.1:$P is echoed and ends cleanly" client ping 127.0.0.1 $P
  check "... a host client of [::1]:$P too" client ping ::1 $P
  guest_stop
  check "... its close removes the host's port within 1 s" wait_for 1 unlisted $P
  check "... and the host refuses connections to it then" client refused 127.0.0.1 $P
done

fds0=$(agent_fds)
for i in $(seq 20); do
  guest_serve 0.0.0.0 $((17100 + i)) echo
  wait_for 2 lists $((17100 + i)) || { fail "loop $i: 17100+$i was not forwarded"; }
  client ping 127.0.0.1 $((17100 + i)) || fail "loop $i: no echo"
  guest_stop
  wait_for 2 unlisted $((17100 + i)) || fail "loop $i: the host's port stayed"
done
check "20 listeners opened and closed: no host port left ($(ports | grep -c '^guest 171'))" eval '! ports | grep -q "^guest 171"'
check "... and no agent fd left ($fds0 before, $(agent_fds) after)" test "$(agent_fds)" -le "$fds0"

guest_serve :: 17200 sha
wait_for 2 lists 17200
check "64 MiB up through the forward, then a half-close: the guest's sha256 is ours" client upload 127.0.0.1 17200 64
guest_stop
guest_serve 0.0.0.0 17201 http
wait_for 2 lists 17201
check "1,000 HTTP requests on one keep-alive connection, every answer in order" client keepalive 127.0.0.1 17201 1000
guest_stop
guest_serve 0.0.0.0 17202 reset
wait_for 2 lists 17202
check "the guest's server resets: the host's client sees a reset, not a clean end" client expect-reset 127.0.0.1 17202
guest_stop
guest_serve 0.0.0.0 17203 peerreset
wait_for 2 lists 17203
client send-reset 127.0.0.1 17203
check "the host's client resets: the guest's server sees a reset" wait_for 3 ns_exec grep -q "reset seen" /tmp/serve.17203.log
guest_stop
check "a port the guest does not listen on is refused at the host" client refused 127.0.0.1 17299

# a host port that is taken: the next free one, reported
"$PY" -c 'import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 17300)); s.listen(); print("up", flush=True); time.sleep(60)' >"$WORK/busy.log" &
BUSY=$!
NS_PIDS="$NS_PIDS $BUSY"
wait_for 5 grep -q up "$WORK/busy.log"
guest_serve 0.0.0.0 17300 echo
check "the host's 17300 is taken: guest 17300 goes to the next free port, and says why ($(ports | grep 17300))" \
  wait_for 2 eval 'ports | grep -q "^guest 17300/tcp → host 127.0.0.1:17301 .*the host.s 17300 is in use"'
check "... which works" client ping 127.0.0.1 17301
check "... and the guest's log says so" wait_for 2 grep -q "guest 17300/tcp is at the host's localhost:17301: the host's 17300 is in use" \
  "$CONSOLE"
guest_stop
kill "$BUSY"; wait "$BUSY" 2>/dev/null

wait "$HOLD"; rc=$?
check "the stream held through the forward for 60 s, a message a second ($(( ($(now_ms) - hold_start) / 1000 )) s, status $rc: $(cat "$WORK/hold.err"))" test "$rc" = 0
guest_stop 7999

# the guest's console has its daemons' lines (the log file has PID 1's)
# a hostile guest on the agent's socket (it has the token: a compromised guest)
raw() { "$RAWPEER" "unix://$GUEST_SOCK" "$@" 2>&1 | tr '\n' ' '; }
out=$(raw portfwd wrong-token 0.0.0.0 80)
check "a PORTFWD_OPEN with a wrong token is refused ($out)" eval 'grep -q "REJECT: wrong token" <<<"$out"'
out=$(raw portfwd "$TOKEN" 0.0.0.0 0)
check "a LISTEN of port 0 closes the watcher ($out)" eval 'grep -q "closed" <<<"$out" && grep -q "a bad PORTFWD_LISTEN from the guest: port out of range" "$AGENT_LOG"'
out=$(raw portfwd "$TOKEN" 10.1.2.3 8080)
check "a LISTEN on an address that is no wildcard or loopback is ignored ($out)" eval 'grep -q "a listener on 10.1.2.3, which is neither" "$AGENT_LOG"'
out=$(raw portfwd "$TOKEN" ::1 70000)
check "a LISTEN of port 70000 closes the watcher" eval 'grep -q "closed" <<<"$out"'
out=$(raw portfwd "$TOKEN" 127.0.0.1 8081 6)
check "a LISTEN with an IPv4 address as family 6 is refused" eval 'grep -q "closed" <<<"$out"'
out=$(raw portfwdspare "$TOKEN")
check "a spare that sends before it is used is closed ($out)" eval 'grep -q "closed" <<<"$out" && grep -q "a spare connection sent" "$AGENT_LOG"'
check "after all that the real guest's watcher is back and forwards again" eval '
  guest_serve 0.0.0.0 17400 echo && wait_for 10 lists 17400 && client ping 127.0.0.1 17400'
guest_stop

# [wsl2] localhostForwarding=false: the agent started with --localhost-forwarding false
kill -TERM "$AGENT"; wait "$AGENT" 2>/dev/null
start_agent --localhost-forwarding false
check "--localhost-forwarding false: the guest hears that forwarding is off" \
  wait_for 15 grep -q "localhost forwarding is off: this host has localhost forwarding off" "$CONSOLE"
guest_serve 0.0.0.0 17500 echo
sleep 0.5
check "... and a new listener is not forwarded ($(ports | tr '\n' ' '))" eval 'test -z "$(ports)" && client refused 127.0.0.1 17500'
guest_stop
# the agent as a user without privileges (as it should run): a guest port below 1024 goes to
# the port 8000 above it, said once; nothing asks for root
kill -TERM "$AGENT"; wait "$AGENT" 2>/dev/null
NB_STATE=$WORK/agent-nobody
mkdir -m 700 -p "$NB_STATE"
cp "$GH_STATE/token" "$NB_STATE/token"
chown -R nobody:nogroup "$NB_STATE" "$ROOT/hostsock"
chmod o+x "$WORK" "$ROOT" # the way to its folders, nothing more
rm -f "$GUEST_SOCK"
setpriv --reuid=nobody --regid=nogroup --clear-groups "$GUESTHOST" --state "$NB_STATE" agent --listen "unix://$GUEST_SOCK" \
  --token-file "$NB_STATE/token" >>"$AGENT_LOG" 2>&1 &
AGENT=$!
NS_PIDS="$NS_PIDS $AGENT"
nbports() { "$GUESTHOST" --state "$NB_STATE" ports 2>&1; }
guest_serve 0.0.0.0 80 echo
ok=; wait_for 15 eval 'nbports | grep -q "^guest 80/tcp → host 127.0.0.1:8080 .*80 needs privileges on the host"' && ok=1
check "an agent without privileges: guest 80/tcp is at the host's 8080, and says why ($(nbports | grep '^guest 80/'))" test -n "$ok"
check "... which works" client ping 127.0.0.1 8080
check "... and the guest's console says so once" eval '[ "$(grep -c "guest 80/tcp is at the host.s localhost:8080: 80 needs privileges on the host" "$CONSOLE")" = 1 ]'
guest_stop

[ "$FAILED" -eq 0 ] || { echo "--- the agent's log:"; tail -n 40 "$AGENT_LOG"; echo "--- the guest's log:"; grep portfwd "$CONSOLE" | tail -n 40; }
finish
