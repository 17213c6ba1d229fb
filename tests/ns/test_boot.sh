#!/bin/bash
# Boot: ready line, mounts, /run, runlevel, sessions and their exit status, clean children.
SUITE=boot
. "$(dirname "$0")/lib.sh"

ns_root boot
ns_run cmdline cat /proc/1/cmdline
check "session sees our init as PID 1" grep -qa "^/init" "$CONSOLE"
check "a session's output reaches the console" grep -qa -- "--cat" <(tr '\0' '-' < "$CONSOLE")
check "boot ends with 'guestinit: ready in N ms'" grep -qE "^guestinit: ready in [0-9]+ ms$" "$CONSOLE"

ns_run exit7 sh -c 'exit 7'
check "the session's exit status is the namespace's (7)" test "$RC" -eq 7
ns_run notfound no-such-command
check "a missing session command gives 127" test "$RC" -eq 127
check "... and says so" grep -q "no-such-command: command not found" "$CONSOLE"

ns_run sig /opt/gi/sigstate
check "children start with no blocked signals" grep -q "^SigBlk:[[:space:]]*0*$" "$CONSOLE"
check "children start with no ignored signals" grep -q "^SigIgn:[[:space:]]*0*$" "$CONSOLE"
check "children have only fds 0-2" grep -q "^fds: 0 1 2$" "$CONSOLE"
check "children are not OOM-immune" grep -q "^oom_score_adj: 0$" "$CONSOLE"

ns_start live
M=$(ns_exec cat /proc/self/mountinfo)
for t in /proc /sys /dev/pts /dev/shm /run /sys/fs/cgroup /proc/sys/fs/binfmt_misc; do
  check "$t is mounted" grep -q " $t " <<<"$M"
done
check "cgroup2 at /sys/fs/cgroup" grep -q " /sys/fs/cgroup .* - cgroup2 " <<<"$M"
check "/run is a tmpfs" grep -q " /run .* - tmpfs " <<<"$M"
check "/run/lock exists" ns_exec test -d /run/lock
check "/var/run points to /run" ns_exec test /var/run -ef /run
check "/run/systemd/system is not created" ns_exec test ! -e /run/systemd/system
check "runlevel prints 'N 2'" test "$(ns_exec runlevel)" = "N 2"
check "who -r shows run-level 2" ns_says 'run-level 2' who -r
check "loopback is up" ns_says 'state UNKNOWN|UP' ip -o link show lo
check "binfmt_misc is the namespace's own" ns_exec test -e /proc/sys/fs/binfmt_misc/register
check "PID 1's cwd is /" test "$(readlink /proc/$PID1/cwd)" = "$ROOT"
finish
