/* sigstate: prints what a child inherited: blocked, ignored and caught signals, the open fds
 * and the OOM score adjustment. Run by PID 1 directly, so the shell adds nothing of its own. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "SigBlk:", 7) || !strncmp(line, "SigIgn:", 7))
			fputs(line, stdout);
	if (f)
		fclose(f);
	f = fopen("/proc/self/oom_score_adj", "r");
	if (f && fgets(line, sizeof(line), f))
		printf("oom_score_adj: %s", line);
	if (f)
		fclose(f);
	DIR *d = opendir("/proc/self/fd");
	printf("fds:");
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d))
			printf(" %s", e->d_name);
	printf("\n");
	if (d)
		closedir(d);
	return 0;
}
