/* guestinit-servicesd: the service supervisor daemon. PID 1 starts it (and restarts it); it is
 * a child subreaper, so that every daemon an init.d script or a forking unit leaves behind is
 * reparented to it and its end is seen. One loop: the control socket (service, systemctl), the
 * notify socket (sd_notify), SIGCHLD, and the services' timers and log pipes. */
#include "servicesd.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boot.h"
#include "svc_cgroup.h"
#include "cleanup.h"
#include "evloop.h"
#include "fdpass.h"
#include "fdstore.h"
#include "log.h"
#include "svc_names.h"
#include "peercred.h"
#include "proto.h"
#include "supervisor.h"
#include "svc_log.h"
#include "unixsock.h"

#define MAX_CLIENTS 256
#define REQUEST_MAX 65536

static int nclients;

static struct sv_request *decode(const uint8_t *buf, size_t n, const char **why)
{
	struct proto_hdr h;
	*why = "malformed request";
	if (n < PROTO_HDR_SIZE || proto_hdr_decode(buf, &h) < 0 || h.type != MSG_SVC_REQUEST ||
	    h.len != n - PROTO_HDR_SIZE)
		return NULL;
	struct sv_request *r = calloc(1, sizeof(*r));
	if (!r) {
		*why = "out of memory";
		return NULL;
	}
	r->fds[0] = r->fds[1] = r->fds[2] = -1;
	struct proto_reader rd;
	proto_reader_init(&rd, buf + PROTO_HDR_SIZE, h.len);
	struct proto_field f;
	size_t nargs = 0, nenv = 0;
	int k;
	while ((k = proto_next(&rd, &f)) > 0) {
		char *str = NULL;
		if (f.tag != TAG_ARG && f.tag != TAG_ENV)
			continue;
		if (proto_field_str(&f, &str) < 0) {
			supervisor_free_request(r);
			return NULL;
		}
		if (f.tag == TAG_ARG) {
			if (nargs == 0)
				r->verb = str;
			else if (nargs == 1)
				r->name = str;
			else if (nargs - 2 < SV_MAX_ARGS)
				r->args[nargs - 2] = str;
			else
				free(str);
			nargs++;
		} else if (nenv < ARRAY_SIZE(r->env) - 1 && strchr(str, '=')) {
			r->env[nenv++] = str;
		} else {
			free(str);
		}
	}
	if (k < 0 || !r->verb) {
		supervisor_free_request(r);
		return NULL;
	}
	return r;
}

static void on_client(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)events;
	(void)data;
	evloop_del_fd(loop, fd);
	nclients--;
	_cleanup_free_ uint8_t *buf = malloc(REQUEST_MAX);
	int fds[FDPASS_MAX];
	size_t nfds = 0;
	ssize_t n = buf ? fdpass_recv(fd, buf, REQUEST_MAX, fds, &nfds, FDPASS_MAX) : -ENOMEM;
	if (n <= 0) {
		for (size_t i = 0; i < nfds; i++)
			close(fds[i]);
		close(fd);
		return;
	}
	const char *why;
	struct sv_request *r = decode(buf, (size_t)n, &why);
	if (!r) {
		for (size_t i = 0; i < nfds; i++)
			close(fds[i]);
		struct proto_buf b;
		proto_buf_init(&b);
		proto_begin(&b, MSG_SVC_REPLY, 0);
		proto_put_u32(&b, TAG_STATUS, 1);
		proto_put_str(&b, TAG_REASON, why);
		if (proto_end(&b) == 0)
			send(fd, b.data, b.len, MSG_NOSIGNAL | MSG_DONTWAIT);
		proto_buf_free(&b);
		close(fd);
		return;
	}
	for (size_t i = 0; i < nfds; i++) {
		if (i < 3)
			r->fds[i] = fds[i];
		else
			close(fds[i]);
	}
	r->privileged = peercred_privileged(fd, NULL, &r->uid);
	supervisor_request(fd, r);
}

static void on_listen(struct evloop *loop, int lfd, uint32_t events, void *data)
{
	(void)events;
	(void)data;
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (nclients >= MAX_CLIENTS || evloop_add_fd(loop, fd, EPOLLIN, on_client, NULL) < 0) {
			close(fd); /* the client sees the connection end and says so */
			continue;
		}
		nclients++;
	}
}

