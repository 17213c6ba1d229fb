# Exec-session checks shared by the ns tier (unix transport) and the vm tier (TCP through
# QEMU's user network). The sourcing suite sets GUESTHOST (the binary) and GH_STATE (its
# state folder), calls session_setup, and defines
#   guest_pgrep NAME  prints the pids of processes named NAME in the guest (none: empty)
# and has check/pass/fail/wait_for from its own lib. WORK is a scratch folder.

# $WORK/gh: guesthost with the suite's state, as a command a terminal or a pipeline can run.
session_setup() {
  printf '#!/bin/sh\nexec env GUESTHOST_STATE=%q %q "$@"\n' "$GH_STATE" "$GUESTHOST" > "$WORK/gh"
  chmod +x "$WORK/gh"
}
gh() { "$WORK/gh" "$@"; }

session_basic_checks() {
  check "run -- true exits 0" gh run -- true
  gh run -- sh -c 'exit 42'; rc=$?
  check "exit 42 comes back as 42 (got $rc)" test "$rc" = 42
  gh run -- sh -c 'kill -9 $$'; rc=$?
  check "a command killed by SIGKILL comes back as 137 (got $rc)" test "$rc" = 137
  gh run -- no-such-command-xyz 2>"$WORK/nf.err"; rc=$?
  check "an unknown command is 127 with 'command not found' (got $rc)" \
    eval 'test "$rc" = 127 && grep -q "no-such-command-xyz: command not found" "$WORK/nf.err"'
  gh run --cd /no/such/dir -- true 2>"$WORK/cd.err"; rc=$?
  check "a missing --cd folder is refused by name (status $rc)" \
    eval 'test "$rc" = 1 && grep -q "/no/such/dir" "$WORK/cd.err"'
  gh run --user nosuchuser -- true 2>"$WORK/user.err"; rc=$?
  check "an unknown user is refused by name (status $rc)" \
    eval 'test "$rc" = 1 && grep -q "user .nosuchuser. does not exist" "$WORK/user.err"'
  check "--user runs as that user" test "$(gh run --user www-data -- id -un)" = www-data
  check "-e sets a variable" test "$(gh run -e GI_TEST='a b=c' -- sh -c 'printf %s "$GI_TEST"')" = 'a b=c'
  gh run -e '1BAD=x' -- true 2>"$WORK/env.err"; rc=$?
  check "-e with a bad name is refused by name" eval 'test "$rc" = 1 && grep -q "1BAD=x" "$WORK/env.err"'
  check "the default folder is the user's home" test "$(gh run -- pwd)" = /root
  out=$(echo 'echo "$0"; shopt -q login_shell && echo LOGIN; pwd' | gh shell)
  check "shell runs the user's login shell in the home folder" test "$out" = "$(printf -- '-bash\nLOGIN\n/root')"
  local pids=
  for i in 1 2 3 4 5 6 7 8; do
    gh run -- sh -c 'sleep 0.2; echo "$1"' - "$i" > "$WORK/par.$i" &
    pids="$pids $!"
  done
  wait $pids   # only these: the suite may have an agent in the background
  ok=1
  for i in 1 2 3 4 5 6 7 8; do [ "$(cat "$WORK/par.$i")" = "$i" ] || ok=; done
  check "eight sessions at once each get their own output" test -n "$ok"
  check "--cd sets the folder" test "$(gh run --cd /tmp -- pwd)" = /tmp
}

session_stream_checks() {
  head -c 67108864 /dev/urandom > "$WORK/rand64"
  a=$(sha256sum < "$WORK/rand64")
  b=$(gh run -- cat < "$WORK/rand64" | sha256sum)
  check "64 MiB of random bytes round-trip through run -- cat" test "$a" = "$b"
  rm -f "$WORK/rand64"
  check "stdin's EOF reaches the guest" test "$(printf abc | gh run -- sh -c 'cat; echo END')" = abcEND
  check "empty stdin is an immediate EOF" test "$(gh run -- wc -c < /dev/null)" = 0
  gh run -- sh -c 'echo out; echo err >&2' >"$WORK/o" 2>"$WORK/e"
  check "stdout and stderr stay separate" eval 'test "$(cat "$WORK/o")" = out && test "$(cat "$WORK/e")" = err'
  # a reader that goes away: the command sees it as in a local pipeline (SIGPIPE), no hang
  out=$(timeout 20 bash -c 'set -o pipefail; "$1" run -- yes | head -n 1' - "$WORK/gh"); rc=$?
  check "run -- yes | head -n 1 ends with yes killed by SIGPIPE (status $rc)" eval 'test "$out" = y && test "$rc" = 141'
  # flow control: a slow reader loses nothing
  n=$(gh run -- head -c 50000000 /dev/zero | (sleep 1; wc -c))
  check "50 MB to a reader that starts late arrive whole ($n)" test "$n" = 50000000
}

