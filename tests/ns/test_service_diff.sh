#!/bin/bash
# Differential suite: Debian's own /usr/sbin/service (this machine's init-system-helpers) and
# ours, on the same init.d scripts with the same commands, must print the same lines on the
# same streams and exit with the same codes. Ours runs start/stop through the supervisor;
# the scripts cannot tell.
SUITE=servicediff
. "$(dirname "$0")/lib.sh"

[ -r /usr/sbin/service ] || { fail "Debian's /usr/sbin/service is not installed (init-system-helpers)"; finish; exit 1; }
ns_root diff
R=$ROOT
mkdir -p "$R/etc/init.d" "$R/opt/debian"
cp /usr/sbin/service "$R/opt/debian/service" # outside /usr: ours covers /usr/sbin/service in there
script() { printf '#!/bin/sh\n%s\n' "$2" > "$R/etc/init.d/$1"; chmod +x "$R/etc/init.d/$1"; }
script good 'case "$1" in status) echo "good is running"; exit 0;; start|stop) echo "$1 good"; exit 0;; *) echo "Usage: good {start|stop|status}" >&2; exit 3;; esac'
script silent 'exit 0'
script dead 'case "$1" in status) echo "dead is not running"; exit 3;; *) exit 0;; esac'
script pidless 'case "$1" in status) echo "dead but pidfile"; exit 1;; *) exit 0;; esac'
script nostatus 'echo "Usage: nostatus {start|stop}"; exit 1'
script upper 'echo "USAGE: upper start"; exit 0'
script args 'echo "args: $*"; exit 5'
script envdump 'env | sort'
script failing 'echo "cannot $1" >&2; exit 7'
script stderr 'echo "to stderr" >&2; exit 0'
for f in README skeleton old.dpkg-old new.dpkg-dist functions halt rc rcS; do script "$f" 'echo "must not run"; exit 0'; done
printf '#!/bin/sh\necho x\n' > "$R/etc/init.d/notexec"
mkdir -p "$R/etc/init.d/adir"

ns_start diff

# same CMD... for both: stdout, stderr and the exit code must match
same() {
  local name=$1; shift
  local o1 e1 r1 o2 e2 r2
  o1=$(ns_exec env LANG=C.UTF-8 FOO=bar /opt/debian/service "$@" 2>"$WORK/e1"); r1=$?
  o2=$(ns_exec env LANG=C.UTF-8 FOO=bar service "$@" 2>"$WORK/e2"); r2=$?
  e1=$(cat "$WORK/e1"); e2=$(cat "$WORK/e2")
  if [ "$o1" = "$o2" ] && [ "$e1" = "$e2" ] && [ "$r1" = "$r2" ]; then
    pass "$name (exit $r1)"
  else
    fail "$name"
    printf '  debian: exit %s\n  stdout: %s\n  stderr: %s\n  ours:   exit %s\n  stdout: %s\n  stderr: %s\n' \
      "$r1" "$o1" "$e1" "$r2" "$o2" "$e2"
  fi
}

same "no arguments" 
same "--help" --help
same "-h" -h
same "--help after a name" good --help
same "--version" --version
same "-V" -V
same "--status-all: [ + ] [ - ] [ ? ] lines, ignored files, sorted, exit 0" --status-all
same "unknown service" nosuch start
same "unknown service, status" nosuch status
same "status running (0)" good status
same "status stopped (3)" dead status
same "status dead with pidfile (1)" pidless status
same "start through the supervisor" good start
same "stop through the supervisor" good stop
same "the script's own verb, exit code passed through" failing reload
same "custom action with arguments" args frobnicate a b
same "no action: the script's usage" good
same "--full-restart" good --full-restart
same "--full-restart of an unknown service" nosuch --full-restart
same "environment seen by the script (start)" envdump start
same "environment seen by the script (status)" envdump status
same "stderr of the script reaches the caller" stderr start
same "a non-executable script is unrecognized" notexec start
same "--status-all with other words is a service name" --status-all foo
finish
