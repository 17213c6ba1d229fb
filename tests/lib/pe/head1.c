/* head1.exe: one line of stdin to stdout, read a byte at a time, so that it takes no more. */
#include <windows.h>
int main(void)
{
	HANDLE in = GetStdHandle(STD_INPUT_HANDLE), out = GetStdHandle(STD_OUTPUT_HANDLE);
	char c;
	DWORD n, w;
	while (ReadFile(in, &c, 1, &n, NULL) && n == 1) {
		WriteFile(out, &c, 1, &w, NULL);
		if (c == '\n')
			break;
	}
	return 0;
}
