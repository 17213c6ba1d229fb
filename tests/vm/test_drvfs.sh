#!/bin/bash
# drvfs in the real VM: the host's folders as drives, served by our 9P server (the agent) over
# the host channel's TCP or a virtio-serial drive port, mounted by mount.drvfs at boot
# (automount, fstab) and by hand. Three boots: the defaults with two drive ports (C: and D:
# take them, later mounts go over TCP); [automount] root/options with fstab lines, no ports;
# automount and fstab off.
# Every VM and agent this suite starts is stopped by its EXIT trap, whatever happened.
SUITE=drvfs
set -u
: "${GUESTHOST:?}" "${GUESTHOST_INIT:?}" "${P9PROBE:?}"
. "$(dirname "$0")/lib.sh" drvfs

cleanup() {
  vm_stop
  rm -rf "$WORK"
}
trap cleanup EXIT
g() { gh run -- sh -c "$1"; }            # a shell line in the guest, as root
xattr() { python3 -c 'import os,sys,struct; print(struct.unpack("<I", os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False))[0])' "$@"; }

C=$WORK/c D=$WORK/d V=$WORK/v
mkdir -p "$C/sub" "$D" "$V"
echo "from the host" > "$C/hello.txt"
echo "spaces and utf-8" > "$C/a file é ü 日本.txt"
echo "mixed" > "$C/Mixed.TXT"
echo "on d" > "$D/d.txt"
echo "on v" > "$V/v.txt"
ln -s "$C/hello.txt" "$C/abs-link"
head -c 100M /dev/urandom > "$C/big.bin"
big_sum=$(sha256sum < "$C/big.bin" | cut -d' ' -f1)

boot() { # boot NAME [OPTION...]: (re)starts the VM with drives C and D (ours) and V (QEMU's virtio-9p)
  local name=$1; shift
  gh start "$@" --drive "C=$C" --drive "D=$D" --drive-virtio "V=$V" >"$WORK/$name.out" 2>&1; rc=$?
  check "boot '$name' (status $rc)" test "$rc" = 0
  [ "$rc" = 0 ] || { tail -n 20 "$WORK/$name.out" "$GH_STATE/console.log"; finish; exit 1; }
}

# ---- boot 1: the defaults ------------------------------------------------------------------
boot defaults --drive-ports 2
check "the drive table names our server for C and D, virtio for V" \
  eval 'g "grep ^drive /run/guestinit/host.conf" | tr "\n" " " | grep -q "drive.c=p9 drive.d=p9 drive.v=virtio:drvfs_v"'
mounts=$(g 'grep " /mnt/" /proc/mounts')
check "C: is automounted at /mnt/c over 9p (trans=fd)" eval 'grep -q "^C:.* /mnt/c 9p .*trans=fd" <<<"$mounts"'
check "... with WSL's defaults in aname (uid/gid 1000, symlinkroot=/mnt/) and msize 262144, cache=mmap" \
  eval 'grep " /mnt/c " <<<"$mounts" | grep -q "aname=drvfs;path=C:.*;uid=1000;gid=1000;symlinkroot=/mnt/,mmap,.*msize=262144"'
check "D: is at /mnt/d and the virtio drive V: at /mnt/v" \
  eval 'grep -q " /mnt/d 9p " <<<"$mounts" && grep -q "^drvfs_v /mnt/v 9p .*trans=virtio" <<<"$mounts"'
check "/sbin/mount.drvfs is there" g 'test -x /sbin/mount.drvfs'
check "C: and D: took the two drive ports: a relay each (drvfs-port N)" test "$(g 'pgrep -c -x "drvfs-port [01]"')" = 2
check "a host file reads back in the guest" test "$(g 'cat /mnt/c/hello.txt')" = "from the host"
check "a name with spaces and UTF-8 from the host" test "$(g 'cat "/mnt/c/a file é ü 日本.txt"')" = "spaces and utf-8"
g 'echo "from the guest" > "/mnt/c/guest ß ñ 中.txt"'
check "... and one made in the guest, on the host" test "$(cat "$C/guest ß ñ 中.txt" 2>&1)" = "from the guest"
check "100 MiB from the host, byte-exact in the guest" test "$(g 'sha256sum < /mnt/c/big.bin' | cut -d' ' -f1)" = "$big_sum"
g 'cp /mnt/c/big.bin /mnt/c/big-copy.bin'
check "100 MiB written by the guest, byte-exact on the host" cmp -s "$C/big.bin" "$C/big-copy.bin"
rm -f "$C/big-copy.bin"
st=$(g 'stat -c "%u:%g %a" /mnt/c/hello.txt /mnt/c/sub' | tr '\n' ' ')
check "without metadata: owner 1000:1000, files and folders 755 ($st)" test "$st" = "1000:1000 755 1000:1000 755 "
g 'chmod 600 /mnt/c/hello.txt'; rc=$?
check "... chmod succeeds and changes nothing, as on WSL (status $rc)" \
  eval 'test "$rc" = 0 && test "$(g "stat -c %a /mnt/c/hello.txt")" = 755'
