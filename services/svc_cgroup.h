/* One cgroup v2 group per service under /sys/fs/cgroup/services, so that stop reaches every
 * process a service left behind, double-forked or not. Without a writable cgroup2 mount
 * (an old kernel, a container) each service is its own session instead, which a double fork
 * can leave: the supervisor says so once at start. */
#ifndef GUESTINIT_SERVICES_CGROUP_H
#define GUESTINIT_SERVICES_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SVC_CGROUP_ROOT "/sys/fs/cgroup"
#define SVC_CGROUP_DIR "services"

/* Creates the services group; returns 0 when groups can be used, -errno otherwise. */
int svc_cgroup_init(void);
bool svc_cgroup_available(void);
/* Whether the pids controller reaches the services' groups (TasksMax=). */
bool svc_cgroup_pids_available(void);
/* pids.max of the group; 0 means no limit. 0 or -errno (-ENOTSUP without the controller). */
int svc_cgroup_set_tasks_max(const char *name, unsigned long long max);
/* The group's pids.max, 0 for none or unknown. */
unsigned long long svc_cgroup_tasks_max(const char *name);
/* Creates the service's group (an existing one is fine). */
int svc_cgroup_create(const char *name);
/* In a child between fork and exec: moves the calling process into the service's group. */
int svc_cgroup_enter(const char *name);
/* Number of processes in the group (0 when empty or without groups), at most cap pids stored. */
size_t svc_cgroup_pids(const char *name, pid_t *pids, size_t cap);
/* Signals every process of the group; SIGKILL uses cgroup.kill where the kernel has it. */
int svc_cgroup_kill(const char *name, int sig);
/* Removes an empty group (a no-op when it still has processes). */
void svc_cgroup_remove(const char *name);
/* The service a pid belongs to (from /proc/PID/cgroup), or -ENOENT. */
int svc_cgroup_of_pid(pid_t pid, char *name, size_t cap);

#endif
