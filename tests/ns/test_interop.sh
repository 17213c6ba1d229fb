#!/bin/bash
# Interop without a VM: the agent on the machine, the init's hub in the namespace over the unix
# transport, binfmt_misc private to the namespace's user namespace (LAB.md). The programs are
# stubs ("MZ" files) of the host's alias table, whose commands are the machine's own: the whole
# path from an exec in the guest to the host program and back, with argv, status, streams,
# the policy and the socket search. Real PE programs under Wine run in tests/vm/test_interop.sh.
SUITE=interop
. "$(dirname "$0")/lib.sh"
: "${GUESTHOST:?GUESTHOST must name the guesthost binary}" "${RAWPEER:?RAWPEER must name tests/ns/rawpeer}"

GH_STATE=$WORK/agent
mkdir -m 700 -p "$GH_STATE"
TOKEN=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$TOKEN" > "$GH_STATE/token"
ns_root interop
mkdir -p "$ROOT/hostsock"
GUEST_SOCK=$ROOT/hostsock/guest.sock
AGENT_LOG=$WORK/agent.log
# the host's side of the aliases: a program that prints its argv and cwd, and a few more
cat > "$WORK/showargs" <<'EOS'
#!/bin/sh
printf 'argc=%d\n' "$#"
for a in "$@"; do printf '[%s]\n' "$a"; done
printf 'cwd=%s\n' "$(pwd)"
printf 'FOO=%s\n' "${FOO-unset}"
printf 'BAR=%s\n' "${BAR-unset}"
printf 'LD_PRELOAD=%s\n' "${LD_PRELOAD-unset}"
printf 'uid=%s\n' "$(id -u)"
EOS
chmod +x "$WORK/showargs"
printf '#!/bin/sh\nexit "$1"\n' > "$WORK/exitcode" && chmod +x "$WORK/exitcode"
printf '#!/bin/sh\nIFS= read -r line; printf "%%s\\n" "$line"\n' > "$WORK/head1" && chmod +x "$WORK/head1"

# drive C: of the host, for the compromised guest's attempts below
mkdir -p "$WORK/c/sub" "$WORK/secret"
echo secret > "$WORK/secret/file"
ln -s "$WORK/secret" "$WORK/c/out"
cp /bin/true "$WORK/c/elf.exe"
echo text > "$WORK/c/notpe.exe"
printf 'MZ' > "$WORK/c/fake.exe"

start_agent() {
  XDG_DATA_HOME=$WORK/xdg "$GUESTHOST" --state "$GH_STATE" agent --listen "unix://$GUEST_SOCK" --token-file "$GH_STATE/token" \
    --alias "showargs.exe=$WORK/showargs first" --alias "true.exe=true" --alias "exitcode.exe=$WORK/exitcode" \
    --alias "cat.exe=cat" --alias "head1.exe=$WORK/head1" --alias "sleeper.exe=sleep 300" \
    --alias "Missing.exe=/nonexistent/program" --drive "c=$WORK/c" >>"$AGENT_LOG" 2>&1 &
  AGENT=$!
  NS_PIDS="$NS_PIDS $AGENT"
  wait_for 5 test -S "$GH_STATE/agent.sock"
}
agent_says() { "$GUESTHOST" --state "$GH_STATE" status 2>/dev/null | grep -q -- "$1"; }
gh() { "$GUESTHOST" --state "$GH_STATE" "$@"; }

start_agent
GUESTINIT_HOST=unix:///hostsock/guest.sock GUESTINIT_TOKEN=$TOKEN ns_start interop
check "the guest connects and is ready" wait_for 10 agent_says "ready: guestinit: ready in"
check "WSLInterop is registered as WSL 2 registers it (M, MZ, /init, flags PF)" wait_for 5 eval \
  'ns_exec cat /proc/sys/fs/binfmt_misc/WSLInterop | tr "\n" " " | grep -q "^enabled interpreter /init flags: PF offset 0 magic 4d5a "'
check "... never with C (the program file's credentials)" eval '! ns_exec grep -q "flags:.*C" /proc/sys/fs/binfmt_misc/WSLInterop'
check "the alias table's stubs are in the guest" ns_says '^MZ' cat /run/guestinit/interop/showargs.exe
check "... for every name, none other" eval '[ "$(ns_exec ls /run/guestinit/interop | sort | tr "\n" " ")" = "Missing.exe cat.exe exitcode.exe head1.exe showargs.exe sleeper.exe true.exe " ]'
check "a session's PATH ends with the stubs and the Windows PATH's drives (none here)" \
  eval 'gh run -- sh -c "echo \$PATH" | grep -q ":/run/guestinit/interop$"'