check "an absolute host link reads under symlinkroot" test "$(g 'readlink /mnt/c/abs-link; cat /mnt/c/abs-link' | tr '\n' ' ')" = "/mnt/c/hello.txt from the host "
echo "changed on the host" > "$C/hello.txt"
check "a change made on the host is seen in the guest within 1 s" \
  wait_for 1 eval 'test "$(g "cat /mnt/c/hello.txt")" = "changed on the host"'
echo new > "$C/appeared.txt"
check "a file made on the host is listed in the guest within 1 s" wait_for 1 g 'ls /mnt/c | grep -qx appeared.txt'

# options: owner and masks, then metadata
g 'mkdir -p /tmp/m && mount -t drvfs -o uid=1234,gid=4321,umask=027,fmask=111 C: /tmp/m'
st=$(g 'stat -c "%u:%g %a" /tmp/m/hello.txt /tmp/m/sub' | tr '\n' ' ')
check "uid/gid/umask/fmask set owner and modes ($st)" test "$st" = "1234:4321 640 1234:4321 750 "
g 'umount /tmp/m'
g 'mount -t drvfs -o metadata C: /tmp/m && (cd /tmp/m && echo x > meta.txt && chown 123:456 meta.txt && chmod 4710 meta.txt &&
   mknod fifo p && mknod null c 1 3 && ln -s hello.txt rel-link) && umount /tmp/m'
g 'mount -t drvfs -o metadata C: /tmp/m'
st=$(g 'stat -c "%u:%g %a %F" /tmp/m/meta.txt; stat -c "%F %t:%T" /tmp/m/fifo /tmp/m/null; readlink /tmp/m/rel-link' | tr '\n' ' ')
check "metadata: chmod, chown, mknod and symlink persist across a remount ($st)" \
  test "$st" = "123:456 4710 regular file fifo 0:0 character special file 1:3 hello.txt "
check "... kept on the host in extended attributes, the host file untouched" \
  eval 'test "$(xattr "$C/meta.txt" user.LXMOD)" = $((0100000 + 04710)) && test "$(xattr "$C/meta.txt" user.LXUID)" = 123 &&
        test "$(stat -c %a "$C/meta.txt")" != 4710 && test -f "$C/fifo"'
g 'umount /tmp/m'

# drive ports: both are taken, so a port mount is refused and an automatic one goes over TCP
bad() { # bad NAME STATUS PATTERN CMD
  want=$2 pat=$3
  out=$(g "$4 2>&1"); rc=$?
  check "$1: status $want, says why ($out)" eval 'test "$rc" = "$want" && grep -q -- "$pat" <<<"$out"'
}
bad "transport=port with both ports taken" 32 "transport=port: all 2 drive ports are in use" \
  'mkdir -p /tmp/m && mount -t drvfs -o transport=port C: /tmp/m'
out=$(g 'mount -t drvfs C: /tmp/m && cat /tmp/m/Mixed.TXT && pgrep -c drvfs-port; umount /tmp/m' | tr '\n' ' ')
check "... an automatic third mount goes over TCP (no third relay) and reads ($out)" test "$out" = "mixed 2 "
# relays N: waits up to 5 s for N relays (an ended one is gone once PID 1 has reaped it), prints the count
relays='relays() { for i in $(seq 100); do [ "$(pgrep -c drvfs-port)" = "$1" ] && break; sleep 0.05; done; pgrep -c drvfs-port; }'
cycles=$(g "$relays"'; for i in 1 2 3 4 5; do umount /mnt/d && mount -t drvfs -o transport=port D: /mnt/d && cat /mnt/d/d.txt || exit 1; done; relays 2' | tr '\n' ' ')
check "five umount/mount cycles of D: on its port, each one serving, no relay left over ($cycles)" \
  test "$cycles" = "on d on d on d on d on d 2 "
