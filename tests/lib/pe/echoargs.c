/* echoargs.exe: each argv entry in brackets, argv[0] too, then GetCommandLineW; its status is argc. */
#include <stdio.h>
#include <windows.h>
int main(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		printf("[%s]\n", argv[i]);
	wprintf(L"cmdline=%ls\n", GetCommandLineW());
	return argc;
}
