#!/bin/bash
# The image scripts. The guest's apt sources, made from the host's in either form. The pieces
# in the cache that every checkout shares: two first builds of an empty cache
# started together both succeed, and make each piece once (one download; the second builder
# waits for the first, says so once, and uses its result). The shared ~/.cache/guestinit is
# never touched: the builds go to a cache of their own. Each builder runs in a process group
# of its own, which the EXIT trap ends, whatever happened.
SUITE=image
set -u
. "$(dirname "$0")/lib.sh" image

builders=
cleanup() {
  for p in $builders; do kill -TERM -- "-$p" 2>/dev/null; done
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

mk=$TOP/host/mkimage

# ---- the guest's apt sources come from the host's (host/aptsources) -----------------------
aptsrc=$TOP/host/aptsources
etc=$WORK/etc-deb822
mkdir -p "$etc/sources.list.d"
cat > "$etc/sources.list.d/debian.sources" <<'S'
Types: deb deb-src
# the mirror of this machine
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates bookworm-backports
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://src.example/debian
Suites: bookworm-security
Components: main

Types: deb
URIs: http://off.example/debian-security
Suites: bookworm-security
Components: main
Enabled: no

Types: deb
URIs: http://security.example/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
S
cat > "$WORK/want-deb822" <<'S'
Types: deb
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://security.example/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
S
"$aptsrc" bookworm "$etc" >"$WORK/got-deb822" 2>"$WORK/err-deb822"; rc=$?
check "deb822 sources: the three suites with the host's URIs, components and keys, deb822 (status $rc)" \
  eval 'test "$rc" = 0 && cmp -s "$WORK/want-deb822" "$WORK/got-deb822" && ! test -s "$WORK/err-deb822"'
[ "$rc" = 0 ] && cmp -s "$WORK/want-deb822" "$WORK/got-deb822" || diff "$WORK/want-deb822" "$WORK/got-deb822"
check "... and the mirror for debootstrap is the main suite's" test "$("$aptsrc" --mirror bookworm "$etc")" = http://mirror.example/debian
etc=$WORK/etc-oneline
mkdir -p "$etc/sources.list.d"
printf '%s\n' '# one-line form' 'deb-src http://mirror.example/debian bookworm main' \
  'deb [arch=amd64 signed-by=/etc/apt/keyrings/m.gpg] http://mirror.example/debian bookworm main non-free-firmware # ok' \
  'deb http://mirror.example/debian bookworm-updates main non-free-firmware' > "$etc/sources.list"
"$aptsrc" bookworm "$etc" >"$WORK/got-oneline" 2>"$WORK/err-oneline"; rc=$?
printf '%s\n' 'Types: deb' 'URIs: http://mirror.example/debian' 'Suites: bookworm' 'Components: main non-free-firmware' \
  'Signed-By: /etc/apt/keyrings/m.gpg' '' 'Types: deb' 'URIs: http://mirror.example/debian' 'Suites: bookworm-updates' \
  'Components: main non-free-firmware' > "$WORK/want-oneline"
check "one-line sources.list: the same suites as deb822, with its signed-by option (status $rc)" \
  eval 'test "$rc" = 0 && cmp -s "$WORK/want-oneline" "$WORK/got-oneline"'
check "... and the suite it lacks is said, once" \
  eval 'test "$(cat "$WORK/err-oneline")" = "aptsources: the host'"'"'s apt sources have no bookworm-security: the guest'"'"'s will lack it too"'
"$aptsrc" bullseye "$etc" >/dev/null 2>&1; rc=$?
check "no main suite at all: status 1 ($rc)" test "$rc" = 1
check "this machine's own sources give the guest bookworm-security" eval '"$aptsrc" bookworm | grep -q "^Suites: .*bookworm-security"'
cache=$WORK/cache
setsid "$mk" --only kernel,modules "$cache" >"$WORK/a.out" 2>"$WORK/a.err" &
a=$!
setsid "$mk" --only kernel,modules "$cache" >"$WORK/b.out" 2>"$WORK/b.err" &
b=$!
builders="$a $b"
wait "$a"; ra=$?
wait "$b"; rb=$?
builders=
check "two builds of an empty cache started together both succeed ($ra, $rb)" eval 'test "$ra" = 0 && test "$rb" = 0'
[ "$ra$rb" = 00 ] || cat "$WORK/a.err" "$WORK/b.err"
check "... and name the same pieces" cmp -s "$WORK/a.out" "$WORK/b.out"
kernel=$(sed -n 's/^KERNEL=//p' "$WORK/a.out") mods=$(sed -n 's/^MODULES=//p' "$WORK/a.out")
check "... which are there (a kernel, a module closure)" eval 'test -r "$kernel" && test -s "$mods/order" && test -e "$mods/.done"'
fetched=$(cat "$WORK/a.err" "$WORK/b.err" | grep -c "fetching linux-image")
check "the kernel package is fetched once ($fetched)" test "$fetched" = 1
waited=$(cat "$WORK/a.err" "$WORK/b.err" | grep -c "waiting for")
check "one builder says that it waits for the other, once ($waited)" test "$waited" = 1
pieces=$(cd "$cache" && ls -d kernel-* kernel-*/mods-* 2>/dev/null | grep -v '\.lock$' | tr '\n' ' ')
check "one kernel and one module closure in the cache, no temporary left ($pieces)" \
  eval 'test "$(wc -w <<<"$pieces")" = 2 && ! grep -q tmp <<<"$pieces"'
"$mk" --only kernel,modules "$cache" >"$WORK/c.out" 2>"$WORK/c.err"; rc=$?
check "a third build finds them and builds nothing (status $rc)" \
  eval 'test "$rc" = 0 && cmp -s "$WORK/a.out" "$WORK/c.out" && ! test -s "$WORK/c.err"'

# a builder killed half-way leaves a temporary folder, never a piece; the next one clears it
cache2=$WORK/cache2
setsid "$mk" --only kernel "$cache2" >/dev/null 2>&1 &
a=$!
builders=$a
wait_for 60 eval 'ls -d "$cache2"/kernel-*.tmp.* >/dev/null 2>&1'
kill -KILL -- "-$a"
{ wait "$a"; } 2>/dev/null # (no "Killed" line from the shell)
builders=
check "a killed builder leaves no kernel piece behind" eval '! ls -d "$cache2"/kernel-*[0-9]-amd64 >/dev/null 2>&1'
"$mk" --only kernel "$cache2" >"$WORK/d.out" 2>"$WORK/d.err"; rc=$?
check "the next build makes it and clears the temporary (status $rc)" \
  eval 'test "$rc" = 0 && test -r "$(sed -n "s/^KERNEL=//p" "$WORK/d.out")" && ! ls -d "$cache2"/*.tmp.* >/dev/null 2>&1'
finish