check "sessions get WSL_INTEROP and WSL_DISTRO_NAME" \
  eval 'gh run -- sh -c "echo \$WSL_INTEROP \$WSL_DISTRO_NAME" | grep -qx "/run/WSL/[0-9]*_interop Debian"'

out=$(HOSTVAR="a b" EMPTYVAR= GOPATH="$WORK/c/go" OUTONLY=x WSLENV="HOSTVAR/u:EMPTYVAR:GOPATH/p:OUTONLY/w:BAD/x" \
  gh run -- sh -c 'echo "HOSTVAR=$HOSTVAR EMPTYVAR=${EMPTYVAR-unset} GOPATH=${GOPATH-unset} OUTONLY=${OUTONLY-unset} WSLENV=$WSLENV"')
check "WSLENV from the host: /u passes, empty removes, /w stays on the host, a path list with nothing on a guest drive is left out ($out)" \
  test "$out" = "HOSTVAR=a b EMPTYVAR=unset GOPATH=unset OUTONLY=unset WSLENV=HOSTVAR/u:EMPTYVAR:GOPATH/p:OUTONLY/w:BAD/x"
out=$(WSLENV=HOSTVAR HOSTVAR=mine gh run -e HOSTVAR=given -- sh -c 'echo $HOSTVAR')
check "... and an -e of the same name wins ($out)" test "$out" = given

# through the whole path: exec in the guest, binfmt_misc, /init, the hub, the agent, the host
out=$(gh run -- showargs.exe a "b c" '"q"' 'x\y' 'üñí' '' 2>&1)
check "an alias runs on the host with argv intact: spaces, quotes, backslashes, UTF-8, empty ($(tr '\n' ' ' <<<"$out"))" \
  eval '[ "$(grep -E "^(argc|\[)" <<<"$out" | tr "\n" " ")" = "argc=7 [first] [a] [b c] [\"q\"] [x\\y] [üñí] [] " ]'
check "... as the agent's user" eval 'grep -q "^uid=$(id -u)$" <<<"$out"'
big=$(head -c 100000 /dev/zero | tr '\0' x)
out=$(gh run -- showargs.exe "$big" 2>&1 | grep '^\[x')
check "a 100 KB argument arrives whole" test "${#out}" -eq 100002
for code in 0 1 3 255; do
  gh run -- exitcode.exe $code >/dev/null 2>&1; rc=$?
  check "exit status $code comes back" test "$rc" = "$code"
done
out=$(gh run -- sh -c 'cd /tmp && showargs.exe' 2>&1)
check "an alias in a folder on no drive (/tmp): no warning, it starts there through the agent's mount of the guest's files ($(tr '\n' ' ' <<<"$out"))" \
  eval '! grep -q "^interop:" <<<"$out" && grep -q "^cwd=$GH_STATE/guestfs/tmp$" <<<"$out" && grep -q " $GH_STATE/guestfs .* - fuse.guestfs " /proc/self/mountinfo'
out=$(gh run -- env FOO=1 BAR=2 WSLENV=FOO/w:BAR/u showargs.exe 2>&1)
check "WSLENV: /w crosses to a host program, /u does not" eval 'grep -q "^FOO=1$" <<<"$out" && grep -q "^BAR=unset$" <<<"$out"'
out=$(gh run -- env LD_PRELOAD=/x.so WSLENV=LD_PRELOAD showargs.exe 2>&1)
check "... but never LD_* (the guest does not choose what host programs load)" eval 'grep -q "^LD_PRELOAD=unset$" <<<"$out"'
head -c 64M /dev/urandom > "$WORK/blob"
sum=$(gh run -- sh -c 'cat.exe | sha256sum' < "$WORK/blob" | cut -d' ' -f1)
check "64 MiB through a host cat and back: the same sha256" test "$sum" = "$(sha256sum < "$WORK/blob" | cut -d' ' -f1)"
rm -f "$WORK/blob"
out=$(gh run -- sh -c 'printf "a\nb\n" | { head1.exe; cat; }' 2>&1)
check "a host program that reads one line: the pipe keeps the rest for the next reader ($(tr '\n' ' ' <<<"$out"))" \
  test "$(tr '\n' ' ' <<<"$out")" = "a b "
