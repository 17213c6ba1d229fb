#!/bin/bash
# Networking in the real VM: the guest's listeners at the host's localhost (nginx, enabled at
# boot, and a server block added on 8123), in a real browser (the seed's step 4: Chromium
# loads the nginx page, its screenshot is saved); the guest's addresses, route, MTU, IPv6 and
# DNS; /etc/hosts and resolv.conf as generated, and byte-identical with generate*=false; the
# host reached by name from the guest; apt-get update through the host's network.
SUITE=vmnetwork
set -u
: "${GUESTHOST:?}" "${GUESTHOST_INIT:?}"
. "$(dirname "$0")/lib.sh" vmnetwork
PY=/usr/bin/python3
HTTPD=

cleanup() {
  [ -z "$HTTPD" ] || kill "$HTTPD" 2>/dev/null
  vm_stop
  rm -rf "$WORK"
}
trap cleanup EXIT
g() { gh run -- sh -c "$1"; }
# the host port of guest PORT/tcp in `guesthost ports` ("guest 80/tcp → host 127.0.0.1:80 ...")
host_port() { gh ports 2>/dev/null | awk -v p="$1/tcp" '$2 == p && $4 == "host" { sub(/.*:/, "", $5); print $5; exit }'; }

gh start >"$WORK/start.out" 2>&1; rc=$?
check "boot (status $rc)" test "$rc" = 0
[ "$rc" = 0 ] || { tail -n 20 "$WORK/start.out" "$GH_STATE/console.log"; finish; exit 1; }

ok=; wait_for 30 eval '[ -n "$(host_port 80)" ] && [ -n "$(host_port 22)" ]' && ok=1
check "guesthost ports lists nginx's 80/tcp and sshd's 22/tcp, enabled at boot ($(gh ports | tr '\n' ' '))" test -n "$ok"
P80=$(host_port 80)
check "the host's curl of 127.0.0.1:$P80 gets the nginx page" eval 'curl -s --max-time 5 "http://127.0.0.1:$P80/" | grep -q "Welcome to nginx"'
check "... of [::1]:$P80 too (nginx listens on both)" eval 'curl -s --max-time 5 "http://[::1]:$P80/" | grep -q "Welcome to nginx"'
check "... and of localhost:$P80" eval 'curl -s --max-time 5 "http://localhost:$P80/" | grep -q "Welcome to nginx"'

# the seed's step 4 in a real browser
shots=$TOP/build/artifacts/vmnetwork
mkdir -p "$shots"
chromium_run() {
  timeout 60 chromium --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-background-networking \
    --no-first-run --user-data-dir="$WORK/chromium" --window-size=800,600 "$@" 2>>"$WORK/chromium.err"
}
chromium_run --dump-dom "http://localhost:$P80/" >"$WORK/dom.html"
check "Chromium on the host loads http://localhost:$P80/: the DOM has \"Welcome to nginx\"" grep -q "Welcome to nginx" "$WORK/dom.html"
rm -f "$shots/nginx-welcome.png"
(cd "$WORK" && chromium_run --screenshot="$shots/nginx-welcome.png" "http://localhost:$P80/" >/dev/null)
check "... and its screenshot is saved ($shots/nginx-welcome.png, $(stat -c %s "$shots/nginx-welcome.png" 2>/dev/null) bytes)" \
  eval 'file "$shots/nginx-welcome.png" | grep -q "PNG image data, 800 x 600"'

# a new listener: a server block on 8123, reloaded
t0=$(now_ms)
g 'printf "server { listen 8123; listen [::]:8123; root /var/www/html; }\n" > /etc/nginx/conf.d/test-8123.conf && nginx -s reload'
ok=; wait_for 5 eval 'curl -s --max-time 1 -o /dev/null http://127.0.0.1:8123/' && ok=1
t1=$(now_ms)
check "a server block on 8123, reloaded: the host's curl 127.0.0.1:8123 works within 1 s ($((t1 - t0)) ms from the reload command)" \
  eval '[ -n "$ok" ] && [ $((t1 - t0)) -le 1000 ]'
