#!/bin/bash
# A wsl.conf full of mistakes boots, with a warning naming each line.
SUITE=wslconf
. "$(dirname "$0")/lib.sh"

ns_root conf
{
  printf '[boot]\nsystemd = maybe\n'                 # 1-2
  printf '[nosuch]\nkey = 1\n'                        # 3-4
  printf 'command = '; head -c 102400 /dev/zero | tr '\0' x; printf '\n'   # 5
  printf '\x00\x01\x02\xff\xfe garbage \x7fELF\n'    # 6
  printf 'no equals sign here\n'                      # 7
  printf '[interop]\nenabled = FALSE\n'               # 8-9
  printf '[boot]\n'                                   # 10: a duplicate section is fine
  printf 'command = : %s ; echo long-command-ran\n' "$(head -c 1500 /dev/zero | tr '\0' y)"  # 11
} > "$ROOT/etc/wsl.conf"
ns_start conf
check "boots to ready" grep -q "ready in" "$CONSOLE"
check "bad boolean named with line and key" grep -q "wsl.conf:2: invalid value 'maybe' for 'boot.systemd'" "$CONSOLE"
check "unknown section named" grep -q "wsl.conf:4: unknown key 'nosuch.key'" "$CONSOLE"
check "100 KB line named" grep -q "wsl.conf:5: line longer than 4096 bytes" "$CONSOLE"
check "binary garbage named" grep -q "wsl.conf:6: control characters or binary data" "$CONSOLE"
check "line without '=' named" grep -q "wsl.conf:7: expected 'key = value'" "$CONSOLE"
check "a 1.5 KB [boot] command with ';' runs whole" wait_for 5 grep -q "long-command-ran" "$ROOT/var/log/guestinit.log"
ns_power poweroff
ns_wait_exit 5
check "and shuts down cleanly (rc $RC)" test "$RC" -eq 0

ns_root noconf
rm -f "$ROOT/etc/wsl.conf"
ns_start noconf
check "a missing wsl.conf is a warning naming it" grep -q "/etc/wsl.conf: No such file or directory; defaults used" "$CONSOLE"
ns_root hostname
echo gi-from-etc > "$ROOT/etc/hostname"
ns_start hostname
check "the hostname comes from /etc/hostname" ns_says '^gi-from-etc$' hostname
ns_root hostname2
echo gi-from-etc > "$ROOT/etc/hostname"
write_conf '[network]' 'hostname = gi-from-wslconf'
ns_start hostname2
check "[network] hostname overrides it" ns_says '^gi-from-wslconf$' hostname
finish
