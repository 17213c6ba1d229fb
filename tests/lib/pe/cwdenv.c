/* cwdenv.exe [NAME]: its folder as Windows sees it and the value of NAME. */
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>
int main(int argc, char **argv)
{
	char cwd[MAX_PATH];
	GetCurrentDirectoryA(sizeof(cwd), cwd);
	const char *v = argc > 1 ? getenv(argv[1]) : NULL;
	printf("cwd=%s\nvar=%s\n", cwd, v ? v : "(unset)");
	return 0;
}