check "after umount the port's relay ends" test "$(g "$relays"'; umount /mnt/d; relays 1; mount -t drvfs D: /mnt/d')" = 1
gh run -- sh -c 'cat > /tmp/p9probe && chmod +x /tmp/p9probe' < "$P9PROBE"
for port in org.guestinit.drive.2 org.guestinit.drive.01 ../drive-port-0.sock "org.guestinit.drive.1 "; do
  out=$(gh run -- /tmp/p9probe --port "$port" 'drvfs;path=C:\' 2>&1)
  check "a raw DRIVE_OPEN for port '$port' is refused, naming it ($out)" \
    grep -qF "refused: '$port' is not a drive port of this VM (it has 2: org.guestinit.drive.0 to org.guestinit.drive.1)" <<<"$out"
done
out=$(gh run -- /tmp/p9probe --port org.guestinit.drive.0 'drvfs;path=Q:\' 2>&1)
check "... and one for a drive the host lacks, with its reason ($out)" grep -q "refused: drive Q: is not shared" <<<"$out"
check "the mounts on the ports still serve after all that" g 'cat /mnt/c/hello.txt /mnt/d/d.txt >/dev/null'

# wslpath through the real mounts (WSL's own test cases, on our drives)
check "wslpath -w /mnt/c/sub is C:\\sub" test "$(g 'wslpath -w /mnt/c/sub')" = 'C:\sub'
check "wslpath -m /mnt/c/sub/ is C:/sub/" test "$(g 'wslpath -m /mnt/c/sub/')" = 'C:/sub/'
check "wslpath -u 'c:\\sub' is /mnt/c/sub" test "$(g "wslpath -u 'c:\\sub'")" = /mnt/c/sub
check "wslpath 'D:\\' is /mnt/d/" test "$(g "wslpath 'D:\\'")" = /mnt/d/
check "wslpath -w / is the distribution's share" test "$(g 'wslpath -w /')" = '\\wsl.localhost\Debian\'
check "a user has wslpath too" test "$(gh run --user nobody -- wslpath -w /mnt/c/DOESNOTEXIST/)" = 'C:\DOESNOTEXIST\'

# a hostile guest: raw 9P on a drive connection it had the hub dial (as mount.drvfs does), fids
# walked to d/f, then the host swaps d for a symlink to a folder outside the share
mkdir -p "$C/d" "$WORK/outside"
echo inside > "$C/d/f"
echo OUTSIDE > "$WORK/outside/f"
mkfifo "$WORK/go"
gh run -- /tmp/p9probe 'drvfs;path=C:\' < "$WORK/go" > "$WORK/probe.out" 2>&1 &
probe=$!
exec 7>"$WORK/go"
wait_for 30 grep -q '^walked$' "$WORK/probe.out"
mv "$C/d" "$C/d-moved" && ln -s "$WORK/outside" "$C/d"
echo go >&7
exec 7>&-
wait "$probe"; rc=$?
out=$(tr '\n' ' ' < "$WORK/probe.out")
check "a raw 9P client in the guest, swap on the host: every request answered (status $rc: $out)" \
  eval 'test "$rc" = 0 && grep -q "^truncate: " "$WORK/probe.out"'
check "... a read through the stale fid reads the moved file, never the outside one" \
  eval 'grep -qE "^read: (inside|error [0-9]+)$" "$WORK/probe.out"'
check "... and the file outside the share is untouched" test "$(cat "$WORK/outside/f")" = OUTSIDE
rm -rf "$C/d" "$C/d-moved" "$WORK/outside" "$WORK/go"

# POSIX where drvfs with metadata can be POSIX, each beside the same on the guest's ext4
posix=$(cat <<'SH'
cd "$1" || exit 1
# a file path of 4,095 bytes (the guest's PATH_MAX less its NUL) made of 255-byte names
n=$(head -c 255 /dev/zero | tr "\0" a); d=.
for i in $(seq 15); do d=$d/$n; done
name() { head -c 253 /dev/zero | tr "\0" "$1"; }
f=$d/$(name b) l=$d/$(name c) m=$d/$(name e)
echo "pathlen=${#f}"
mkdir -p "$d" && echo x > "$f" && cat "$f" >/dev/null && chmod 600 "$f" && stat -c %a "$f" | grep -qx 600 &&
  ln "$f" "$l" && mv "$l" "$m" && test "$(stat -c %h "$f")" = 2 && rm "$f" "$m" && echo long=ok || echo long=fail
u=$(head -c 85 /dev/zero | tr "\0" x | sed "s/x/日/g")
touch "$u" && test -f "$u" && rm "$u" && echo utf8-255=ok || echo utf8-255=fail
chmod 755 . && touch s g && chmod 04777 s && chmod 02777 g &&
  su -s /bin/sh nobody -c "echo y >> s; echo y >> g" && echo "setid-after-write=$(stat -c %a s) $(stat -c %a g)"
touch o && chmod 04755 o && chown 1234 o && echo "setuid-after-chown=$(stat -c %a o)"
ln -s s l && chown -h 1234:4321 l && echo "lchown=$(stat -c %u:%g l) target=$(stat -c %u s)"
touch -d "2020-01-01 00:00:00.123456789" t && echo "mtime=$(stat -c %y t)"
SH
)
g 'mkdir -p /tmp/m /var/tmp/posix && mount -t drvfs -o metadata C: /tmp/m && mkdir -p /tmp/m/posix'
on_ext4=$(gh run -- sh -c "$posix" - /var/tmp/posix 2>&1)
on_drvfs=$(gh run -- sh -c "$posix" - /tmp/m/posix 2>&1)
g 'rm -rf /var/tmp/posix /tmp/m/posix; umount /tmp/m'
for key in long=ok utf8-255=ok "setid-after-write=777 777" "setuid-after-chown=755" "lchown=1234:4321 target=0"; do
  check "POSIX on ext4: $key ($(tr '\n' ' ' <<<"$on_ext4"))" grep -qx "$key" <<<"$on_ext4"
  check "POSIX on drvfs with metadata: $key ($(tr '\n' ' ' <<<"$on_drvfs"))" grep -qx "$key" <<<"$on_drvfs"
done
check "a 4,095-byte relative path below the mount point was used" grep -qx "pathlen=4095" <<<"$on_drvfs"
ns_ext4=$(sed -n 's/^mtime=.*\.\([0-9]*\) .*/\1/p' <<<"$on_ext4")
ns_drvfs=$(sed -n 's/^mtime=.*\.\([0-9]*\) .*/\1/p' <<<"$on_drvfs")
echo "  sub-second mtime set by touch -d: ext4 .$ns_ext4, drvfs with metadata .$ns_drvfs"
check "touch -d keeps the nanoseconds on ext4" test "$ns_ext4" = 123456789
g 'mount -t drvfs -o case=off C: /tmp/m'
check "case=off: a name in another case finds the host's file" test "$(g 'cat /tmp/m/mixed.txt')" = mixed
g 'umount /tmp/m; mount -t drvfs -o case=dir C: /tmp/m && mkdir /tmp/m/Src'
echo code > "$C/Src/Main.c"
check "case=dir: a folder made in the guest matches names exactly" \
  eval 'g "cat /tmp/m/Src/Main.c" >/dev/null && ! g "cat /tmp/m/Src/main.c" 2>/dev/null'
check "... while an older folder still ignores case" test "$(g 'cat /tmp/m/MIXED.txt')" = mixed
g 'umount /tmp/m'
out=$(g 'mount -t drvfs -o case=force C: /tmp/m 2>&1; umount /tmp/m')
check "case=force mounts as dir, with a warning" eval 'grep -q "case=force is no longer supported; using case=dir" <<<"$out"'
check "a folder within a drive (C:\\sub) mounts" g 'mount -t drvfs "C:\\sub" /tmp/m && grep -q " /tmp/m 9p " /proc/mounts && umount /tmp/m'

# bad input: one line each, mount(8)'s status, nothing left mounted
bad "an unknown option" 32 "option 'bogus=1' is not supported" 'mount -t drvfs -o bogus=1 C: /tmp/m'
bad "an unknown drive" 32 "drive Q: is not shared by the host (it shares: C:, D:, V:)" 'mount -t drvfs Q: /tmp/m'
bad "a missing mount point" 32 "mount point /no/such: does not exist" 'mount -t drvfs C: /no/such'
bad "a folder missing on the host" 32 "the host refused: C:\\\\nothere is not a folder on the host" 'mount -t drvfs "C:\\nothere" /tmp/m'
bad "a UNC share" 32 "UNC shares are not served" 'mount -t drvfs "\\\\srv\\share" /tmp/m'
bad "a drvfs option on a virtio share" 32 "option 'metadata' is not supported: drive V: is QEMU's virtio-9p share" \
  'mount -t drvfs -o metadata V: /tmp/m'
bad "no arguments" 1 "SOURCE and TARGET are required" 'mount.drvfs'
bad "a virtio share mounted twice" 32 "the share drvfs_v is mounted already" 'mount -t drvfs V: /tmp/m'
check "... and none of them left a mount behind" eval '! g "grep -q \" /tmp/m \" /proc/mounts"'
check "a virtio drive mounts without drvfs options" g 'umount /mnt/v && mount -t drvfs V: /tmp/m && cat /tmp/m/v.txt >/dev/null && umount /tmp/m'

# ---- boot 2: [automount] root and options, fstab with nofail ---------------------------------
g 'mkdir -p /srv/dd /srv/qq && printf "[automount]\nroot = /win/\noptions = \"metadata,umask=077\"\n" > /etc/wsl.conf &&
   cp /etc/fstab /etc/fstab.orig &&
   printf "D: /srv/dd drvfs uid=55,gid=66 0 0\nQ: /srv/qq drvfs nofail 0 0\ntmpfs /srv/tmp tmpfs size=1m,nofail 0 0\n" >> /etc/fstab && mkdir -p /srv/tmp'
gh shutdown >/dev/null 2>&1
boot custom-root
mounts=$(g 'grep -E " /(win|mnt|srv)/" /proc/mounts')
check "root=/win/: C: at /win/c and nothing at /mnt/c" eval 'grep -q " /win/c 9p " <<<"$mounts" && ! grep -q " /mnt/c " <<<"$mounts"'
check "[automount] options go to the server (metadata, umask=077)" \
  eval 'grep " /win/c " <<<"$mounts" | grep -q "metadata;uid=1000;gid=1000;umask=077;symlinkroot=/win/"'
check "... and show: folders 700" test "$(g 'stat -c %a /win/c/sub')" = 700
check "an fstab drvfs line is mounted with its options" test "$(g 'stat -c %u:%g /srv/dd/d.txt')" = 55:66
check "an fstab line of another type (tmpfs) too" eval 'grep -q "^tmpfs /srv/tmp tmpfs" <<<"$mounts"'
check "a nofail line for a drive the host lacks did not stop the boot" eval '! grep -q " /srv/qq " <<<"$mounts"'
check "... and it is logged" grep -q "Q: on /srv/qq.*nofail" "$GH_STATE/console.log"
check "without --drive-ports the drives go over TCP: no relay" eval '! g "pgrep drvfs-port"'
bad "transport=port on a VM without drive ports" 32 "transport=port: this VM has no drive ports" \
  'mkdir -p /tmp/m && mount -t drvfs -o transport=port C: /tmp/m'
bad "transport=virtio" 32 "option 'transport=virtio' is not supported: transport is auto, port or tcp" \
  'mount -t drvfs -o transport=virtio C: /tmp/m'

# ---- boot 3: enabled=false, mountFsTab=false --------------------------------------------------
g 'printf "[automount]\nenabled = false\nmountFsTab = false\n" > /etc/wsl.conf'
gh shutdown >/dev/null 2>&1
boot disabled
check "enabled=false and mountFsTab=false: no drive and no fstab line mounted" \
  eval 'test -z "$(g "grep -E \" /(win|mnt|srv)/\" /proc/mounts")"'
g 'rm -f /etc/wsl.conf; mv /etc/fstab.orig /etc/fstab'
gh shutdown >/dev/null 2>&1
finish
