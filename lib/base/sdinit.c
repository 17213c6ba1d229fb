/* systemd as the init (see sdinit.h). */
#include "sdinit.h"

#include <unistd.h>

bool sdinit_booted(void)
{
	return access("/run/systemd/system", F_OK) == 0;
}

const char *sdinit_systemctl(void)
{
	return access("/usr/bin/systemctl", X_OK) == 0 ? "/usr/bin/systemctl" : "/bin/systemctl";
}
