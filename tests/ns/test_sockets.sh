#!/bin/bash
# Socket activation as docker.socket gives dockerd -H fd://: a service's NAME.socket
# (ListenStream=) is made before its main process starts and handed to it as fds 3.. with
# LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES; sockets of a kind we do not make, a group that
# does not exist and a path that is not a socket are refused by name.
SUITE=sockets
. "$(dirname "$0")/lib.sh"

ns_root sockets
R=$ROOT
D=$R/etc/systemd/system
mkdir -p "$D" "$R/run"
# the service answers each connection with what it was given: its LISTEN_ variables, whether
# LISTEN_PID is its own pid, the fds 3 and 4 it got, and whether its ExecStartPre saw any
cat > "$R/etc/answer.py" <<'EOF'
import os, socket, sys
env = {k: v for k, v in os.environ.items() if k.startswith("LISTEN_")}
own = env.get("LISTEN_PID") == str(os.getpid())
pre = open("/run/pre.env").read().strip()
socks = [socket.socket(fileno=fd) for fd in range(3, 3 + int(env.get("LISTEN_FDS", "0")))]
line = "fds=%s names=%s own_pid=%s pre=[%s] families=%s\n" % (
    env.get("LISTEN_FDS"), env.get("LISTEN_FDNAMES"), own, pre,
    ",".join(str(s.family.name) for s in socks))
import selectors
sel = selectors.DefaultSelector()
for s in socks:
    sel.register(s, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        c, _ = key.fileobj.accept()
        c.sendall(line.encode())
        c.close()
EOF
cat > "$D/act.service" <<'EOF'
[Unit]
Requires=act.socket
[Service]
ExecStartPre=/bin/sh -c 'env | grep ^LISTEN_ > /run/pre.env; echo none >> /run/pre.env'
ExecStart=/usr/bin/python3 /etc/answer.py
EOF
cat > "$D/act.socket" <<'EOF'
[Unit]
Description=the suite's socket
[Socket]
ListenStream=/run/act/api.sock
ListenStream=@gi-sockets-act
SocketMode=0660
SocketUser=root
SocketGroup=tty
DirectoryMode=0750
[Install]
WantedBy=sockets.target
EOF
printf '[Service]\nExecStart=/bin/sleep 1001\n' > "$D/dgram.service"
printf '[Socket]\nListenDatagram=/run/dgram.sock\n' > "$D/dgram.socket"
printf '[Service]\nType=notify\nExecStart=/bin/sleep 1002\n' > "$D/nogroup.service"
printf '[Socket]\nListenStream=/run/nogroup.sock\nSocketGroup=no-such-group-here\n' > "$D/nogroup.socket"
printf '[Service]\nType=notify\nExecStart=/bin/sleep 1003\n' > "$D/notsock.service"
printf '[Socket]\nListenStream=/etc/notsock\n' > "$D/notsock.socket"
printf 'keep me\n' > "$R/etc/notsock"
printf '[Service]\nType=notify\nExecStart=/bin/sleep 1004\n' > "$D/badport.service"
printf '[Socket]\nListenStream=127.0.0.1:99999\n' > "$D/badport.socket"
printf '[Service]\nType=notify\nExecStart=/bin/sleep 1005\n' > "$D/accepts.service"
printf '[Service]\nUser=nosuchuserx\nExecStart=/bin/sleep 1006\n' > "$D/nouser.service"
printf '[Socket]\nListenStream=/run/accepts.sock\nAccept=yes\n' > "$D/accepts.socket"

ns_start sockets
S() { ns_exec service "$@"; }
ask() { # ask ADDRESS: the line the service answers on a unix socket (@ for abstract)
  ns_exec python3 -c 'import socket, sys
a = sys.argv[1]
a = "\0" + a[1:] if a[0] == "@" else a
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(a); print(s.recv(4096).decode().strip())' "$1" 2>&1
}

check "a service with a NAME.socket starts" S act start
got=$(ask /run/act/api.sock)
check "... its main process has both sockets as fds 3 and 4 with LISTEN_FDS=2 (got: $got)" \
  grep -q "fds=2 .*families=AF_UNIX,AF_UNIX" <<<"$got"
check "... LISTEN_PID is its own pid, LISTEN_FDNAMES the socket's name per fd" \
  grep -q "names=act.socket:act.socket own_pid=True" <<<"$got"
check "... ExecStartPre= had none of them" grep -qF "pre=[none]" <<<"$got"
check "... the abstract socket answers too" grep -q "fds=2" <<<"$(ask @gi-sockets-act)"
check "... SocketMode=0660, SocketUser=root, SocketGroup=tty" \
  test "$(ns_exec stat -c '%a %U %G %F' /run/act/api.sock)" = "660 root tty socket"
check "... DirectoryMode=0750 for the folder it made" test "$(ns_exec stat -c %a /run/act)" = 750
S act stop
check "after a stop, a start makes the socket again where the last one was" S act start
check "... and it answers" grep -q "fds=2" <<<"$(ask /run/act/api.sock)"
check "... after kill -9 of the service, the restart's socket answers" \
  eval 'ns_exec pkill -9 -f answer.py; sleep 1; S act start >/dev/null 2>&1; grep -q "fds=2" <<<"$(ask /run/act/api.sock)"'
S act stop

check "a socket of a kind not made (ListenDatagram=) is refused, naming the key" \
  says_with 1 "ListenDatagram=" service dgram start
check "SocketGroup= of no such group fails the start, naming the group" \
  says_with 1 "SocketGroup=no-such-group-here: no such group" service nogroup start
check "a path that is not a socket fails the start, naming the path" \
  says_with 1 "ListenStream=/etc/notsock: bind" service notsock start
check "... and the file there is kept" grep -qx "keep me" "$R/etc/notsock"
check "a port past 65535 fails the start, naming the value" \
  says_with 1 "ListenStream=127.0.0.1:99999: expected" service badport start
check "Accept=yes (an instance per connection) is refused by name" \
  says_with 1 "Accept=yes" service accepts start
finish
