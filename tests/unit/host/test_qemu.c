/* QEMU's command line: an argv, where a path with a quote, a space or a comma reaches QEMU as
 * it is (commas doubled inside key=value options, QEMU's own escape). */
#include <check.h>
#include <string.h>

#include "qemu.h"
#include "unit.h"

START_TEST(escape)
{
	char out[16];
	ck_assert_int_eq(qemu_escape("a,b,,c", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "a,,b,,,,c");
	ck_assert_int_eq(qemu_escape("it's a b", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "it's a b");
	ck_assert_int_lt(qemu_escape(",,,,,,,,", out, sizeof(out)), 0); /* 16 bytes and the NUL */
}
END_TEST

static int find(const struct qemu_cmdline *cl, const char *arg)
{
	for (size_t i = 0; i < cl->argc; i++)
		if (!strcmp(cl->argv[i], arg))
			return (int)i;
	return -1;
}

/* the value after option opt that starts with prefix */
static const char *value_of(const struct qemu_cmdline *cl, const char *opt, const char *prefix)
{
	for (size_t i = 0; i + 1 < cl->argc; i++)
		if (!strcmp(cl->argv[i], opt) && !strncmp(cl->argv[i + 1], prefix, strlen(prefix)))
			return cl->argv[i + 1];
	return NULL;
}

START_TEST(cmdline)
{
	struct gh g = { .state = "/tmp/gi a'b,c" };
	struct vm_opts vm = { .mem_mb = 2048, .cpus = 2, .ndrives = 2 };
	vm.drives[0] = (struct agent_drive){ .letter = 'c', .dir = "/srv/c" };
	vm.drives[1] = (struct agent_drive){ .letter = 'v', .dir = "/srv/v,w x", .virtio = true };
	struct image img = { .kernel = "/k/vmlinuz", .initrd = "/tmp/gi a'b,c/initrd.gz",
			     .rootimg = "/tmp/gi a'b,c/root.img", .accel = "tcg" };
	struct qemu_cmdline cl;
	ck_assert_int_eq(qemu_build_cmdline(&g, &vm, &img, 4242, &cl), 0);
	ck_assert_ptr_null(cl.argv[cl.argc]);
	ck_assert_str_eq(cl.argv[0], "qemu-system-x86_64");
	ck_assert_str_eq(value_of(&cl, "-drive", "file="), "file=/tmp/gi a'b,,c/root.img,format=raw,if=virtio");
	ck_assert_str_eq(value_of(&cl, "-initrd", "/"), "/tmp/gi a'b,c/initrd.gz"); /* a plain argument */
	ck_assert_str_eq(value_of(&cl, "-pidfile", "/"), "/tmp/gi a'b,c/qemu.pid");
	ck_assert_str_eq(value_of(&cl, "-chardev", "file,"), "file,id=con,path=/tmp/gi a'b,,c/console.log");
	ck_assert_str_eq(value_of(&cl, "-chardev", "socket,"), "socket,id=mon,path=/tmp/gi a'b,,c/monitor.sock,server=on,wait=off");
	ck_assert_str_eq(value_of(&cl, "-fw_cfg", "name="), "name=opt/guestinit/token,file=/tmp/gi a'b,,c/token");
	ck_assert_str_eq(value_of(&cl, "-virtfs", "local,"), "local,path=/srv/v,,w x,mount_tag=drvfs_v,security_model=none");
	ck_assert_ptr_null(value_of(&cl, "-virtfs", "local,path=/srv/c")); /* ours, not QEMU's */
	ck_assert(strstr(value_of(&cl, "-append", "console="), "guestinit.host=tcp://10.0.2.2:4242 ") != NULL);
	ck_assert_str_eq(value_of(&cl, "-m", "2"), "2048");
	ck_assert_int_ge(find(&cl, "-daemonize"), 0);
	/* a reboot in the guest resets in place; a panic ends QEMU through pvpanic */
	ck_assert_int_lt(find(&cl, "-no-reboot"), 0);
	ck_assert_str_eq(value_of(&cl, "-device", "pvpanic"), "pvpanic-pci");
	ck_assert_str_eq(value_of(&cl, "-action", "panic="), "panic=exit-failure");
	ck_assert(strstr(value_of(&cl, "-append", "console="), " panic=-1 ") != NULL);
	/* .wslconfig's defaults: free page reporting, no swap disk, Debian's kernel */
	ck_assert_str_eq(value_of(&cl, "-device", "virtio-balloon"), "virtio-balloon-pci,free-page-reporting=on");
	ck_assert_ptr_null(strstr(value_of(&cl, "-append", "console="), "guestinit.swap"));
	ck_assert_str_eq(value_of(&cl, "-kernel", "/"), "/k/vmlinuz");
	ck_assert_ptr_null(value_of(&cl, "-device", "virtio-serial")); /* no drive ports unless asked */
}
END_TEST

START_TEST(drive_ports)
{
	struct gh g = { .state = "/tmp/gi a'b,c" };
	struct vm_opts vm = { .mem_mb = 2048, .cpus = 2, .drive_ports = 30 };
	struct image img = { .kernel = "/k/vmlinuz", .initrd = "/i", .rootimg = "/r", .accel = "tcg" };
	struct qemu_cmdline cl;
	ck_assert_int_eq(qemu_build_cmdline(&g, &vm, &img, 4242, &cl), 0);
	ck_assert_str_eq(value_of(&cl, "-device", "virtio-serial"), "virtio-serial-pci,max_ports=31");
	ck_assert_str_eq(value_of(&cl, "-chardev", "socket,id=dport0,"),
			 "socket,id=dport0,path=/tmp/gi a'b,,c/drive-port-0.sock,server=on,wait=off");
	ck_assert_str_eq(value_of(&cl, "-chardev", "socket,id=dport29,"),
			 "socket,id=dport29,path=/tmp/gi a'b,,c/drive-port-29.sock,server=on,wait=off");
	ck_assert_str_eq(value_of(&cl, "-device", "virtserialport,chardev=dport29,"),
			 "virtserialport,chardev=dport29,name=org.guestinit.drive.29");
	ck_assert_ptr_null(value_of(&cl, "-chardev", "socket,id=dport30,"));
}
END_TEST

START_TEST(wslconfig_keys)
{
	struct gh g = { .state = "/tmp/s" };
	struct vm_opts vm = { .mem_mb = 768, .cpus = 1, .page_reporting_off = true, .swap_mb = 256,
			      .swap_file = "/tmp/s/swap,1.img", .kernel = "/boot/mine", .kernel_cmdline = "loglevel=7 x=y" };
	struct image img = { .kernel = "/k/vmlinuz", .initrd = "/i", .rootimg = "/r.img", .accel = "tcg" };
	struct qemu_cmdline cl;
	ck_assert_int_eq(qemu_build_cmdline(&g, &vm, &img, 1, &cl), 0);
	ck_assert_str_eq(value_of(&cl, "-m", "7"), "768");
	ck_assert_str_eq(value_of(&cl, "-smp", "1"), "1");
	ck_assert_str_eq(value_of(&cl, "-device", "virtio-balloon"), "virtio-balloon-pci");
	ck_assert_str_eq(value_of(&cl, "-kernel", "/"), "/boot/mine");
	const char *append = value_of(&cl, "-append", "console=");
	ck_assert(strstr(append, " guestinit.swap=/dev/vdb ") != NULL);
	ck_assert(strstr(append, " loglevel=7 x=y") != NULL && !strcmp(append + strlen(append) - 3, "x=y"));
	ck_assert_str_eq(value_of(&cl, "-drive", "file=/tmp/s/swap"), "file=/tmp/s/swap,,1.img,format=raw,if=virtio");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("qemu");
	TCase *tc = tcase_create("qemu");
	tcase_add_test(tc, escape);
	tcase_add_test(tc, cmdline);
	tcase_add_test(tc, drive_ports);
	tcase_add_test(tc, wslconfig_keys);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
