# The test harness shared by the shell tiers (tests/ns, tests/vm): results as "PASS: suite:
# name" / "FAIL: suite: name" lines and a closing "suite: N passed, N failed", which ./check
# counts. The suite sets SUITE before sourcing.
PASSED=0
FAILED=0

pass() { echo "PASS: $SUITE: $1"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL: $SUITE: $1"; FAILED=$((FAILED + 1)); }
check() { # check NAME CMD... : passes when CMD succeeds
  name=$1; shift
  if "$@"; then pass "$name"; else fail "$name"; fi
}
finish() { echo "$SUITE: $PASSED passed, $FAILED failed"; [ "$FAILED" -eq 0 ]; }

# wait_for SECONDS CMD...: polls CMD every 20 ms.
wait_for() {
  limit=$1; shift
  end=$(( $(date +%s%N) / 1000000 + limit * 1000 ))
  while [ "$(( $(date +%s%N) / 1000000 ))" -lt "$end" ]; do
    "$@" 2>/dev/null && return 0
    sleep 0.02
  done
  return 1
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# alive PID: the process runs. One that has ended is a zombie until the machine's init reaps
# it, and kill -0 would still find it.
alive() { [ -e "/proc/$1" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; }

# wineserver_of PREFIX: the pid of the wineserver that serves PREFIX (none: status 1). Wine
# runs a prefix's server in a folder named server-DEV-INODE of the prefix (under a temporary
# folder of its choosing), so other Wine users on the machine are not mistaken for ours.
wineserver_of() {
  local name pid
  name=server-$(printf '%x-%x' "$(stat -c %d "$1" 2>/dev/null)" "$(stat -c %i "$1" 2>/dev/null)") || return 1
  for pid in $(pgrep -f '^/usr/lib/wine/wineserver'); do
    case "$(readlink "/proc/$pid/cwd" 2>/dev/null)" in */"$name") echo "$pid"; return 0 ;; esac
  done
  return 1
}