# Nothing buffers without bound: with the reader stalled, the client and the runner stay small.
session_memory_check() {
  ( gh run -- cat /dev/zero | sleep 4 ) &
  bg=$!
  sleep 2
  client=$(pgrep -f "^$GUESTHOST run -- cat /dev/zero" | head -n 1)
  rss=$(awk '/VmRSS/ { print $2 }' "/proc/$client/status" 2>/dev/null)
  check "a stalled reader: the client holds ${rss:-?} KiB (< 16 MiB)" test "${rss:-999999}" -lt 16384
  wait "$bg" 2>/dev/null
}

session_hangup_checks() {
  "$WORK/gh" run -- sleep 1000 &   # not the gh function: $! must be guesthost itself
  client=$!
  wait_for 10 eval 'test -n "$(guest_pgrep sleep)"'
  check "a session's command runs in the guest" test -n "$(guest_pgrep sleep)"
  kill -KILL "$client"
  wait "$client" 2>/dev/null
  t0=$(date +%s%N)
  wait_for 2 eval 'test -z "$(guest_pgrep sleep)"'
  gone_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  check "killing guesthost: the guest command is gone within 2 s (${gone_ms} ms)" test -z "$(guest_pgrep sleep)"
  "$WORK/gh" run -- sleep 100 &
  client=$!
  wait_for 10 eval 'test -n "$(guest_pgrep sleep)"'
  kill -INT "$client"
  wait_for 3 eval '! kill -0 $client'
  wait "$client"; rc=$?
  check "SIGINT to guesthost interrupts the command: status 130 (got $rc)" test "$rc" = 130
}

# Terminal mode through a real terminal (tmux): window size, resize, Ctrl-C, Ctrl-Z, and a
# session leader with a controlling tty.
session_tty_checks() {
  local t=gi-tty-$$
  tmux -L "$t" kill-server 2>/dev/null
  tmux -L "$t" -f /dev/null new-session -d -s s -x 100 -y 30 \
    "'$WORK/gh' run -- bash --norc --noprofile; echo client-rc=\$?; sleep 60"
  screen() { tmux -L "$t" capture-pane -p -t s; }
  keys() { tmux -L "$t" send-keys -t s "$@"; }
  wait_for 20 eval 'screen | grep -q "bash.*[#$]"'
  keys 'PS1="gi> "; stty size' Enter
  check "terminal mode: stty size in the guest is the terminal's (30 100)" wait_for 10 eval 'screen | grep -q "^30 100$"'
  tmux -L "$t" resize-window -t s -x 120 -y 40
  sleep 0.5
  keys 'clear; stty size' Enter
  check "... and follows a resize (40 120)" wait_for 10 eval 'screen | grep -q "^40 120$"'
  keys 'clear; test "$(ps -o sid= -p $$ | tr -d " ")" = $$ && tty && echo LEADER-OK' Enter
  check "the shell is a session leader with a pty as controlling terminal" \
    wait_for 10 eval 'screen | grep -q "LEADER-OK" && screen | grep -q "^/dev/pts/"'
  local pts
  pts=$(screen | sed -n 's|^/dev/\(pts/[0-9]*\)$|\1|p' | tail -n 1)
  check "a terminal session is a login: who lists it on its terminal ($pts)" \
    eval 'gh run -- who | grep -qE "^[a-z_][a-z0-9_-]* +$pts "'
  keys 'clear; sleep 100' Enter
  sleep 1
  keys C-c
  keys 'echo "rc=$?"' Enter
  check "Ctrl-C interrupts sleep 100 (rc=130)" wait_for 10 eval 'screen | grep -q "^rc=130"'
  keys 'clear; sleep 100' Enter
  sleep 1
  keys C-z
  check "Ctrl-Z stops it (job control)" wait_for 10 eval 'screen | grep -q "Stopped"'
  keys 'fg' Enter
  sleep 1
  keys C-c
  keys 'clear; exit 3' Enter
  check "leaving the shell ends the session with its status (3)" wait_for 10 eval 'screen | grep -q "^client-rc=3"'
  check "... and who no longer lists it" eval '! gh run -- who | grep -qE " $pts "'
  tmux -L "$t" kill-server 2>/dev/null
  # a terminal on stdin only: typed lines with local echo, ^D ends them (a server of its own:
  # the one just killed may still be going away)
  t=$t-2
  tmux -L "$t" -f /dev/null new-session -d -s s -x 100 -y 30 \
    "'$WORK/gh' run -- sh -c 'cat > /tmp/typed' > '$WORK/typed.out' 2>'$WORK/typed.err'; echo client-rc=\$?; sleep 60"
  sleep 1
  keys 'typed line' Enter
  keys C-d
  check "a terminal on stdin only: typed lines are echoed there, reach the command, and ^D ends them" \
    wait_for 10 eval 'screen | grep -q "^typed line$" && screen | grep -q "^client-rc=0" &&
      test "$(gh run -- cat /tmp/typed)" = "typed line"'
  tmux -L "$t" kill-server 2>/dev/null
}
