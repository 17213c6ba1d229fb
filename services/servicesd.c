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
#include "daemon.h"
#include "evloop.h"
#include "fdpass.h"
#include "fdstore.h"
#include "log.h"
#include "svc_paths.h"
#include "proto.h"
#include "seqsrv.h"
#include "svc_msg.h"
#include "supervisor.h"
#include "svc_log.h"
#include "unixsock.h"

#define MAX_CLIENTS 256
#define REQUEST_MAX 65536

static struct sv_request *decode(const void *frame, size_t n, const char **why)
{
	struct sv_request *r = calloc(1, sizeof(*r));
	if (!r) {
		*why = "out of memory";
		return NULL;
	}
	r->fds[0] = r->fds[1] = r->fds[2] = -1;
	const uint8_t *payload;
	size_t len;
	if (svc_msg_payload(frame, n, MSG_SVC_REQUEST, &payload, &len, why) < 0 ||
	    svc_decode_request(payload, len, &r->msg, why) < 0) {
		supervisor_free_request(r);
		return NULL;
	}
	return r;
}

static void on_request(void *ctx, struct seqsrv_request *req)
{
	(void)ctx;
	const char *why;
	struct sv_request *r = decode(req->data, req->len, &why);
	if (!r) {
		for (size_t i = 0; i < req->nfds; i++)
			close(req->fds[i]);
		char msg[200];
		snprintf(msg, sizeof(msg), "malformed request: %s", why);
		struct proto_buf b;
		proto_buf_init(&b);
		svc_encode_reply(&b, 1, NULL, msg);
		if (b.error == 0)
			send(req->fd, b.data, b.len, MSG_NOSIGNAL | MSG_DONTWAIT);
		proto_buf_free(&b);
		close(req->fd);
		return;
	}
	for (size_t i = 0; i < req->nfds; i++)
		r->fds[i] = req->fds[i];
	r->privileged = req->privileged;
	r->uid = req->uid;
	supervisor_request(req->fd, r);
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
	static const int signals[] = { SIGCHLD, SIGTERM, SIGINT, SIGUSR1, 0 };
	int r = daemon_setup("guestinit-services", NULL, signals, on_signal, NULL, &the_loop);
	if (r < 0)
		return 1;
	svc_log_set_store(&store);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		log_warn("services", "cannot become a child subreaper: %s; forked daemons' ends go unseen",
			 strerror(errno));
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigaction(SIGHUP, &ign, NULL);
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
	/* the caller's stdin, stdout and stderr come along, for an init.d script */
	struct seqsrv_options o = { .path = SVC_SOCKET_PATH, .mode = 0666, .max_request = REQUEST_MAX, .max_fds = 3,
				    .max_clients = MAX_CLIENTS };
	struct seqsrv *srv;
	r = seqsrv_listen(the_loop, &o, on_request, NULL, &srv);
	if (r < 0) {
		log_err("services", SVC_SOCKET_PATH ": %s", strerror(-r));
		return 1;
	}
	boot_services(the_loop);
	r = evloop_run(the_loop);
	seqsrv_close(srv);
	unlink(SVC_NOTIFY_PATH);
	return r < 0 ? 1 : 0;
}
