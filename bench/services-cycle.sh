# Runs inside the Debian root for bench/services (a): N start+stop cycles of nginx with
# Debian's own service on the init script, ours on the same script, ours on the unit; one
# "KIND MS" line per cycle.
set -u
n=$1
ms() { echo $(( $(date +%s%N) / 1000000 )); }
cycle() {
  t0=$(ms)
  "$@" nginx start >/dev/null 2>&1 || echo "start failed: $*" >&2
  "$@" nginx stop >/dev/null 2>&1 || echo "stop failed: $*" >&2
  echo $(( $(ms) - t0 ))
}
service nginx stop >/dev/null 2>&1
hook=/lib/lsb/init-functions.d/35-guestinit
mv "$hook" /tmp/hook.saved
for _ in $(seq "$n"); do echo "debian $(cycle /opt/debian-service)"; done
mv /tmp/hook.saved "$hook"
mkdir -p /etc/systemd/system/nginx.service.d
printf '[X-Guestinit]\nUseInitScript=yes\n' > /etc/systemd/system/nginx.service.d/bench.conf
for _ in $(seq "$n"); do echo "script $(cycle service)"; done
rm -rf /etc/systemd/system/nginx.service.d
for _ in $(seq "$n"); do echo "unit $(cycle service)"; done
