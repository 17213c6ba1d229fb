/* Authority of a unix socket peer. */
#include "peercred.h"

#include <sys/capability.h>
#include <sys/socket.h>

bool peercred_privileged(int fd, pid_t *pid, uid_t *uid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	if (pid)
		*pid = cred.pid;
	if (uid)
		*uid = cred.uid;
	if (cred.uid == 0)
		return true;
	cap_t caps = cap_get_pid(cred.pid);
	if (!caps)
		return false;
	cap_flag_value_t v = CAP_CLEAR;
	cap_get_flag(caps, CAP_SYS_ADMIN, CAP_EFFECTIVE, &v);
	cap_free(caps);
	return v == CAP_SET;
}
