#!/bin/bash
# `wsl`, WSL's command line on this host, in real VMs: --list in WSL's layouts, --import of a
# busybox-only tarball (plain, gzip from stdin, xz) and of a debootstrap'd one, each imported
# distribution a VM of its own started on first use, WSL_DISTRO_NAME, -d/-e/-u/--cd/~ and the
# shell's command line, exit statuses, the working folder carried from a shared drive,
# --set-default, --terminate, --shutdown, an import refused (no /bin/sh, no /etc, a name taken
# or bad, a full disk) leaving nothing, --export → --import round trip equal (owners, modes,
# xattrs, symlinks, device nodes), --unregister, \\wsl$ (the guest's files through our FUSE
# mount: listed, read, written back, permissions of the default user and its groups), and
# every refused flag's one line. Every VM and mount this suite starts is stopped by its EXIT trap.
SUITE=vmwsl
set -u
: "${GUESTHOST:?}" "${GUESTHOST_INIT:?}"
. "$(dirname "$0")/lib.sh" vmwsl

WSLBIN=$(dirname "$GUESTHOST")/wsl
cleanup() {
  vm_stop
  for d in "$GH_STATE"/distributions/*/; do
    pid=$(cat "$d/qemu.pid" 2>/dev/null) && alive "$pid" && kill -9 "$pid"
    pid=$(cat "$d/agent.pid" 2>/dev/null) && kill -TERM "$pid" 2>/dev/null
  done
  mountpoint -q "$WORK/full" && umount "$WORK/full"
  for m in "$GH_STATE/guestfs" "$WORK/mnt2"; do mountpoint -q "$m" && fusermount3 -u -z "$m"; done
  rm -rf "$WORK"
}
trap cleanup EXIT
wsl() { GUESTHOST_STATE=$GH_STATE XDG_DATA_HOME=$WORK/xdg "$WSLBIN" "$@"; }
check "wsl is a link to guesthost" test "$(readlink "$WSLBIN")" = guesthost

# ---- before any boot: Debian, the demo's image, is the default ---------------------------------
out=$(wsl --list --verbose)
check "--list --verbose in WSL's layout: '  NAME      STATE           VERSION' and '* Debian    Stopped         2'" \
  test "$out" = "$(printf '  NAME      STATE           VERSION\n* Debian    Stopped         2')"
check "--list: WSL's heading and '(Default)'" \
  test "$(wsl --list)" = "$(printf 'Windows Subsystem for Linux Distributions:\nDebian (Default)')"
check "--list --running with nothing running: WSL's sentence" \
  test "$(wsl --list --running)" = "There are no running distributions."
check "--status names the default" eval 'wsl --status | grep -qx "Default Distribution: Debian"'
check "--version: 'WSL version:' and 'Kernel version:'" eval 'wsl --version | grep -q "^WSL version: " && wsl --version | grep -q "^Kernel version: "'
out=$(wsl --terminate NoSuch 2>&1); rc=$?
check "--terminate of an unknown name: WSL's message, status 1 (got $rc: $out)" \
  eval 'test "$rc" = 1 && test "$out" = "There is no distribution with the supplied name."'
out=$(wsl -d 2>&1); rc=$?
check "-d without a name: WSL's message (got $rc: $out)" \
  eval 'test "$rc" = 1 && test "$out" = "Argument -d is missing a required parameter."'
out=$(wsl --bogus 2>&1); rc=$?
check "an unknown flag: 'Invalid command line argument: --bogus' (status $rc)" \
  eval 'test "$rc" = 1 && echo "$out" | grep -qx "Invalid command line argument: --bogus"'

# ---- refused flags: one line each, naming the flag and why, status 1 --------------------------
for f in "--install -d Ubuntu" "--update" "--set-version BB 1" "--set-default-version 1" "--mount /dev/sdb" \
  "--unmount /dev/sdb" "--manage BB --move /x" "--import-in-place BB /x.vhdx" "--debug-shell" "--list --online"; do
  # shellcheck disable=SC2086
  out=$(wsl $f 2>&1); rc=$?
  flag=${f%% *}; [ "$flag" = --list ] && flag="--list --online"; [ "$flag" = --set-version ] && flag="--set-version NAME 1"
  [ "$flag" = --set-default-version ] && flag="--set-default-version 1"
  check "wsl $f: one line naming $flag and why, status 1 (got $rc: $out)" \
    eval 'test "$rc" = 1 && test "$(echo "$out" | wc -l)" = 1 && echo "$out" | grep -qF -- "wsl: $flag is not supported here: "'
done
check "--help lists what works" eval 'wsl --help | grep -q -- "--import NAME DIR TAR" && wsl --help | grep -q -- "--export NAME TAR"'

# ---- tarballs: busybox-only (with owners, modes, xattrs, a device node) and debootstrap'd ----
R=$WORK/bbroot
mkdir -p "$R/bin" "$R/etc" "$R/dev" "$R/srv"
cp "$(command -v busybox)" "$R/bin/busybox"
ln -s busybox "$R/bin/sh"
echo 'NAME="gi-busybox"' > "$R/etc/os-release"
echo secret > "$R/srv/owned"; chown 1234:5678 "$R/srv/owned"; chmod 4750 "$R/srv/owned"
mknod "$R/dev/null2" c 1 3
ln -s ../etc/os-release "$R/srv/link"
python3 -c 'import os,sys; os.setxattr(sys.argv[1], "user.gi", b"kept")' "$R/srv/owned"
tar -C "$R" --xattrs --xattrs-include='*' -cf "$WORK/bb.tar" .
gzip -c "$WORK/bb.tar" > "$WORK/bb.tar.gz"
xz -c "$WORK/bb.tar" > "$WORK/bb.tar.xz"

out=$(wsl --import BB "$WORK/store/bb" "$WORK/bb.tar" 2>&1); rc=$?
check "--import BB of a busybox-only tarball (status $rc: $(echo "$out" | tr '\n' '|'))" \
  eval 'test "$rc" = 0 && test "$out" = "$(printf "Import in progress, this may take a few minutes.\nThe operation completed successfully.")"'
check "... its disk is DIR/ext4.img, mode 0600" test "$(stat -c %a "$WORK/store/bb/ext4.img" 2>/dev/null)" = 600
check "... nothing else is left in DIR" test "$(ls -A "$WORK/store/bb")" = ext4.img
gzip -c "$WORK/bb.tar" | wsl --import BBgz "$WORK/store/bbgz" - >"$WORK/gz.out" 2>&1; rc=$?
check "--import from stdin, gzip'd (status $rc)" eval 'test "$rc" = 0 && test "$(ls -A "$WORK/store/bbgz")" = ext4.img'
wsl --import BBxz "$WORK/store/bbxz" "$WORK/bb.tar.xz" >"$WORK/xz.out" 2>&1; rc=$?
check "--import of a tar.xz (status $rc)" test "$rc" = 0
rootfs=$("$TOP/host/mkimage" --only rootfs "${XDG_CACHE_HOME:-$HOME/.cache}/guestinit" 2>/dev/null | sed -n 's/^ROOTFS=//p')
tar -C "$rootfs" --numeric-owner --xattrs --xattrs-include='*' -czf "$WORK/deb.tar.gz" . 2>/dev/null
wsl --import Deb2 "$WORK/store/deb2" "$WORK/deb.tar.gz" >"$WORK/deb.out" 2>&1 &
imp=$!
seen=
while alive "$imp"; do
  wsl --list --verbose 2>/dev/null | grep -qE "^  Deb2 +Installing +2$" && { seen=1; break; }
  sleep 0.05
done
wait "$imp"; rc=$?
check "--import Deb2 of a debootstrap'd tarball (status $rc)" test "$rc" = 0
check "... listed as Installing while it runs, as WSL lists it" test -n "$seen"
out=$(wsl --list --quiet)
check "--list --quiet: Debian first (the default), then by name" \
  test "$out" = "$(printf 'Debian\nBB\nBBgz\nBBxz\nDeb2')"

# ---- refusals leave nothing -------------------------------------------------------------------
mkdir -p "$WORK/bad/etc"; tar -C "$WORK/bad" -cf "$WORK/nosh.tar" .
out=$(wsl --import Bad "$WORK/store/bad" "$WORK/nosh.tar" 2>&1); rc=$?
check "a tarball without /bin/sh is refused with that reason (status $rc)" \
  eval 'test "$rc" = 1 && echo "$out" | grep -q "is no root filesystem: it has no /bin/sh; nothing was imported"'
check "... and leaves neither a folder nor a distribution" \
  eval '! test -e "$WORK/store/bad" && ! wsl --list --quiet | grep -qx Bad && ! test -e "$GH_STATE/distributions/Bad"'
rm -rf "$WORK/bad"; mkdir -p "$WORK/bad/bin"; cp "$(command -v busybox)" "$WORK/bad/bin/sh"; tar -C "$WORK/bad" -cf "$WORK/noetc.tar" .
out=$(wsl --import Bad "$WORK/store/bad" "$WORK/noetc.tar" 2>&1); rc=$?
check "a tarball without /etc is refused with that reason (status $rc)" \
  eval 'test "$rc" = 1 && echo "$out" | grep -q "it has no /etc" && ! test -e "$WORK/store/bad"'
echo "not a tarball" > "$WORK/junk.tar"
out=$(wsl --import Bad "$WORK/store/bad" "$WORK/junk.tar" 2>&1); rc=$?
check "a file that is no tarball is refused (status $rc)" eval 'test "$rc" = 1 && ! test -e "$WORK/store/bad"'
# a hostile tarball: a symlink out to the host, then a file through it
mkdir -p "$WORK/victim" "$WORK/evil/bin" "$WORK/evil/etc"; cp "$(command -v busybox)" "$WORK/evil/bin/sh"
ln -s "$WORK/victim" "$WORK/evil/etc/out"
tar -C "$WORK/evil" -cf "$WORK/evil.tar" . && rm "$WORK/evil/etc/out" && mkdir "$WORK/evil/etc/out" &&
  echo pwned > "$WORK/evil/etc/out/pwned" && tar -C "$WORK/evil" -rf "$WORK/evil.tar" ./etc/out/pwned
out=$(wsl --import Evil "$WORK/store/evil" "$WORK/evil.tar" 2>&1); rc=$?
check "a tarball that writes through its own symlink to the host: refused, the host's folder untouched (status $rc)" \
  eval 'test "$rc" = 1 && test -z "$(ls -A "$WORK/victim")" && ! test -e "$WORK/store/evil" && ! wsl --list --quiet | grep -qx Evil'
out=$(wsl --import bb "$WORK/store/other" "$WORK/bb.tar" 2>&1); rc=$?
check "a name taken (in any case) is refused with WSL's message (status $rc)" \
  eval 'test "$rc" = 1 && test "$out" = "A distribution with the supplied name already exists."'
out=$(wsl --import "bad/name" "$WORK/store/other" "$WORK/bb.tar" 2>&1); rc=$?
check "a bad name is refused with the reason (status $rc: $out)" \
  eval 'test "$rc" = 1 && echo "$out" | grep -q "only letters, digits"'
out=$(wsl --import Again "$WORK/store/bb" "$WORK/bb.tar" 2>&1); rc=$?
check "a folder that already holds a disk is refused, and the disk kept (status $rc)" \
  eval 'test "$rc" = 1 && echo "$out" | grep -q "already holds a distribution" && test -s "$WORK/store/bb/ext4.img"'
mkdir -p "$WORK/full"; mount -t tmpfs -o size=1m tmpfs "$WORK/full"
out=$(wsl --import Full "$WORK/full/d" "$WORK/bb.tar" 2>&1); rc=$?
check "a full disk mid-import: refused (status $rc), nothing left on it, no distribution" \
  eval 'test "$rc" = 1 && test -z "$(ls -A "$WORK/full")" && ! wsl --list --quiet | grep -qx Full'
umount "$WORK/full"

# ---- two distributions at once ----------------------------------------------------------------
mkdir -p "$WORK/c/sub"
gh start --drive "C=$WORK/c" >"$WORK/start.out" 2>&1; rc=$?
check "Debian boots (status $rc)" test "$rc" = 0
[ "$rc" = 0 ] || { tail -n 20 "$WORK/start.out"; finish; exit 1; }
wsl -d BB -e /bin/busybox cat /etc/os-release >"$WORK/bb.out" 2>"$WORK/bb.err"
o=$(cat "$WORK/bb.out")
check "wsl -d BB -e cat /etc/os-release starts BB and reaches it ($o)" test "$o" = 'NAME="gi-busybox"'
check "... its first start says why it has no default user" \
  grep -q "could not make the default user user (status 1, see above); sessions run as root" "$WORK/bb.err"
check "... and Debian is still Debian" eval 'wsl -d Debian -e cat /etc/os-release | grep -q "^ID=debian"'
out=$(wsl --list --verbose)
check "--list --verbose: both Running, the default marked" \
  eval 'echo "$out" | grep -qE "^\* Debian +Running +2$" && echo "$out" | grep -qE "^  BB +Running +2$" && echo "$out" | grep -qE "^  Deb2 +Stopped +2$"'
check "--list --running lists just those two" test "$(wsl --list --running --quiet | tr '\n' ' ')" = "Debian BB "
check "WSL_DISTRO_NAME is the name in each" \
  eval 'test "$(wsl -d BB -e sh -c "echo \$WSL_DISTRO_NAME")" = BB && test "$(wsl -e sh -c "echo \$WSL_DISTRO_NAME")" = Debian'
# the first start made the default user: the host user's name, or "user" for root
check "Debian's first start made the default user 'user', kept on the host" test "$(cat "$GH_STATE/default-user")" = user
check "... wsl runs as it: uid 1000, in the sudo group, its home" \
  test "$(wsl -e sh -c 'echo $(id -u) $(id -Gn) $HOME')" = "1000 user sudo /home/user"
check "... sudo works without a password prompt (a sudoers drop-in, 0440)" \
  eval 'test "$(wsl sudo -n id -un </dev/null)" = root && test "$(gh run -- stat -c %a /etc/sudoers.d/90-guestinit-user)" = 440'
check "... wsl -u root reaches root; guesthost run stays root" \
  eval 'test "$(wsl -u root -e id -un)" = root && test "$(gh run -- id -un)" = root'
check "BB (no useradd, no adduser applet) says why and runs as root" \
  eval 'test "$(cat "$GH_STATE/distributions/BB/default-user")" = root && test "$(wsl -d BB -e /bin/busybox id -u)" = 0'
wsl -e sh -c 'exit 5'; rc=$?
check "wsl -e sh -c 'exit 5' returns 5 (got $rc)" test "$rc" = 5
check "wsl CMD runs through the user's shell (\$HOME expanded in the guest)" test "$(wsl echo '$HOME' '$((6*7))')" = "/home/user 42"
check "wsl -- CMD as well" test "$(wsl -- echo '$((1+1))')" = 2
check "the host's working folder on drive C: is the session's (/mnt/c/sub)" test "$(cd "$WORK/c/sub" && wsl -e pwd)" = /mnt/c/sub
check "... off the drives, the home" test "$(cd / && wsl -e pwd)" = /home/user
check "wsl ~ starts in the home (as typed, and as this host's shell expands it)" \
  eval 'test "$(cd "$WORK/c/sub" && wsl "~" -e pwd)" = /home/user && test "$(cd "$WORK/c/sub" && export HOME=$WORK/c && wsl ~ -e pwd)" = /home/user'

check "--cd /etc and --cd ~/x" eval 'test "$(wsl --cd /etc -e pwd)" = /etc && wsl mkdir -p "~/x" && test "$(wsl --cd "~/x" -e pwd)" = /home/user/x'
check "-u nobody runs as nobody" test "$(wsl -u nobody -e id -un)" = nobody
check "stdin goes through (-e)" test "$(echo piped | wsl -d BB -e /bin/busybox cat)" = piped
out=$(wsl -d BB -d Debian true 2>&1); rc=$?
check "a second -d: WSL's message" eval 'test "$rc" = 1 && test "$out" = "The distribution name has already been set."'
out=$(wsl --cd 'C:\x' true 2>&1); rc=$?
check "--cd of a Windows path is refused with the reason" eval 'test "$rc" = 1 && echo "$out" | grep -q "not a guest path"'

# ---- the default, terminate, export/import round trip --------------------------------------------
check "--set-default BB: WSL's success line" test "$(wsl --set-default bb)" = "The operation completed successfully."
check "... --list --verbose marks BB and lists it first" eval 'wsl --list --verbose | sed -n 2p | grep -qE "^\* BB +Running"'
check "... wsl without -d runs in BB" eval 'wsl -e /bin/busybox cat /etc/os-release | grep -q gi-busybox'
wsl --set-default Debian >/dev/null
wsl --export BB "$WORK/run.tar" >"$WORK/run.out" 2>"$WORK/run.err"; rc=$?
check "--export of a running BB: the guest writes it, with busybox's tar, said (status $rc: $(cat "$WORK/run.err"))" \
  eval 'test "$rc" = 0 && grep -q "no GNU tar; busybox tar keeps no xattrs" "$WORK/run.err"'
check "... the disk's files, those under the guest's mounts too (/dev/null2), owners and modes kept, no /init" \
  eval 'l=$(tar --numeric-owner -tvf "$WORK/run.tar"); echo "$l" | grep -qE "^-rwsr-x--- 1234/5678 +7 .* \./srv/owned$" && echo "$l" | grep -qE "^c.* \./dev/null2$" && ! echo "$l" | grep -qE " \./init$" && ! echo "$l" | grep -q "\./proc/."'
qpid=$(cat "$GH_STATE/distributions/BB/qemu.pid")
check "--terminate BB: WSL's success line" test "$(wsl --terminate BB)" = "The operation completed successfully."
check "... its QEMU is gone, it is Stopped, Debian still Running" \
  eval '! alive "$qpid" && wsl --list --verbose | grep -qE "^  BB +Stopped" && wsl --list --verbose | grep -qE "^\* Debian +Running"'
wsl --export Debian "$WORK/deb-run.tar.gz" --format tar.gz >"$WORK/debx.out" 2>&1; rc=$?
check "--export of the running Debian, tar.gz (GNU tar in the guest, gzip on the host) (status $rc)" \
  eval 'test "$rc" = 0 && l=$(tar -tzf "$WORK/deb-run.tar.gz") && echo "$l" | grep -qx "./etc/debian_version" && ! echo "$l" | grep -qx "./init" && ! echo "$l" | grep -q "^./proc/."'
rm -f "$WORK/deb-run.tar.gz"
wsl --export BB "$WORK/a.tar" >"$WORK/exp.out" 2>&1; rc=$?
check "--export BB (status $rc: $(tr '\n' '|' < "$WORK/exp.out"))" \
  eval 'test "$rc" = 0 && test "$(cat "$WORK/exp.out")" = "$(printf "Export in progress, this may take a few minutes.\nThe operation completed successfully.")"'
list() { tar --numeric-owner -tvf "$1" | awk '{ $4 = $5 = ""; print }' | sort; }
list "$WORK/a.tar" > "$WORK/a.list"
check "... it holds the tarball's files with owners, modes, links and the device node" \
  eval 'grep -qE "^-rwsr-x--- 1234/5678 7 +\./srv/owned$" "$WORK/a.list" && grep -qE "^lrwxrwxrwx 0/0 0 +\./srv/link -> \.\./etc/os-release$" "$WORK/a.list" && grep -qE "^crw-r--r-- 0/0 1,3 +\./dev/null2$" "$WORK/a.list"'
check "... and the xattr" eval 'mkdir -p "$WORK/ax" && tar -C "$WORK/ax" --xattrs --xattrs-include="*" -xf "$WORK/a.tar" ./srv/owned && python3 -c "import os,sys; sys.exit(os.getxattr(sys.argv[1], \"user.gi\") != b\"kept\")" "$WORK/ax/srv/owned"'
wsl --export BB - 2>/dev/null | wsl --import BB2 "$WORK/store/bb2" - >/dev/null 2>&1; rc=$?
check "--export BB - | --import BB2 ... - (status $rc)" test "$rc" = 0
wsl --export BB2 "$WORK/b.tar.xz" --format tar.xz >/dev/null 2>&1
check "... exported again (tar.xz), the same files, owners, modes and links" \
  eval 'xz -dc "$WORK/b.tar.xz" > "$WORK/b.tar" && diff <(list "$WORK/a.tar") <(list "$WORK/b.tar") >&2'
check "... and the same xattrs" \
  eval 'diff <(tar --xattrs --xattrs-include="*" -tvvf "$WORK/a.tar" 2>/dev/null | grep -c "x: ") <(tar --xattrs --xattrs-include="*" -tvvf "$WORK/b.tar" 2>/dev/null | grep -c "x: ")'

# ---- a debootstrap'd import gets its default user too; start --user changes it --------------
check "Deb2's first start makes its default user, and sudo works there" \
  eval 'test "$(wsl -d Deb2 sudo -n id -un </dev/null)" = root && test "$(wsl -d Deb2 -e id -un)" = user'
check "guesthost start --user bob on the running VM: bob is made and becomes the default" \
  eval 'gh start --user bob >/dev/null 2>&1 && test "$(wsl -e id -un)" = bob && test "$(cat "$GH_STATE/default-user")" = bob'
check "wsl --manage Debian --set-default-user user: WSL's success line, and wsl runs as user again" \
  eval 'test "$(wsl --manage Debian --set-default-user user)" = "The operation completed successfully." && test "$(wsl -e id -un)" = user'
out=$(wsl --manage Debian --set-default-user ghost 2>&1); rc=$?
check "... a user the distribution does not have is refused, and the default kept (status $rc: $(echo "$out" | tr "\n" "|"))" \
  eval 'test "$rc" = 1 && echo "$out" | grep -qx "wsl --manage: Debian has no user ghost" && test "$(cat "$GH_STATE/default-user")" = user'
out=$(gh start --user 'Bad!' 2>&1); rc=$?
check "start --user with no valid user name is refused with the reason (status $rc)" \
  eval 'test "$rc" = 1 && echo "$out" | grep -q "a user name begins with a lower-case letter"'
wsl --terminate Deb2 >/dev/null

# ---- \\wsl$: the guest's files on this host, as the default user -----------------------------------
L=$WORK/xdg/guestinit/wsl\$/Debian
out=$(wsl --mount-guest 2>&1); rc=$?
check "wsl --mount-guest: Debian's files at its state folder's guestfs, linked from \$XDG_DATA_HOME/guestinit/wsl\$/Debian (status $rc: $out)" \
  eval 'test "$rc" = 0 && mountpoint -q "$GH_STATE/guestfs" && test "$(readlink "$L")" = "$GH_STATE/guestfs"'
check "... /etc is listed through the mount (os-release, passwd)" eval 'ls "$L/etc" | grep -qx os-release && ls -l "$L/etc/passwd" | grep -q "^-rw-r--r-- 1 root root"'
wsl -e sh -c 'echo from-guest > ~/g.txt'
check "... a file made in the guest reads the same on the host" test "$(cat "$L/home/user/g.txt" 2>&1)" = from-guest
echo from-host > "$L/home/user/h.txt"
check "... a file written on the host is in the guest, owned by the default user" \
  eval 'test "$(wsl -e cat /home/user/h.txt)" = from-host && test "$(wsl -e stat -c %U:%a /home/user/h.txt)" = user:644'
wsl -u root -e sh -c 'echo s > /etc/gi-secret; chmod 600 /etc/gi-secret; echo g > /etc/gi-sudo; chgrp sudo /etc/gi-sudo; chmod 640 /etc/gi-sudo'
out=$(cat "$L/etc/gi-secret" 2>&1); rc=$?
check "... a root file of mode 0600 is not readable through it (status $rc: $out)" \
  eval 'test "$rc" = 1 && echo "$out" | grep -q "Permission denied"'
check "... a group-readable file of the sudo group is: the user's supplementary groups apply" test "$(cat "$L/etc/gi-sudo" 2>&1)" = g
out=$(cat "$L/root/x" 2>&1)
check "... a name in a folder the user may not enter is 'Permission denied', not 'No such file' ($out)" \
  eval 'echo "$out" | grep -q "Permission denied"'
mkdir "$L/home/user/d" && ln -s g.txt "$L/home/user/d/ln" && mv "$L/home/user/h.txt" "$L/home/user/d/h2"
check "... mkdir, symlink and rename through it are the guest's" \
  test "$(wsl -e sh -c 'readlink ~/d/ln; cat ~/d/h2')" = "$(printf 'g.txt\nfrom-host')"
rm -r "$L/home/user/d"
check "... rm -r through it" eval '! wsl -e test -e /home/user/d'
out=$(wsl --mount-guest 2>&1); rc=$?
check "a second --mount-guest is refused: mounted already (status $rc: $out)" eval 'test "$rc" = 1 && echo "$out" | grep -q "mounted already"'
mkdir -p "$WORK/mnt2" "$WORK/mnt3"
out=$(wsl --mount-guest Debian "$WORK/mnt2" --user root 2>&1); rc=$?
check "--mount-guest Debian DIR --user root: root's view, /etc/gi-secret readable (status $rc: $out)" \
  eval 'test "$rc" = 0 && test "$(cat "$WORK/mnt2/etc/gi-secret")" = s'
out=$(wsl --mount-guest Debian "$WORK/mnt3" --user ghost 2>&1); rc=$?
check "--mount-guest --user of a user the guest lacks: the guest's reason (status $rc: $out)" \
  eval 'test "$rc" = 1 && echo "$out" | grep -q "ghost"'
check "wslpath -w /etc in the guest is \\\\wsl.localhost\\Debian\\etc" test "$(wsl -e wslpath -w /etc)" = '\\wsl.localhost\Debian\etc'
check "wsl --unmount-guest Debian ends the mount" eval 'wsl --unmount-guest Debian && ! mountpoint -q "$GH_STATE/guestfs"'

# ---- unregister, shutdown -----------------------------------------------------------------------
out=$(wsl --unregister BB2)
check "--unregister BB2: WSL's lines; its disk, folder and record gone" \
  eval 'test "$out" = "$(printf "Unregistering.\nThe operation completed successfully.")" && ! test -e "$WORK/store/bb2" && ! test -e "$GH_STATE/distributions/BB2" && ! wsl --list --quiet | grep -qx BB2'
wsl -d BBgz -e /bin/busybox true 2>/dev/null
check "--shutdown stops every running distribution and prints nothing" \
  eval 'test -z "$(wsl --shutdown 2>&1)" && test "$(wsl --list --running)" = "There are no running distributions." && ! test -e /proc/$(cat "$GH_STATE/qemu.pid" 2>/dev/null || echo 0)/stat'
check "... and the mount of a stopped VM is gone with it" wait_for 10 eval '! mountpoint -q "$WORK/mnt2"'
out=$(wsl -e echo back 2>&1)
check "... and a session starts Debian again, silently as WSL does (got: $out)" test "$out" = back
wsl --shutdown
finish