ns_exec sh -c 'printf "a\nb\n" > /tmp/in2'
out=$(gh run -- sh -c '{ head1.exe; cat; } < /tmp/in2' 2>&1)
check "... and from a file, whose offset is left where the program stopped ($(tr '\n' ' ' <<<"$out"))" \
  test "$(tr '\n' ' ' <<<"$out")" = "a b "
ns_exec sh -c 'seq 1 1000 > /tmp/in'
out=$(gh run -- sh -c 'cat.exe < /tmp/in | tail -n 1')
check "prog.exe < file works and ends (microsoft/WSL#4475)" test "$out" = 1000
out=$(gh run -- Missing.exe 2>&1); rc=$?
check "a host command that does not exist: the host's message and 127 ($out)" \
  eval '[ "$rc" = 127 ] && grep -q "/nonexistent/program" <<<"$out"'
ns_exec sh -c 'printf "MZ" > /usr/local/bin/unknown.exe && chmod +x /usr/local/bin/unknown.exe'
out=$(gh run -- unknown.exe 2>&1); rc=$?
check "a PE file on no drive and in no alias: refused with the guest path and a reason, status 1 ($out)" \
  eval '[ "$rc" = 1 ] && grep -q "^/usr/local/bin/unknown.exe: .* is on no drive this host shares" <<<"$out"'

# who may: [interop] enabled and allowGroup
ns_exec sh -c 'groupadd -g 4242 interop 2>/dev/null; useradd -u 4243 -M alice 2>/dev/null; useradd -u 4244 -G interop -M bob 2>/dev/null'
write_conf '[interop]' 'allowGroup=interop'
out=$(gh run -u alice -- true.exe 2>&1); rc=$?
check "allowGroup: a user outside the group gets one line and 126 ($out)" \
  eval '[ "$rc" = 126 ] && [ "$out" = "interop: alice is not in group interop" ]'
gh run -u bob -- true.exe; rc=$?
check "... a member runs host programs" test "$rc" = 0
gh run -- true.exe; rc=$?
check "... and root does" test "$rc" = 0
out=$(ns_exec setpriv --reuid=4243 --regid=4243 --clear-groups /opt/gi/hubpeer dial-type 0x0060 2>&1)
check "... and the hub refuses alice's dial itself, whatever the client does ($out)" \
  eval 'grep -q "^hub: refused: interop: alice is not in group interop" <<<"$out"'
write_conf '[interop]' 'enabled=false'
t0=$(now_ms)
out=$(gh run -- /run/guestinit/interop/true.exe 2>&1); rc=$?
t1=$(now_ms)
check "enabled=false: one line and 126 at once ($out, $((t1 - t0)) ms)" \
  eval '[ "$rc" = 126 ] && grep -q "^interop: running host programs is disabled" <<<"$out" && [ $((t1 - t0)) -lt 2000 ]'
write_conf ''

# the socket search: WSL_INTEROP stale or unset, no session parent
out=$(gh run -- env WSL_INTEROP=/run/WSL/999_interop true.exe 2>&1); rc=$?
check "a WSL_INTEROP naming a socket that is gone: found anyway (WSL fails: #4148)" test "$rc" = 0
ns_exec sh -c 'python3 -c "import socket; s=socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.bind(\"/run/WSL/998_interop\")"'
out=$(gh run -- env WSL_INTEROP=/run/WSL/998_interop true.exe 2>&1); rc=$?
check "... or naming a dead socket that still exists (WSL fails: #6799) ($out)" test "$rc" = 0
ns_exec env -u WSL_INTEROP /run/guestinit/interop/true.exe; rc=$?
check "a process with no session and no WSL_INTEROP (a service, cron) finds the hub" test "$rc" = 0

# each session its own socket, as WSL's: /run/WSL/<the session process's pid>_interop
out=$(gh run -- sh -c 'echo "$WSL_INTEROP /run/WSL/${PPID}_interop"; [ -S "$WSL_INTEROP" ] && echo socket')
read -r sess_sock want_sock is_sock <<<"$(tr '\n' ' ' <<<"$out")"
check "a session's WSL_INTEROP is its own socket, /run/WSL/<its pid>_interop ($(tr '\n' ' ' <<<"$out"))" \
  eval '[ "$sess_sock" = "$want_sock" ] && [ "${is_sock:-}" = socket ]'
