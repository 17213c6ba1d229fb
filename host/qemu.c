/* QEMU's command line and launch (see qemu.h). */
#include "qemu.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent_drive.h"
#include "child.h"
#include "cleanup.h"
#include "state.h"

int qemu_escape(const char *value, char *out, size_t cap)
{
	size_t n = 0;
	for (const char *s = value; *s; s++) {
		size_t k = *s == ',' ? 2 : 1;
		if (n + k >= cap)
			return -ENAMETOOLONG;
		out[n++] = *s;
		if (k == 2)
			out[n++] = ',';
	}
	if (n >= cap)
		return -ENAMETOOLONG;
	out[n] = '\0';
	return 0;
}

static int add(struct qemu_cmdline *cl, const char *arg)
{
	if (cl->argc + 1 >= QEMU_MAX_ARGS)
		return -E2BIG;
	cl->argv[cl->argc++] = (char *)arg;
	cl->argv[cl->argc] = NULL;
	return 0;
}

/* An argument made with printf, kept in cl->store. */
static int addf(struct qemu_cmdline *cl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int addf(struct qemu_cmdline *cl, const char *fmt, ...)
{
	char *at = cl->store + cl->used;
	size_t room = sizeof(cl->store) - cl->used;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(at, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		return -ENAMETOOLONG;
	cl->used += (size_t)n + 1;
	return add(cl, at);
}

/* "KEY=ESCAPED(path)" fragments need the escaped path first */
static int esc(const char *path, char out[2 * PATH_MAX])
{
	return qemu_escape(path, out, 2 * PATH_MAX);
}

/* What the boot does without (docs/boot.md): the crypto self-tests at each algorithm's
 * registration (0.46 s under TCG), and ACPI's interrupt routing, whose AML took 110 ms per
 * PCI device (the BIOS's routing table serves instead; virtio uses MSI-X anyway). */
#define BOOT_CMDLINE_SPEED "cryptomgr.notests acpi=noirq"

int qemu_build_cmdline(const struct gh *g, const struct vm_opts *vm, const struct image *img, int port,
		       struct qemu_cmdline *cl)
{
	char path[PATH_MAX], e[2 * PATH_MAX];
	int r = 0;
	cl->argc = 0;
	cl->used = 0;
	static const char *const fixed[] = {
		/* qboot instead of SeaBIOS, no VGA and none of the default devices: the guest boots
		 * its kernel by PVH and has no use for the rest, and under TCG each cost boot time
		 * (docs/boot.md; qboot.rom comes with Debian's qemu-system-data) */
		"qemu-system-x86_64", "-bios", "qboot.rom", "-display", "none", "-vga", "none", "-nodefaults",
		"-device", "virtio-net-pci,netdev=n0",
		/* A reboot in the guest resets the machine in place (no -no-reboot): the same
		 * drives, kernel and configuration come back. A panic must still end QEMU, or
		 * panic=-1 below would loop: the guest's pvpanic driver tells QEMU, which exits
		 * (what is not ready in time, the agent's boot watchdog ends). */
		"-device", "pvpanic-pci", "-action", "panic=exit-failure",
		"-daemonize",
	};
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		r = r ?: add(cl, fixed[i]);
	/* free page reporting hands the guest's free memory back (.wslconfig pageReporting) */
	r = r ?: add(cl, "-device") ?:
		add(cl, vm->page_reporting_off ? "virtio-balloon-pci" : "virtio-balloon-pci,free-page-reporting=on");
	/* nat: QEMU's user network, IPv6 on a unique local prefix (slirp's default, fec0::/64, is
	 * the deprecated site-local scope: the guest gets fd00::/64 by the router advertisement);
	 * mirrored: passt's socket (netmode.h) */
	if (vm->net.mirrored) /* the socket to passt is QEMU's fd 3 (qemu_launch) */
		r = r ?: add(cl, "-netdev") ?: add(cl, "stream,id=n0,server=off,addr.type=fd,addr.str=3");
	else
		r = r ?: add(cl, "-netdev") ?: add(cl, "user,id=n0,ipv6-net=fd00::/64");
	r = r ?: add(cl, "-accel") ?: add(cl, img->accel);
	r = r ?: add(cl, "-m") ?: addf(cl, "%u", vm->mem_mb);
	r = r ?: add(cl, "-smp") ?: addf(cl, "%u", vm->cpus);
	r = r ?: add(cl, "-kernel") ?: add(cl, vm->kernel ? vm->kernel : img->kernel);
	r = r ?: add(cl, "-initrd") ?: add(cl, img->initrd);
	/* the swap disk is the second virtio disk, /dev/vdb, which init enables (guestinit.swap) */
	r = r ?: add(cl, "-append") ?:
		addf(cl, "console=ttyS0 quiet panic=-1 " BOOT_CMDLINE_SPEED " root=/dev/vda guestinit.host=tcp://%s:%d guestinit.net=eth0,%s,%s,%s%s%s%s",
		     vm->net.mirrored ? vm->net.gateway : "10.0.2.2", port, vm->net.mirrored ? vm->net.iface_addr : "10.0.2.15/24",
		     vm->net.mirrored ? vm->net.gateway : "10.0.2.2", vm->net.mirrored ? vm->net.dns : "10.0.2.3",
		     vm->swap_mb ? " guestinit.swap=/dev/vdb" : "", vm->kernel_cmdline ? " " : "",
		     vm->kernel_cmdline ? vm->kernel_cmdline : "");
	r = r ?: esc(img->rootimg, e) ?: add(cl, "-drive") ?: addf(cl, "file=%s,format=raw,if=virtio", e);
	if (vm->swap_mb)
		r = r ?: esc(vm->swap_file, e) ?: add(cl, "-drive") ?: addf(cl, "file=%s,format=raw,if=virtio", e);
	r = r ?: esc(state_file(g, "monitor.sock", path), e) ?: add(cl, "-chardev") ?:
		addf(cl, "socket,id=mon,path=%s,server=on,wait=off", e);
	r = r ?: add(cl, "-mon") ?: add(cl, "chardev=mon,mode=readline");
	r = r ?: esc(state_file(g, "console.log", path), e) ?: add(cl, "-chardev") ?: addf(cl, "file,id=con,path=%s", e);
	r = r ?: add(cl, "-serial") ?: add(cl, "chardev:con");
	r = r ?: add(cl, "-pidfile") ?: addf(cl, "%s", state_file(g, "qemu.pid", path));
	/* the token by file, so that it is in neither QEMU's command line (ps on the host) nor
	 * the kernel's (/proc/cmdline in the guest) */
	r = r ?: esc(state_file(g, "token", path), e) ?: add(cl, "-fw_cfg") ?: addf(cl, "name=opt/guestinit/token,file=%s", e);
	/* the drive ports: QEMU listens on each socket, and the agent connects when the guest
	 * asks for a mount on that port (docs/protocol.md, "Drive ports") */
	if (vm->drive_ports)
		r = r ?: add(cl, "-device") ?: addf(cl, "virtio-serial-pci,max_ports=%u", vm->drive_ports + 1);
	for (unsigned i = 0; r == 0 && i < vm->drive_ports; i++) {
		r = esc(agent_drive_port_socket(g->state, i, path), e) ?: add(cl, "-chardev") ?:
			addf(cl, "socket,id=dport%u,path=%s,server=on,wait=off", i, e) ?: add(cl, "-device") ?:
			addf(cl, "virtserialport,chardev=dport%u,name=" DRIVE_PORT_PREFIX "%u", i, i);
	}
	for (size_t i = 0; r == 0 && i < vm->ndrives; i++) {
		if (!vm->drives[i].virtio)
			continue;
		r = esc(vm->drives[i].dir, e) ?: add(cl, "-virtfs") ?:
			addf(cl, "local,path=%s,mount_tag=drvfs_%c,security_model=none", e, vm->drives[i].letter);
	}
	return r;
}

pid_t qemu_launch(const struct gh *g, const struct vm_opts *vm, const struct image *img, int port,
		  struct gi_error *err)
{
	struct qemu_cmdline cl;
	int r = qemu_build_cmdline(g, vm, img, port, &cl);
	if (r < 0)
		return gi_error_errno(err, -r, "QEMU's command line");
	char path[PATH_MAX];
	unlink(state_file(g, "qemu.pid", path));
	_cleanup_close_ int log = open(state_file(g, "qemu.log", path), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (log < 0)
		return gi_error_errno(err, errno, "cannot open %s", path);
	/* -daemonize: this child returns once the VM is set up, and QEMU goes on in a grandchild */
	int st = child_run(&(struct child_spec){ .argv = cl.argv, .fds = { -1, log, log }, .setsid = true,
						  .extra_fds = vm->net.qemu_fd >= 0 ? &vm->net.qemu_fd : NULL,
						  .nextra = vm->net.qemu_fd >= 0 ? 1 : 0 },
		       err);
	if (st < 0)
		return st;
	if (st != 0) {
		state_print_tail(g, "qemu.log", 5);
		return gi_error_set(err, EIO, "QEMU did not start (log: %s)", path);
	}
	pid_t pid = state_read_pid(g, "qemu.pid");
	if (!pid)
		return gi_error_set(err, ESRCH, "QEMU started, but no running QEMU is in %s", state_file(g, "qemu.pid", path));
	return pid;
}
