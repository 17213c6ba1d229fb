#!/bin/bash
# Interop in the real VM: Wine's programs and our own PE programs (built with mingw-w64) on
# drive C: (a Wine prefix's drive_c, served by our 9P server), typed in the guest's shell and
# run on the host, as the seed's "Pipelining Commands Across Operating Systems" has them.
# One boot. Every VM, agent and Wine process this suite starts is stopped by its EXIT trap.
SUITE=vminterop
set -u
: "${GUESTHOST:?}" "${GUESTHOST_INIT:?}"
. "$(dirname "$0")/lib.sh" vminterop

cleanup() {
  vm_stop
  mountpoint -q "$GH_STATE/guestfs" && fusermount3 -u -z "$GH_STATE/guestfs"
  [ -n "${xvfb_pid:-}" ] && kill "$xvfb_pid" 2>/dev/null
  [ -d "$WORK/wine" ] && WINEPREFIX=$WORK/wine wineserver -k 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
g() { gh run -- bash -lc "$1"; }       # a line in a login shell of the guest, as root
command -v wine >/dev/null || { fail "no wine (scripts/install-deps vm installs it)"; finish; exit 1; }
"$TOP/scripts/wine-prefix" "$WORK/wine" || { fail "scripts/wine-prefix"; finish; exit 1; }
C=$WORK/wine/drive_c
mkdir -p "$C/x" "$C/users"
"$TOP/tests/lib/pe/build" "$C" || { fail "tests/lib/pe/build (mingw-w64)"; finish; exit 1; }

# a display for explorer.exe: an Xvfb of our own on a free number, the agent's DISPLAY
xvfb_pid=
for n in $(seq 77 120); do
  [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || { disp=$n; break; }
done
Xvfb ":$disp" -screen 0 1024x768x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
xvfb_pid=$!
wait_for 10 test -e "/tmp/.X11-unix/X$disp" || fail "Xvfb :$disp did not start ($(cat "$WORK/xvfb.log"))"

DISPLAY=:$disp XDG_DATA_HOME=$WORK/xdg gh start --wine "$WORK/wine" >"$WORK/start.out" 2>&1; rc=$?
check "boot with --wine (status $rc): its drive_c is C:" test "$rc" = 0
[ "$rc" = 0 ] || { tail -n 20 "$WORK/start.out" "$GH_STATE/console.log"; finish; exit 1; }

r=$(g 'cat /proc/sys/fs/binfmt_misc/WSLInterop')
check "WSLInterop is registered, flags PF ($(tr '\n' ' ' <<<"$r"))" \
  eval 'grep -q "^enabled" <<<"$r" && grep -q "^interpreter /init$" <<<"$r" && grep -q "^flags: PF$" <<<"$r" && grep -q "^magic 4d5a$" <<<"$r"'
check "a login shell's PATH ends with the host's Windows PATH (/mnt/c/windows/system32)" \
  eval 'g "echo \$PATH" | grep -q ":/mnt/c/windows/system32:/mnt/c/windows$"'
v=$(g 'cmd.exe /c ver' 2>&1 | tr -d '\r')
check "cmd.exe /c ver prints Wine's Windows version ($v)" eval 'grep -q "Microsoft Windows 6.1" <<<"$v"'
g 'cmd.exe /c exit 3'; rc=$?
check "cmd.exe /c exit 3 returns 3 ($rc)" test "$rc" = 3
n=$(g 'ipconfig.exe | grep -c IPv4' 2>/dev/null | tr -d '\r')
check "ipconfig.exe | grep -c IPv4: the host's adapters, counted in the guest ($n)" test "${n:-0}" -ge 1
codes=$(for n in 0 1 3 255; do g "/mnt/c/exitcode.exe $n" >/dev/null 2>&1; printf '%s ' $?; done)
check "a mingw-w64 program's exit codes come back: 0 1 3 255 ($codes)" test "$codes" = "0 1 3 255 "
g 'nosuchprogram.exe' >/dev/null 2>&1; rc=$?
check "a missing .exe is bash's 127 ($rc)" test "$rc" = 127
out=$(g 'cd /mnt/c && ./echoargs.exe a "b c" "" "d\"e"; echo "status=$?"' 2>&1 | tr -d '\r')
check "./echoargs.exe a \"b c\" ...: argv whole, GetCommandLineW quoted by MSVCRT's rules, status 5 ($(tr '\n' ' ' <<<"$out"))" \
  eval 'grep -qF "[a] [b c] [] [d\"e] " <<<"$(tr "\n" " " <<<"$out")" && grep -qF "a \"b c\" \"\" d\\\"e" <<<"$out" && grep -q "^status=5$" <<<"$out"'
mkdir -p "$C/go"
out=$(GOPATH="$C/go:/nowhere/on/a/drive" LIST="/nowhere" HOSTVAR=fromhost WSLENV=GOPATH/p:LIST/l:HOSTVAR/u:OUTONLY/w OUTONLY=x \
  gh run -- sh -c 'echo "GOPATH=$GOPATH LIST=${LIST-unset} HOSTVAR=$HOSTVAR OUTONLY=${OUTONLY-unset}"')
check "WSLENV from the host: a /p list becomes guest paths (off-drive elements dropped), /u passes, /w does not ($out)" \
  test "$out" = "GOPATH=/mnt/c/go LIST=unset HOSTVAR=fromhost OUTONLY=unset"
out=$(g 'cd /mnt/c/x && FOO=bar WSLENV=FOO /mnt/c/cwdenv.exe FOO' 2>&1 | tr -d '\r')
check "the folder /mnt/c/x arrives as C:\\x, and WSLENV=FOO carries FOO ($(tr '\n' ' ' <<<"$out"))" \
  eval 'grep -q "^cwd=C:\\\\x$" <<<"$out" && grep -q "^var=bar$" <<<"$out"'
out=$(g 'cd /tmp && /mnt/c/cwdenv.exe' 2>&1 | tr -d '\r')
check "a folder on no drive is \\\\wsl.localhost\\Debian\\tmp: the program starts in the host's mount of the guest's files ($(tr '\n' ' ' <<<"$out"))" \
  eval 'grep -q "^cwd=Z:.*\\\\state\\\\guestfs\\\\tmp$" <<<"$out" && mountpoint -q "$GH_STATE/guestfs"'
out=$(g 'cd /mnt/c && printf "a\nb\n" | { ./noread.exe; cat; }' 2>&1)
check "a host program that does not read stdin leaves the pipe to the next reader (WSL#11439 loses it) ($(tr '\n' ' ' <<<"$out"))" \
  test "$(tr '\n' ' ' <<<"$out")" = "a b "
out=$(g 'cd /mnt/c && printf "a\nb\n" | { ./head1.exe; cat; }' 2>&1 | tr -d '\r')
check "... one that reads a line takes only that line ($(tr '\n' ' ' <<<"$out"))" test "$(tr '\n' ' ' <<<"$out")" = "a b "
g 'seq 1 1000 > /tmp/in'
out=$(g '/mnt/c/cat.exe < /tmp/in | tail -n 1' 2>/dev/null | tr -d '\r')
check "cat.exe < file works and ends (WSL#4475) ($out)" test "$out" = 1000
head -c 16M /dev/urandom > "$WORK/blob"
sum=$(gh run -- bash -lc '/mnt/c/cat.exe | sha256sum' < "$WORK/blob" 2>/dev/null | cut -d' ' -f1)
check "16 MiB through cat.exe on the host and back: the same sha256" test "$sum" = "$(sha256sum < "$WORK/blob" | cut -d' ' -f1)"
rm -f "$WORK/blob"

# Ctrl-C: the guest's side gets SIGINT (a terminal's Ctrl-C goes to the foreground program)
gh run -- bash -lc '/mnt/c/sleeper.exe' >/dev/null 2>&1 &
runner=$!
# (Wine names the host process after the program's Windows path; guesthost run's own
# command line holds "sleeper.exe" too)
check "sleeper.exe runs on the host under Wine" wait_for 30 eval 'pgrep -f "^C:.sleeper.exe" >/dev/null'
check "... its client in the guest" wait_for 10 eval 'gh run -- pgrep -f "^/init /mnt/c/sleeper.exe" >/dev/null'
gh run -- sh -c 'pkill -INT -f "^/init /mnt/c/sleeper.exe"'
wait "$runner"; rc=$?
check "SIGINT in the guest ends it on the host: no Wine process of it is left (status $rc)" \
  eval 'wait_for 10 eval "! pgrep -f \"^C:.sleeper.exe\" >/dev/null"'

g 'echo -1 > /proc/sys/fs/binfmt_misc/status' 2>/dev/null
g 'echo -1 > /proc/sys/fs/binfmt_misc/WSLInterop' 2>/dev/null
check "protectBinfmt: after '-1 > status' and '-1 > WSLInterop', cmd.exe still runs" \
  eval 'g "cmd.exe /c exit 0"'
out=$(g 'update-binfmts --disable WSLInterop 2>&1; cmd.exe /c exit 0 && echo ran')
check "... and after update-binfmts --disable WSLInterop ($(tr '\n' ' ' <<<"$out"))" eval 'grep -q "^ran$" <<<"$out"'
check "wslpath -w /mnt/c/windows is C:\\windows" test "$(gh run -- wslpath -w /mnt/c/windows)" = 'C:\windows'

# the socket search where WSL's fails: sudo resets the environment (no WSL_INTEROP), cron
# starts outside every session
out=$(g 'cd /mnt/c && sudo -u nobody /mnt/c/windows/system32/cmd.exe /c exit 4; echo "status=$?"' 2>&1 | tr -d '\r')
check "sudo -u nobody (no WSL_INTEROP, another user) runs a host program ($(tr '\n' ' ' <<<"$out"))" \
  eval 'grep -qx "status=4" <<<"$out"'
g 'rm -f /tmp/cron.rc; printf "* * * * * root cd /mnt/c && /mnt/c/windows/system32/cmd.exe /c exit 6; echo \$? > /tmp/cron.rc\n" > /etc/cron.d/interoptest'
check "cron runs a host program (within its next minute)" wait_for 130 eval '[ "$(g "cat /tmp/cron.rc" 2>/dev/null)" = 6 ]'
g 'rm -f /etc/cron.d/interoptest'

# explorer.exe . typed in /mnt/c/users: Wine's file browser on C:\users, on the host's display
gh run -- bash -lc 'cd /mnt/c/users && explorer.exe .' >"$WORK/explorer.out" 2>&1 &
explorer=$!
win() { DISPLAY=:$disp xwininfo -root -tree 2>/dev/null | grep -E '^ +0x[0-9a-f]+ "users"'; }
check "explorer.exe . in /mnt/c/users opens a window named users on the host's display" wait_for 60 win
shots=$TOP/build/artifacts/vminterop
mkdir -p "$shots"
sleep 1 # the window is mapped: let the browser draw its listing before the picture
DISPLAY=:$disp import -window root "$shots/explorer.png" 2>"$WORK/import.err"
check "... and its screenshot is saved ($shots/explorer.png)" test -s "$shots/explorer.png"
# (a window takes no Ctrl-C, on Windows either: SIGTERM, as a closing terminal would send)
gh run -- sh -c 'pkill -TERM -f "^/init /mnt/c/windows/.*explorer.exe"'
check "... SIGTERM to its client in the guest ends it" wait_for 20 eval '! kill -0 $explorer 2>/dev/null'
wait "$explorer"
check "... and the window is gone" wait_for 20 eval '! win'
# explorer.exe . typed in the default user's home: \\wsl.localhost\Debian\home\user, which the
# agent maps to its mount of the guest's files (Wine's Z: is the host's /)
g 'cd /home/user && /mnt/c/cwdenv.exe' >"$WORK/home.out" 2>&1
check "a program started in /home/user receives the host path of that folder ($(tr -d '\r' < "$WORK/home.out" | tr '\n' ' '))" \
  eval 'tr -d "\r" < "$WORK/home.out" | grep -q "^cwd=Z:.*\\\\state\\\\guestfs\\\\home\\\\user$"'
gh run -- bash -lc 'cd /home/user && explorer.exe .' >"$WORK/explorer2.out" 2>&1 &
explorer=$!
hwin() { DISPLAY=:$disp xwininfo -root -tree 2>/dev/null | grep -E '^ +0x[0-9a-f]+ "user"'; }
check "explorer.exe . in /home/user opens a window on the guest's home, named user" wait_for 60 hwin
gh run -- sh -c 'pkill -TERM -f "^/init /mnt/c/windows/.*explorer.exe"'
wait "$explorer"
# notepad.exe with a guest path: the argument arrives as given (WSL translates no argument),
# so Wine's notepad opens a window about /mnt/c/x.txt, a name it does not know on the host
gh run -- bash -lc 'cd /mnt/c && echo hello > x.txt && notepad.exe /mnt/c/x.txt' >"$WORK/notepad.out" 2>&1 &
notepad=$!
npwin() { DISPLAY=:$disp xwininfo -root -tree 2>/dev/null | grep -E '^ +0x[0-9a-f]+ "[^"]*' | grep -i -E 'notepad|x\.txt'; }
check "notepad.exe /mnt/c/x.txt opens Notepad on the host's display" wait_for 60 npwin
npwin | sed 's/^ */  window: /'
sleep 1
DISPLAY=:$disp import -window root "$shots/notepad.png" 2>>"$WORK/import.err"
gh run -- sh -c 'pkill -TERM -f "^/init /mnt/c/windows/.*notepad.exe"'
check "... and ends with its client (SIGTERM)" wait_for 20 eval '! kill -0 $notepad 2>/dev/null'
wait "$notepad"
finish