check "... which is gone when the session ends" wait_for 5 eval "! ns_exec test -e $sess_sock"
ns_exec sh -c 'printf "#!/bin/sh\n/run/guestinit/interop/true.exe; echo \$? > /tmp/svc.rc\n" > /usr/local/bin/svc-interop && chmod +x /usr/local/bin/svc-interop'
mkdir -p "$ROOT/etc/systemd/system"
printf '[Service]\nType=oneshot\nExecStart=/usr/local/bin/svc-interop\n' > "$ROOT/etc/systemd/system/interoptest.service"
gh run -- service interoptest start >/dev/null 2>&1
check "a service started by 'service' runs a host program ($(ns_exec cat /tmp/svc.rc 2>&1))" \
  eval '[ "$(ns_exec cat /tmp/svc.rc 2>/dev/null)" = 0 ]'

# tmux: a pane's host program outlives the session it was started from (WSL kills it:
# #11258), and the server, whose WSL_INTEROP names that ended session, still reaches the host
if command -v tmux >/dev/null; then
  gh run -- sh -c 'tmux -S /tmp/tmux.sock new-session -d "exec sleeper.exe"; while [ ! -e /tmp/go ]; do sleep 0.05; done' \
    >/dev/null 2>&1 &
  tmux_session=$!
  check "tmux: a pane runs a host program" wait_for 10 eval 'pgrep -f "^sleep 300$" >/dev/null'
  ns_exec touch /tmp/go
  wait "$tmux_session"
  sleep 0.5
  check "... which still runs once the session that started tmux has ended" eval 'pgrep -f "^sleep 300$" >/dev/null'
  ns_exec tmux -S /tmp/tmux.sock run-shell '/run/guestinit/interop/exitcode.exe 7; echo $? > /tmp/tmux.rc'
  check "... and the tmux server, with a WSL_INTEROP of an ended session, runs host programs ($(ns_exec cat /tmp/tmux.rc 2>&1))" \
    eval '[ "$(ns_exec cat /tmp/tmux.rc 2>/dev/null)" = 7 ]'
  ns_exec tmux -S /tmp/tmux.sock kill-server
  check "... killing tmux ends the pane's host program" wait_for 5 eval '! pgrep -f "^sleep 300$" >/dev/null'
fi

# protectBinfmt
ns_exec sh -c 'echo -1 > /proc/sys/fs/binfmt_misc/status' 2>/dev/null
check "protectBinfmt: '-1 > status' (systemd-binfmt's flush) leaves WSLInterop" \
  eval 'gh run -- true.exe'
ns_exec sh -c 'echo -1 > /proc/sys/fs/binfmt_misc/WSLInterop' 2>/dev/null
check "... and so does '-1 > WSLInterop'" eval 'gh run -- true.exe'

# Ctrl-C and a host that goes away
# (a background job of a script ignores SIGINT, so the guest's side gets it as a terminal's
# Ctrl-C would give it: to the foreground program, here the interop client)
gh run -- sleeper.exe >/dev/null 2>&1 &
runner=$!
check "a host program runs" wait_for 5 eval "pgrep -f \"^sleep 300\$\" >/dev/null"
ns_exec pkill -INT -f "^/init /run/guestinit/interop/sleeper.exe"
wait "$runner"; rc=$?
check "SIGINT to the guest's side ends the host program, status 130 ($rc)" \
  eval '[ "$rc" = 130 ] && wait_for 5 eval "! pgrep -f \"^sleep 300$\""'

# misbehaving guests on the agent's socket
out=$("$RAWPEER" "unix://$GUEST_SOCK" interop wrong-token)
check "an INTEROP_OPEN with a wrong token is refused ($out)" test "$out" = "REJECT: wrong token"