g 'rm -f /etc/nginx/conf.d/test-8123.conf && nginx -s reload'
check "... removed and reloaded: the host's 8123 is gone within 1 s" wait_for 1 eval '[ -z "$(host_port 8123)" ] && ! curl -s --max-time 1 -o /dev/null http://127.0.0.1:8123/'

check "guest 80/tcp's 127.0.0.1 is QEMU's forward, its [::1] the agent's relay ($(gh ports | grep '^guest 80/'))" \
  eval 'gh ports | grep -q "^guest 80/tcp → host 127.0.0.1:$P80 \[::1\]:$P80 .*127.0.0.1 by QEMU.s user network, \[::1\] by the agent"'
# a listener on the guest's loopback only: QEMU cannot reach it, the agent's relay does
g 'printf "server { listen 127.0.0.1:8124; root /var/www/html; index index.nginx-debian.html; }\n" > /etc/nginx/conf.d/test-8124.conf && nginx -s reload'
ok=; wait_for 5 eval 'curl -s --max-time 1 http://127.0.0.1:8124/ | grep -q "Welcome to nginx"' && ok=1
check "a listener on the guest's 127.0.0.1:8124 only is at the host's 127.0.0.1:8124, relayed by the agent ($(gh ports | grep '^guest 8124/'))" \
  eval '[ -n "$ok" ] && gh ports | grep -q "^guest 8124/tcp → host 127.0.0.1:8124 .*; by the agent;"'
check "... and at [::1]:8124 too" eval 'curl -s --max-time 2 "http://[::1]:8124/" | grep -q "Welcome to nginx"'
big=$(g 'head -c 16777216 /dev/urandom > /var/www/html/big.bin && sha256sum /var/www/html/big.bin' | cut -d' ' -f1)
check "... 16 MiB through the relay arrive whole (sha256)" eval '[ "$(curl -s --max-time 60 http://127.0.0.1:8124/big.bin | sha256sum | cut -d" " -f1)" = "$big" ]'
g 'rm -f /etc/nginx/conf.d/test-8124.conf /var/www/html/big.bin && nginx -s reload'

