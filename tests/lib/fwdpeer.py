#!/usr/bin/python3
"""Both ends of a forwarded TCP connection, for the forwarding tests (tests/ns, tests/vm).

Servers (run in the guest; print "listening" once they listen, then serve until killed):
  fwdpeer.py serve ADDR PORT echo    each connection: its bytes back; its FIN passed on
  fwdpeer.py serve ADDR PORT sha     each connection: read to EOF, answer the sha256 and the size
  fwdpeer.py serve ADDR PORT http    HTTP/1.1 with keep-alive: GET / answers "hello N" (the
                                     connection's request count), and the connection count
  fwdpeer.py serve ADDR PORT reset   each connection: reset at once (SO_LINGER 0)
  fwdpeer.py serve ADDR PORT peerreset  each connection: read; print "reset seen" on ECONNRESET
Clients (run on the host; exit 0 when what they check holds, else 1 with why on stderr):
  fwdpeer.py ping HOST PORT               one connection: "ping" echoed back, then a clean end
  fwdpeer.py upload HOST PORT MIB         MIB MiB up, half-close, the server's sha256 = ours
  fwdpeer.py keepalive HOST PORT N        N requests on one connection, every answer in order
  fwdpeer.py expect-reset HOST PORT       the connection is reset (not a clean end)
  fwdpeer.py hold HOST PORT SECONDS       one echo connection kept SECONDS, a message a second
  fwdpeer.py refused HOST PORT            no connection (refused)
  fwdpeer.py send-reset HOST PORT         connects, sends, and resets
"""
import hashlib
import os
import socket
import struct
import sys
import threading
import time


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def serve(addr, port, mode):
    s = socket.socket(family_of(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family_of(addr) == socket.AF_INET6:
        # "::" is dual-stack, as most servers make it; "::1" takes only IPv6 anyway
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind((addr, port))
    s.listen(128)
    print("listening", flush=True)
    conns = [0]

    def handle(c):
        conns[0] += 1
        try:
            if mode == "echo":
                while True:
                    d = c.recv(65536)
                    if not d:
                        c.shutdown(socket.SHUT_WR)
                        break
                    c.sendall(d)
                while c.recv(65536):
                    pass
            elif mode == "sha":
                h, n = hashlib.sha256(), 0
                while True:
                    d = c.recv(1 << 20)
                    if not d:
                        break
                    h.update(d)
                    n += len(d)
                c.sendall(("%s %d\n" % (h.hexdigest(), n)).encode())
            elif mode == "http":
                f = c.makefile("rb")
                served = 0
                while True:
                    line = f.readline()
                    if not line:
                        break
                    while f.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    served += 1
                    body = ("hello %d conns %d\n" % (served, conns[0])).encode()
                    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            elif mode == "reset":
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif mode == "peerreset":
                try:
                    while c.recv(65536):
                        pass
                    print("clean end", flush=True)
                except ConnectionResetError:
                    print("reset seen", flush=True)
        except OSError:
            pass
        finally:
            c.close()

    while True:
        c, _ = s.accept()
        threading.Thread(target=handle, args=(c,), daemon=True).start()


def connect(host, port):
    return socket.create_connection((host, port), timeout=30)


def die(msg):
    sys.stderr.write(msg + "\n")
    sys.exit(1)


def main(argv):
    cmd = argv[1]
    if cmd == "serve":
        serve(argv[2], int(argv[3]), argv[4])
        return
    host, port = argv[2], int(argv[3])
    if cmd == "refused":
        try:
            connect(host, port).close()
        except ConnectionRefusedError:
            return
        die("connected")
    c = connect(host, port)
    if cmd == "ping":
        c.sendall(b"ping")
        c.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            d = c.recv(100)
            if not d:
                break
            got += d
        if got != b"ping":
            die("got %r" % got)
    elif cmd == "upload":
        size = int(argv[4]) << 20
        h = hashlib.sha256()
        block = os.urandom(1 << 20)
        for _ in range(size >> 20):
            h.update(block)
            c.sendall(block)
        c.shutdown(socket.SHUT_WR)
        got = c.makefile("rb").read().decode().split()
        want = [h.hexdigest(), str(size)]
        if got != want:
            die("server got %s, sent %s" % (got, want))
    elif cmd == "keepalive":
        f = c.makefile("rb")
        n = int(argv[4])
        for i in range(1, n + 1):
            c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            status = f.readline()
            length = 0
            while True:
                line = f.readline()
                if line in (b"\r\n", b""):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            body = f.read(length).decode()
            if not status.startswith(b"HTTP/1.1 200") or body != "hello %d conns 1\n" % i:
                # "conns 1": the guest's server saw every request on its first connection
                die("request %d: %r %r" % (i, status, body))
    elif cmd == "expect-reset":
        try:
            c.sendall(b"x")
            while c.recv(100):
                pass
        except ConnectionResetError:
            return
        die("a clean end, not a reset")
    elif cmd == "send-reset":
        c.sendall(b"some bytes")
        time.sleep(0.3)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
    elif cmd == "hold":
        end = time.time() + float(argv[4])
        i = 0
        while time.time() < end:
            msg = b"message %d\n" % i
            c.sendall(msg)
            got = b""
            while len(got) < len(msg):
                d = c.recv(100)
                if not d:
                    die("closed after %d messages" % i)
                got += d
            if got != msg:
                die("message %d came back as %r" % (i, got))
            i += 1
            time.sleep(1)
    else:
        die("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
