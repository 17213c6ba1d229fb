# Sourced by tests/ns/test_*.sh. Runs guestinit's init as PID 1 of fresh namespaces and
# checks it from outside. Needs: INIT (the init binary), NSRUN, HELPERS (dir with orphans,
# sigstate). Every namespace dies with its nsrun (PR_SET_PDEATHSIG), and the EXIT trap kills
# every nsrun this script started, so nothing is left behind even when a check fails.
set -u
: "${INIT:?INIT must name the init binary}" "${NSRUN:?}" "${HELPERS:?}"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/gi-ns.XXXXXX)
NS_PIDS=
cleanup() {
  for p in $NS_PIDS; do kill -KILL "$p" 2>/dev/null; done
  for p in $NS_PIDS; do wait "$p" 2>/dev/null; done
  # a mount of the guest's files (\\wsl$) made by an agent: away first, lazily, so that the
  # removal below never walks into it
  awk -v w="$WORK/" 'index($5, w) == 1 && $0 ~ / - fuse\.guestfs / { print $5 }' /proc/self/mountinfo |
    while read -r m; do fusermount3 -u -z "$m" 2>/dev/null || umount -l "$m"; done
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

. "$TOP/tests/lib/harness.sh"

# ns_root NAME: a fresh root; sets ROOT and BINDS.
ns_root() {
  ROOT=$WORK/$1
  BINDS=$("$TOP/scripts/mkroot-ns" "$ROOT" "$INIT" "$HELPERS") || { echo "mkroot-ns failed" >&2; exit 1; }
}

# ns_start NAME [SESSION ARGS...]: boots in the background; sets NS (nsrun's pid), PID1 (the
# init's pid as the machine sees it) and CONSOLE. Waits for "ready".
ns_start() {
  name=$1; shift
  CONSOLE=$WORK/$name.console
  # shellcheck disable=SC2086
  if [ $# -gt 0 ]; then
    "$NSRUN" $BINDS --pidfile "$WORK/$name.pid" "$ROOT" /init -- "$@" >"$CONSOLE" 2>&1 </dev/null &
  else
    "$NSRUN" $BINDS --pidfile "$WORK/$name.pid" "$ROOT" /init >"$CONSOLE" 2>&1 </dev/null &
  fi
  NS=$!
  NS_PIDS="$NS_PIDS $NS"
  wait_for 10 grep -q "guestinit: ready in" "$CONSOLE" || { echo "--- console:"; cat "$CONSOLE"; return 1; }
  PID1=$(cat "$WORK/$name.pid")
}

# ns_run NAME ARGS...: boots with a session command and waits for the end; sets RC.
ns_run() {
  name=$1; shift
  CONSOLE=$WORK/$name.console
  # shellcheck disable=SC2086
  timeout 60 "$NSRUN" $BINDS "$ROOT" /init -- "$@" >"$CONSOLE" 2>&1 </dev/null
  RC=$?
}

# ns_exec CMD...: runs CMD inside the running namespace (all of its namespaces and its root).
ns_exec() {
  nsenter -t "$PID1" -a -r -w env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

# ns_says PATTERN CMD...: CMD, run inside, prints a line matching PATTERN (grep -E).
ns_says() {
  pattern=$1; shift
  ns_exec "$@" 2>&1 | grep -qE -- "$pattern"
}

# says_with CODE TEXT CMD...: CMD, run inside, exits CODE and prints TEXT (a fixed string).
says_with() {
  code=$1 text=$2; shift 2
  out=$(ns_exec "$@" 2>&1); rc=$?
  [ "$rc" -eq "$code" ] && grep -qF -- "$text" <<<"$out"
}


# ns_wait_exit SECONDS: waits for nsrun to end; sets RC (124 on timeout).
# A timeout shows what was left: the console's end and the namespace's processes, so that a
# failure in CI says where the shutdown stood.
ns_wait_exit() {
  if wait_for "$1" ns_ended; then wait "$NS"; RC=$?; return; fi
  RC=124
  echo "--- $CONSOLE, still running after $1 s; its end:"
  tail -n 25 "$CONSOLE"
  echo "--- the namespace's processes (pid state wchan cmdline):"
  ns_ps
}
ns_ps() {
  want=$(readlink "/proc/$PID1/ns/pid")
  for d in /proc/[0-9]*; do
    [ "$(readlink "$d/ns/pid" 2>/dev/null)" = "$want" ] || continue
    printf '%s %s %s %s\n' "${d#/proc/}" "$(cut -d' ' -f3 "$d/stat" 2>/dev/null)" \
      "$(cat "$d/wchan" 2>/dev/null)" "$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null)"
  done
}
# A child that ended is a zombie until waited for, and kill -0 still finds it.
ns_ended() { [ ! -e "/proc/$NS" ] || [ "$(cut -d' ' -f3 "/proc/$NS/stat")" = Z ]; }


write_conf() { printf '%s\n' "$@" > "$ROOT/etc/wsl.conf"; }

# ns_procs [STATE]: how many processes the namespace has (in STATE, e.g. Z), seen from outside.
ns_procs() {
  want=$(readlink "/proc/$PID1/ns/pid") n=0
  for d in /proc/[0-9]*; do
    [ "$(readlink "$d/ns/pid" 2>/dev/null)" = "$want" ] || continue
    [ -z "${1:-}" ] || [ "$(cut -d' ' -f3 "$d/stat" 2>/dev/null)" = "$1" ] || continue
    n=$((n + 1))
  done
  echo "$n"
}

# ns_power CMD...: a power command from inside. The shutdown it starts may SIGTERM the command
# itself before it has exited (so does systemd's); nsenter then dies of the same signal, and
# bash would print "Terminated". The outcome is checked through nsrun's status instead.
ns_power() { ( ns_exec "$@" ) 2>/dev/null; true; }
