/* `guesthost p9`: the drive server on its own (see p9cmd.c). */
#ifndef GUESTINIT_HOST_P9CMD_H
#define GUESTINIT_HOST_P9CMD_H

int cmd_p9(int argc, char **argv);

#endif
