/* The service supervisor daemon's entry point (guestinit-servicesd). */
#ifndef GUESTINIT_SERVICES_SERVICESD_H
#define GUESTINIT_SERVICES_SERVICESD_H

int servicesd_main(int argc, char **argv);

#endif