# a compromised guest knows the token and sends what it likes: only shared drives' PE files
# (here: no Wine) and the alias table's names run
peer() { "$RAWPEER" "unix://$GUEST_SOCK" interop "$TOKEN" "$@" 2>&1 | tr -d '\r' | tr '\n' ' '; }
out=$(peer 'C:\..\secret\file' x)
check "compromised guest: C:\\..\\ climbs out of the drive: refused ($out)" eval 'grep -q "EXEC_ERROR: C:.* leads out of its drive" <<<"$out"'
out=$(peer 'C:\out\file' x)
check "... a link on the drive that leads out: refused ($out)" eval 'grep -q "EXEC_ERROR: C:.out.file leads out of its drive" <<<"$out"'
out=$(peer 'C:\elf.exe' x)
check "... an ELF file on the drive: refused ($out)" eval 'grep -q "EXEC_ERROR: .* is a Linux program (ELF)" <<<"$out"'
out=$(peer 'C:\notpe.exe' x)
check "... a file that is not PE: refused ($out)" eval 'grep -q "EXEC_ERROR: .* is not a Windows program" <<<"$out"'
out=$(peer 'C:\fake.exe' x)
check "... a PE file on a host without Wine: refused ($out)" eval 'grep -q "EXEC_ERROR: this host runs no Windows programs" <<<"$out"'
out=$(peer '/bin/sh' sh -c 'echo pwned')
check "... a host path: refused ($out)" eval 'grep -q "EXEC_ERROR: /bin/sh is on no drive this host shares" <<<"$out" && ! grep -q pwned <<<"$out"'
out=$(peer 'D:\x.exe' x)
check "... a drive the host does not share: refused ($out)" eval 'grep -q "EXEC_ERROR: drive D: is not shared" <<<"$out"'
out=$(peer 'Z:\anywhere\TRUE.EXE' x)
check "... an alias's name runs its command, from any folder, any case ($out)" eval 'grep -q "EXIT: 0" <<<"$out"'
out=$("$RAWPEER" "unix://$GUEST_SOCK" interop "$TOKEN" 'x' 2>&1)
check "... an INTEROP_OPEN alone, then nothing: the agent's child waits for EXEC, the agent goes on" \
  eval 'grep -q "INTEROP_REPLY: ok" <<<"$out" && agent_says "guest: connected"'

# Real Windows programs under Wine, on the host's side (the guest's side of a PE file on a
# drive needs drvfs, which the namespace has not: tests/vm/test_interop.sh)
if command -v wine >/dev/null; then
  kill -TERM "$AGENT"; wait "$AGENT" 2>/dev/null
  "$TOP/scripts/wine-prefix" "$WORK/wine" || fail "scripts/wine-prefix $WORK/wine"
  "$GUESTHOST" --state "$GH_STATE" agent --listen "unix://$GUEST_SOCK" --token-file "$GH_STATE/token" \
    --wine "$WORK/wine" --drive "w=$WORK/wine/drive_c" >>"$AGENT_LOG" 2>&1 &
  AGENT=$!
  NS_PIDS="$NS_PIDS $AGENT"
  wait_for 5 test -S "$GH_STATE/agent.sock"
  check "with --wine the agent keeps a wineserver for its prefix" wait_for 5 eval 'wineserver_of "$WORK/wine" >/dev/null'
  out=$(peer 'W:\windows\system32\cmd.exe' cmd.exe /c ver)
  check "Wine's cmd.exe /c ver runs on the host ($out)" eval 'grep -q "Microsoft Windows" <<<"$out" && grep -q "EXIT: 0" <<<"$out"'
  out=$(peer 'w:/windows/system32/cmd.exe' cmd.exe /c exit 3)
  check "cmd.exe /c exit 3 gives 3 (either separator, either case of the letter) ($out)" eval 'grep -q "EXIT: 3" <<<"$out"'
  out=$(peer 'W:\windows\system32\ipconfig.exe' ipconfig.exe)
  check "ipconfig.exe prints the host's adapters ($(grep -c IPv4 <<<"$out") IPv4 lines)" eval 'grep -q "IPv4" <<<"$out"'
  check "... with no Wine console noise (fixme:)" eval '! grep -q "fixme:" <<<"$out"'
  if command -v x86_64-w64-mingw32-gcc >/dev/null; then
    "$TOP/tests/lib/pe/build" "$WORK/wine/drive_c" || fail "tests/lib/pe/build (mingw-w64)"
    out=$(peer 'W:\echoargs.exe' echoargs.exe a "b c" 'd"e')
    check "a PE program built with mingw-w64 gets its argv whole and its status back ($out)" \
      eval 'grep -qF "[C:\\echoargs.exe] [a] [b c] [d\"e] cmdline=\"C:\\echoargs.exe\" a \"b c\" d\\\"e EXIT: 4" <<<"$out"'
  fi
fi

kill -TERM "$AGENT"; wait "$AGENT" 2>/dev/null
check "the agent's end ends its wineserver" wait_for 5 eval '! wineserver_of "$WORK/wine" >/dev/null'
t0=$(now_ms)
out=$(ns_exec /run/guestinit/interop/true.exe 2>&1); rc=$?
t1=$(now_ms)
check "the host agent stopped: a message and 255 within 2 s ($rc, $((t1 - t0)) ms: $out)" \
  eval '[ "$rc" = 255 ] && [ $((t1 - t0)) -lt 2000 ] && grep -q "cannot reach the host" <<<"$out"'
check "no process is left on the host side" eval '! pgrep -f "^$WORK/" && ! pgrep -f "^sleep 300$"'
finish
