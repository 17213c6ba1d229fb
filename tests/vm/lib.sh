# What every VM suite starts with. Sourced as: . "$(dirname "$0")/lib.sh" NAME
# Sets TOP, WORK (/tmp/gi-NAME.XXXXXX), GH_STATE and $WORK/gh (session_setup), and sources
# the harness and the session checks. vm_stop ends this suite's QEMU and agent, whatever state
# they are in; each suite's EXIT trap calls it.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=$(mktemp -d "/tmp/gi-$1.XXXXXX")
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/session_checks.sh"
export GUESTHOST_INIT
GH_STATE=$WORK/state
session_setup

vm_stop() {
  pid=$(cat "$GH_STATE/qemu.pid" 2>/dev/null) && alive "$pid" && gh shutdown --force >/dev/null 2>&1
  pid=$(cat "$GH_STATE/agent.pid" 2>/dev/null) && kill -TERM "$pid" 2>/dev/null
}
