#!/bin/bash
# What container engines need from the guest, in the real VM and offline (issue 22's kernel
# and cgroup part; docker.io itself comes from Debian's mirror): the modules load on demand
# and none at boot (overlay, bridge, veth, br_netfilter, nf_tables with iptables-nft's
# matches and targets, ip_tables for iptables-legacy, tun), /dev/net/tun and /dev/fuse exist
# without udev, and a container built by hand the way docker builds one works end to end: a
# network namespace on a bridge through a veth pair, nginx in it reached from the guest through
# a DNAT rule in docker's shape, its traffic to the host through MASQUERADE. cgroup v2 has
# every controller delegated to the services' groups, and a 64 MiB memory.max is enforced.
SUITE=vmcontainers
set -u
: "${GUESTHOST:?}" "${GUESTHOST_INIT:?}"
. "$(dirname "$0")/lib.sh" vmcontainers
HTTPD=

cleanup() {
  [ -z "$HTTPD" ] || kill "$HTTPD" 2>/dev/null
  vm_stop
  rm -rf "$WORK"
}
trap cleanup EXIT
g() { gh run -- sh -c "$1"; }

gh start >"$WORK/start.out" 2>&1; rc=$?
check "boot (status $rc)" test "$rc" = 0
[ "$rc" = 0 ] || { tail -n 20 "$WORK/start.out" "$GH_STATE/console.log"; finish; exit 1; }

# mods RE: the loaded modules whose names match, sorted, on one line
mods() { g "awk '\$1 ~ /^($1)\$/ { print \$1 }' /proc/modules | sort" | tr '\n' ' '; }
loaded=$(mods 'overlay|bridge|veth|nf_tables|ip_tables|tun|br_netfilter')
check "no container module is loaded at boot ($loaded)" test -z "$loaded"
check "iptables is Debian's, on the nft backend" eval 'g "iptables --version" | grep -q "nf_tables"'
nodes=$(g 'stat -c "%n %F %t:%T %a" /dev/net/tun /dev/fuse' | tr '\n' ' ')
check "/dev/net/tun and /dev/fuse are there for every user, from modules.devname ($nodes)" \
  test "$nodes" = "/dev/net/tun character special file a:c8 666 /dev/fuse character special file a:e5 666 "
check "a tap device (tun loaded by opening /dev/net/tun)" g 'ip tuntap add dev tap-t mode tap && ip link show tap-t >/dev/null && ip link del tap-t'

