/* noread.exe: reads nothing, exits 0. */
int main(void) { return 0; }
