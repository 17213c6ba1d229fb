/* sleeper.exe: sleeps five minutes (for Ctrl-C and SIGTERM). */
#include <windows.h>
int main(void) { Sleep(300000); return 0; }
