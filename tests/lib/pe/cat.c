/* cat.exe: stdin to stdout through the Windows handles. */
#include <windows.h>
int main(void)
{
	HANDLE in = GetStdHandle(STD_INPUT_HANDLE), out = GetStdHandle(STD_OUTPUT_HANDLE);
	static char buf[65536];
	DWORD n, w;
	while (ReadFile(in, buf, sizeof(buf), &n, NULL) && n)
		if (!WriteFile(out, buf, n, &w, NULL))
			return 1;
	return 0;
}
