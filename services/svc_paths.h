/* Where the services capability lives at run time: the supervisor's sockets and the services'
 * logs (definitions are found through svc_definition.h, records through svc_record.h). */
#ifndef GUESTINIT_SERVICES_SVC_PATHS_H
#define GUESTINIT_SERVICES_SVC_PATHS_H

#define SVC_SOCKET_PATH "/run/guestinit/services" /* requests (svc_msg.h) */
#define SVC_NOTIFY_PATH "/run/guestinit/notify"   /* sd_notify datagrams, the services' NOTIFY_SOCKET */
#define SVC_LOG_DIR "/var/log/guestinit"          /* NAME.log, rotated (svc_log.h) */

#endif