static void on_notify(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)loop;
	(void)events;
	(void)data;
	for (int i = 0; i < 64; i++) {
		char buf[4096];
		char cbuf[CMSG_SPACE(sizeof(struct ucred))];
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0)
			return;
		pid_t pid = 0;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS) {
				struct ucred uc;
				memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
				pid = uc.pid;
			} else if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
				/* FDSTORE is not supported: fds sent along are closed */
				size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
				for (size_t j = 0; j < k; j++) {
					int pfd;
					memcpy(&pfd, CMSG_DATA(cm) + j * sizeof(int), sizeof(int));
					close(pfd);
				}
			}
		}
		if (pid > 0)
			supervisor_notify(pid, buf, (size_t)n);
	}
}

static void reap(void)
{
	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);
		if (pid <= 0)
			break;
		if (!boot_reaped(pid, st))
			supervisor_reaped(pid, st);
	}
	supervisor_check_groups();
}

static struct evloop *the_loop;

static void all_stopped(void)
{
	log_info("services", "every service is stopped");
	evloop_quit(the_loop, 0);
}

static void on_signal(struct evloop *loop, const struct signalfd_siginfo *si, void *data)
{
	(void)loop;
	(void)data;
	switch (si->ssi_signo) {
	case SIGCHLD:
		reap();
		break;
	case SIGTERM:
	case SIGINT:
		log_info("services", "stopping every service");
		supervisor_stop_all(all_stopped);
		break;
	default:
		break;
	}
}

int servicesd_main(int argc, char **argv)
{
	log_init("guestinit-services");
	struct fdstore store = FDSTORE_NONE;
	if (argc == 3 && !strcmp(argv[1], "--fd-store")) {
		int e = fdstore_parse(argv[2], &store);
		if (e < 0) {
			log_err("services", "--fd-store %s: %s (want PUT:TAKE, two datagram socket fds)", argv[2],
				strerror(-e));
			return 2;
		}
	} else if (argc != 1) {
		log_err("services", "usage: guestinit-servicesd [--fd-store PUT:TAKE] (PID 1 starts it)");
		return 2;
	}
	svc_log_set_store(&store);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		log_warn("services", "cannot become a child subreaper: %s; forked daemons' ends go unseen",
			 strerror(errno));
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigaction(SIGPIPE, &ign, NULL);
	sigaction(SIGHUP, &ign, NULL);
	int r = evloop_new(&the_loop);
	if (r < 0) {
		log_err("services", "event loop: %s", strerror(-r));
		return 1;
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	evloop_set_signals(the_loop, &set, on_signal, NULL);
	r = svc_cgroup_init();
	if (r < 0)
		log_warn("services", "no cgroup v2 at " SVC_CGROUP_ROOT " (%s): a service is tracked by its processes, "
			 "and a daemon that double-forks out of its session is not stopped with it", strerror(-r));
	else if (!svc_cgroup_pids_available())
		log_info("services", "no pids controller below " SVC_CGROUP_ROOT ": TasksMax= is not enforced");
	mkdir("/run/guestinit", 0755);
	supervisor_init(the_loop);
	supervisor_adopt(&store);
	int nfd = unixsock_listen(SVC_NOTIFY_PATH, SOCK_DGRAM, 0666);
	if (nfd >= 0) {
		int one = 1;
		setsockopt(nfd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
		evloop_add_fd(the_loop, nfd, EPOLLIN, on_notify, NULL);
	} else {
		log_warn("services", SVC_NOTIFY_PATH ": %s; Type=notify services will time out", strerror(-nfd));
	}
	int lfd = unixsock_listen(SVC_SOCKET_PATH, SOCK_SEQPACKET, 0666);
	if (lfd < 0) {
		log_err("services", SVC_SOCKET_PATH ": %s", strerror(-lfd));
		return 1;
	}
	evloop_add_fd(the_loop, lfd, EPOLLIN, on_listen, NULL);
	boot_services(the_loop);
	r = evloop_run(the_loop);
	unlink(SVC_SOCKET_PATH);
	unlink(SVC_NOTIFY_PATH);
	return r < 0 ? 1 : 0;
}
