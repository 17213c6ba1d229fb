/* Stage 1: guestinit as the initramfs's /init (host/mkimage builds that initramfs). It loads
 * the kernel modules the VM needs, mounts the root disk, keeps the disk's /init the same
 * binary as this one, and hands over to it as PID 1 on the real root. One process, no shell
 * and no program per module: under TCG every new program's code is translated anew, and the
 * busybox script that did this took 1.5 s of a 4.5 s boot (docs/boot.md). */
#ifndef GUESTINIT_STAGE1_H
#define GUESTINIT_STAGE1_H

#include <stdbool.h>

/* The module list that marks our initramfs; a real root never has it. */
#define STAGE1_MODULES "/stage1.modules"

/* True when this PID 1 runs in our initramfs. */
bool stage1_here(void);

/* Does stage 1 and executes the root's /init with argv; ends the machine when it cannot. */
_Noreturn void stage1_main(int argc, char **argv);

#endif