# addresses, route, MTU, IPv6 and DNS as the host's user network gives them
addr=$(g 'ip -j addr show dev eth0')
check "eth0 has 10.0.2.15/24 and MTU 1500 (ip -j addr)" eval '$PY -c "
import json, sys
a = json.load(sys.stdin)[0]
ok = a[\"mtu\"] == 1500 and any(i[\"family\"] == \"inet\" and i[\"local\"] == \"10.0.2.15\" and i[\"prefixlen\"] == 24 for i in a[\"addr_info\"])
sys.exit(0 if ok else 1)" <<<"$addr"'
check "... and a global IPv6 address from the user network's router advertisement" wait_for 15 eval 'g "ip -j -6 addr show dev eth0 scope global" | $PY -c "
import json, sys
sys.exit(0 if any(i[\"family\"] == \"inet6\" for a in json.load(sys.stdin) for i in a[\"addr_info\"]) else 1)"'
check "the default route is via 10.0.2.2 on eth0 (ip -j route)" eval 'g "ip -j route show default" | $PY -c "
import json, sys
sys.exit(0 if any(r.get(\"gateway\") == \"10.0.2.2\" and r.get(\"dev\") == \"eth0\" for r in json.load(sys.stdin)) else 1)"'
check "resolv.conf names the user network's DNS, with the header" \
  g 'grep -qx "nameserver 10.0.2.3" /etc/resolv.conf && grep -q "generateResolvConf = false" /etc/resolv.conf'
hosts=$(g 'cat /etc/hosts'); gname=$(g hostname) # (check's own variable is "name")
check "/etc/hosts: localhost, the hostname on 127.0.1.1, host.internal, ::1, and how to stop it" eval '
  grep -qx "127.0.0.1	localhost" <<<"$hosts" && grep -qx "127.0.1.1	$gname.	$gname" <<<"$hosts" &&
  grep -qx "10.0.2.2	host.internal" <<<"$hosts" && grep -q "^::1	localhost" <<<"$hosts" && grep -q "generateHosts = false" <<<"$hosts"'
check "the guest resolves its hostname and host.internal" g "getent hosts $gname >/dev/null && getent hosts host.internal | grep -q '^10.0.2.2 '"
"$PY" -m http.server --bind 127.0.0.1 0 >"$WORK/httpd.log" 2>&1 &
HTTPD=$!
wait_for 5 grep -q "Serving HTTP" "$WORK/httpd.log"
hport=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$WORK/httpd.log" | head -n 1)
check "the guest reaches a server on the host's loopback as host.internal:$hport" g "curl -s --max-time 5 -o /dev/null http://host.internal:$hport/"
kill "$HTTPD"; wait "$HTTPD" 2>/dev/null; HTTPD=

t0=$(now_ms)
check "apt-get update in the guest through the host's network" g 'apt-get update -q >/tmp/apt.log 2>&1 || { tail -n 5 /tmp/apt.log; false; }'
echo "  (apt-get update took $(( ($(now_ms) - t0) / 1000 )) s)"

# generate*=false: the files are left byte for byte as the user wrote them
g 'printf "[network]\ngenerateHosts = false\ngenerateResolvConf = false\n" > /etc/wsl.conf &&
   printf "127.0.0.1 mine\n# kept\n" > /etc/hosts && printf "nameserver 192.0.2.53\n# mine\n" > /etc/resolv.conf &&
   sha256sum /etc/hosts /etc/resolv.conf > /root/net.sums'
gh shutdown --reboot >"$WORK/reboot.out" 2>&1; rc=$?
check "reboot with generateHosts=false and generateResolvConf=false (status $rc)" test "$rc" = 0
check "... /etc/hosts and /etc/resolv.conf are byte-identical" g 'sha256sum -c --quiet /root/net.sums'
# and resolv.conf as a dangling link (systemd-resolved's stub, without systemd-resolved)
g 'rm -f /etc/wsl.conf /root/net.sums && ln -sf /run/systemd/resolve/stub-resolv.conf /etc/resolv.conf'
gh shutdown --reboot >"$WORK/reboot2.out" 2>&1
check "... and without them generated again" g 'grep -q "generateHosts = false" /etc/hosts && grep -qx "nameserver 10.0.2.3" /etc/resolv.conf'
check "... the dangling resolv.conf link replaced by the file" g 'test -f /etc/resolv.conf && ! test -L /etc/resolv.conf'
check "after the reboots nginx is forwarded again" wait_for 30 eval 'curl -s --max-time 2 "http://127.0.0.1:$(host_port 80)/" | grep -q "Welcome to nginx"'

# networkingMode=mirrored (passt): the guest has the host's own address, and its listeners are
# still at the host's localhost (the agent's relay)
gh shutdown >/dev/null 2>&1
hostaddr=$(ip -4 -o addr show dev "$(ip -4 route show default | awk '{ print $5; exit }')" | awk '{ print $4; exit }')
gh start --networking-mode mirrored >"$WORK/start-mirrored.out" 2>&1; rc=$?
check "start --networking-mode mirrored (status $rc: $(grep -o 'networkingMode=mirrored: [^(]*' "$WORK/start-mirrored.out"))" \
  eval '[ "$rc" = 0 ] && grep -q "networkingMode=mirrored: the guest gets the host" "$WORK/start-mirrored.out"'
check "... the guest's eth0 has the host's own address ($hostaddr) and its gateway" \
  eval 'g "ip -4 -o addr show dev eth0" | grep -q " $hostaddr " && g "ip -4 route show default" | grep -q "via $(ip -4 route show default | awk "{ print \$3; exit }")"'
check "... and nginx is at the host's localhost" \
  wait_for 30 eval 'curl -s --max-time 2 "http://127.0.0.1:$(host_port 80)/" | grep -q "Welcome to nginx"'
passt=$(cat "$GH_STATE/passt.pid" 2>/dev/null)
gh shutdown >/dev/null 2>&1
check "... and passt ($passt) ends with the VM" wait_for 5 eval '[ -n "$passt" ] && ! alive "$passt"'
finish
