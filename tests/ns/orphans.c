/* orphans N: makes N grandchildren that all end at the same moment as orphans, so PID 1
 * must reap a storm of coalesced SIGCHLDs. Works in batches so the live count stays well
 * below the process limits. Prints "spawned N" when every one has been made and released. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define BATCH 500

static int batch(int n)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	pid_t mid = fork();
	if (mid < 0)
		return -1;
	if (mid == 0) {
		close(p[0]);
		int release[2];
		if (pipe(release) < 0)
			_exit(1);
		int made = 0;
		for (; made < n; made++) {
			pid_t g = fork();
			if (g < 0)
				break;
			if (g == 0) {
				char c;
				close(p[1]);
				close(release[1]);
				/* EOF comes when the middle process is gone: then we are orphans */
				while (read(release[0], &c, 1) < 0 && errno == EINTR)
					;
				_exit(0);
			}
		}
		/* tell the parent how many, then exit: every grandchild is now PID 1's */
		(void)!write(p[1], &made, sizeof(made));
		_exit(0);
	}
	close(p[1]);
	int made = 0;
	if (read(p[0], &made, sizeof(made)) != sizeof(made))
		made = 0;
	close(p[0]);
	waitpid(mid, NULL, 0);
	return made;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10000;
	int total = 0;
	while (total < n) {
		int made = batch(n - total < BATCH ? n - total : BATCH);
		if (made <= 0) {
			fprintf(stderr, "orphans: fork failed after %d: %m\n", total);
			return 1;
		}
		total += made;
	}
	printf("spawned %d\n", total);
	return 0;
}