out=$(g 'mkdir -p /tmp/ov/l /tmp/ov/u /tmp/ov/w /tmp/ov/m && echo low > /tmp/ov/l/f &&
  mount -t overlay overlay -o lowerdir=/tmp/ov/l,upperdir=/tmp/ov/u,workdir=/tmp/ov/w /tmp/ov/m &&
  echo up > /tmp/ov/m/g && cat /tmp/ov/m/f && ls /tmp/ov/u && umount /tmp/ov/m' 2>&1 | tr '\n' ' ')
check "an overlay mount (overlay loaded on demand): the lower file reads, a new one lands in upper ($out)" \
  test "$out" = "low g "

# a container by hand, the way dockerd and its default bridge network make one
HPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$WORK/www" && echo "from the host" > "$WORK/www/index.html"
python3 -m http.server --bind 127.0.0.1 --directory "$WORK/www" "$HPORT" >"$WORK/httpd.log" 2>&1 &
HTTPD=$!
gh run -- sh -c 'cat > /tmp/container.sh' <<'SH'
set -e
ip netns add c1
ip link add br-t type bridge
ip addr add 10.88.0.1/24 dev br-t
ip link set br-t up
ip link add veth-h type veth peer name veth-c
ip link set veth-h master br-t up
ip link set veth-c netns c1
ip -n c1 addr add 10.88.0.2/24 dev veth-c
ip -n c1 link set veth-c up
ip -n c1 link set lo up
ip -n c1 route add default via 10.88.0.1
echo 1 > /proc/sys/net/ipv4/ip_forward
modprobe br_netfilter
# docker's rules, in its chains' shape
iptables -t nat -N T-DOCKER
iptables -t nat -A OUTPUT -m addrtype --dst-type LOCAL -j T-DOCKER
iptables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j T-DOCKER
iptables -t nat -A T-DOCKER -p tcp --dport 8088 -j DNAT --to-destination 10.88.0.2:80
iptables -t nat -A POSTROUTING -s 10.88.0.0/24 ! -o br-t -j MASQUERADE
iptables -A FORWARD -o br-t -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
iptables -A FORWARD -i br-t -j ACCEPT
mkdir -p /tmp/c1/www
echo "from the container" > /tmp/c1/www/index.html
cat > /tmp/c1/nginx.conf <<'CONF'
pid /tmp/c1/nginx.pid;
error_log /tmp/c1/error.log;
events {}
http { access_log off; server { listen 10.88.0.2:80; root /tmp/c1/www; } }
CONF
ip netns exec c1 nginx -c /tmp/c1/nginx.conf
SH
out=$(g 'sh /tmp/container.sh 2>&1; echo status $?' | tr '\n' ' ')
check "bridge, veth pair, network namespace and docker's iptables rules ($out)" test "$out" = "status 0 "
out=$(mods 'bridge|veth|br_netfilter|nf_tables|nft_compat|nf_nat|nf_conntrack')
check "... which loaded bridge, veth, br_netfilter, nf_tables, nft_compat, nf_nat, nf_conntrack on demand ($out)" \
  test "$out" = "br_netfilter bridge nf_conntrack nf_nat nf_tables nft_compat veth "
check "br_netfilter: bridged traffic goes through iptables" test "$(g 'cat /proc/sys/net/bridge/bridge-nf-call-iptables')" = 1
out=$(g 'curl -s --max-time 10 http://$(ip -4 -o addr show eth0 | sed "s/.*inet \([0-9.]*\).*/\1/"):8088/' 2>&1)
check "the guest reaches nginx in the namespace through the DNAT rule ($out)" test "$out" = "from the container"
out=$(g "ip netns exec c1 curl -s --max-time 10 http://10.0.2.2:$HPORT/" 2>&1)
check "the namespace reaches the host through MASQUERADE and QEMU's network ($out)" test "$out" = "from the host"
out=$(g 'iptables-legacy -t nat -L -n >/dev/null' && mods 'ip_tables|iptable_nat')
check "iptables-legacy works too (ip_tables, iptable_nat: $out)" test "$out" = "ip_tables iptable_nat "
g 'kill $(cat /tmp/c1/nginx.pid); ip netns del c1; ip link del br-t; iptables -t nat -F; iptables -t nat -X T-DOCKER; iptables -F FORWARD' >/dev/null 2>&1

# cgroup v2: every controller delegated, as dockerd, runc and crun expect
root=$(g 'cat /sys/fs/cgroup/cgroup.subtree_control')
check "the root delegates cpu, io, memory and pids ($root)" \
  eval 'for c in cpu io memory pids; do grep -qw "$c" <<<"$root" || exit 1; done'
svc=$(g 'cat /sys/fs/cgroup/services/nginx/cgroup.controllers')
check "... and a service's own group has them (nginx's: $svc), which dockerd reads for its own" \
  eval 'for c in cpu io memory pids; do grep -qw "$c" <<<"$svc" || exit 1; done'
gh run -- sh -c 'cat > /tmp/oom.sh' <<'SH'
mkdir /sys/fs/cgroup/t64
echo 64M > /sys/fs/cgroup/t64/memory.max
echo 0 > /sys/fs/cgroup/t64/memory.swap.max 2>/dev/null
sh -c 'echo $$ > /sys/fs/cgroup/t64/cgroup.procs && exec perl -e "\$x = q(x) x (128 << 20); print qq(survived\n)"'
echo "status $?"
sh -c 'echo $$ > /sys/fs/cgroup/t64/cgroup.procs && exec perl -e "\$x = q(x) x (16 << 20); print qq(fits\n)"'
grep -o "oom_kill [0-9]*" /sys/fs/cgroup/t64/memory.events
SH
out=$(g 'sh /tmp/oom.sh 2>/dev/null; rmdir /sys/fs/cgroup/t64' | tr '\n' ' ')   # (without dash's "Killed")
check "memory.max 64M: a 128 MiB process is killed by the cgroup's OOM, a 16 MiB one runs ($out)" \
  test "$out" = "status 137 fits oom_kill 1 "
# Docker itself: Debian's docker.io from the mirror, started by `service docker start` through
# its units (containerd.service's LimitNOFILE=infinity, docker.socket's activation for
# dockerd -H fd://), then offline: an image imported from a tarball, a build, a published port
# at the host's localhost, --memory, --restart after kill -9 of dockerd, and a tty.
t0=$SECONDS
out=$(g 'apt-get update -q >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q \
  --no-install-recommends docker.io > /tmp/apt-docker.log 2>&1; echo "status $?"; tail -n 3 /tmp/apt-docker.log')
echo "  (apt-get install docker.io took $((SECONDS - t0)) s)"
check "apt-get install docker.io: its postinst starts containerd and docker (${out%%$'\n'*})" \
  grep -q "^status 0$" <<<"$out"
check "service docker status: running, with containerd running too" \
  eval 'g "service docker status" | grep -q "Active: active (running)" && g "service containerd status" | grep -q "Active: active (running)"'
check "containerd got LimitNOFILE=infinity as systemd gives it: fs.nr_open" \
  eval '[ "$(g "cat /proc/\$(pidof containerd)/limits" | awk "/^Max open files/ { print \$4 }")" = "$(g "cat /proc/sys/fs/nr_open")" ]'
check "dockerd listens on docker.socket's /run/docker.sock (root:docker 0660), handed over by fd" \
  eval 'g "stat -c \"%a %U %G %F\" /run/docker.sock" | grep -qx "660 root docker socket" &&
    g "tr \"\\\\0\" \"\\\\n\" < /proc/\$(pidof dockerd)/environ" | grep -qx "LISTEN_FDNAMES=docker.socket"'
info=$(g 'docker info 2>&1')
check "docker info: cgroup v2, overlay2, no warning ($(grep -c WARNING <<<"$info") warnings)" \
  eval 'grep -q "Cgroup Version: 2" <<<"$info" && grep -q "Storage Driver: overlay2" <<<"$info" && ! grep -q WARNING <<<"$info"'
# an image without a registry: busybox (static) and a page, from a tarball on the host
img=$WORK/bbimg
mkdir -p "$img/bin" "$img/www"
cp "$(command -v busybox)" "$img/bin/busybox"
for a in sh httpd cat echo sleep hostname dd; do ln -s busybox "$img/bin/$a"; done
echo "from a docker container" > "$img/www/index.html"
tar -C "$img" -c . | gh run -- docker import - gi-bb:1 >/dev/null 2>&1
check "docker import of a root filesystem's tarball, piped from the host" \
  eval 'g "docker images --format \"{{.Repository}}:{{.Tag}}\"" | grep -qx "gi-bb:1"'
out=$(g 'docker run --rm gi-bb:1 sh -c "echo in \$(hostname)"' 2>&1)
check "docker run --rm runs in a container of its own ($out)" grep -Eq "^in [0-9a-f]{12}$" <<<"$out"
out=$(g 'mkdir -p /tmp/ctx && cd /tmp/ctx && echo built > page.html &&
  printf "FROM gi-bb:1\nCOPY page.html /www/built.html\nRUN echo ran > /www/run.txt\n" > Dockerfile &&
  docker build -q -t gi-bb:built . >/dev/null && docker run --rm gi-bb:built cat /www/built.html /www/run.txt' 2>&1 | tr '\n' ' ')
check "docker build offline: COPY and RUN ($out)" test "$out" = "built ran "
# a port free on the host: the guest's listener (docker-proxy) appears at the host's localhost
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
g "docker run -d --restart always --name gi-web -p $port:80 gi-bb:1 httpd -f -p 80 -h /www" >/dev/null 2>&1
out=$(g "curl -s --max-time 10 http://127.0.0.1:$port/" 2>&1)
check "docker run -d -p $port:80: the guest reaches the container ($out)" test "$out" = "from a docker container"
got=
for _ in $(seq 1 50); do got=$(curl -s --max-time 5 "http://127.0.0.1:$port/"); [ -n "$got" ] && break; sleep 0.2; done
check "... and so does the host, at 127.0.0.1:$port, by localhost forwarding ($got)" test "$got" = "from a docker container"
out=$(g 'p=$(pidof dockerd); kill -9 $p; for i in $(seq 1 100); do q=$(pidof dockerd);
  [ -n "$q" ] && [ "$q" != "$p" ] && docker info >/dev/null 2>&1 && break; sleep 0.2; done
  for i in $(seq 1 100); do docker ps --format "{{.Names}} {{.Status}}" | grep -q "^gi-web Up" && break; sleep 0.2; done
  docker ps --format "{{.Names}} {{.Status}}"' 2>&1)
check "kill -9 of dockerd: the supervisor starts it again, and --restart always brings the container back ($out)" \
  grep -q "^gi-web Up" <<<"$out"
got=
for _ in $(seq 1 50); do got=$(curl -s --max-time 5 "http://127.0.0.1:$port/"); [ -n "$got" ] && break; sleep 0.2; done
check "... reached from the host again ($got)" test "$got" = "from a docker container"
out=$(g 'docker run --rm --memory 64m --shm-size 256m gi-bb:1 dd if=/dev/zero of=/dev/shm/x bs=1M count=128 2>/dev/null; echo "status $?"
  docker run --rm --memory 64m gi-bb:1 cat /sys/fs/cgroup/memory.max' 2>&1 | tr '\n' ' ')
check "docker run --memory 64m: the container's memory.max, and 128 MiB in it is OOM-killed ($out)" \
  test "$out" = "status 137 67108864 "
# script's stdin stays open (at its end script writes an EOF, which the tty echoes as ^@)
exec {hold}< <(sleep 60); holder=$!
out=$(timeout 60 script -qec "$WORK/gh run -- docker run --rm -it gi-bb:1 sh -c 'test -t 0 && test -t 1 && echo tty'" /dev/null <&"$hold" 2>&1 | tr -d '\r')
kill "$holder" 2>/dev/null; exec {hold}<&-
check "docker run -it from a host terminal: the container has a tty ($out)" grep -qx tty <<<"$out"
out=$(g 'docker stop -t 2 gi-web >/dev/null && docker ps -a --format "{{.Names}} {{.Status}}"' 2>&1)
check "docker stop ($out)" grep -q "^gi-web Exited" <<<"$out"
finish
