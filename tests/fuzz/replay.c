// SPDX-License-Identifier: MIT
/*
 * Replays a fuzz harness's corpus without libFuzzer: every file of the
 * directories (or files) given, else of the harness's own corpus
 * tests/fuzz/corpus/NAME (run from the repository root).  make check runs
 * it, so every seed and regression input is replayed under ASan in
 * `make SAN=asan check`.  Exit 0 when every input ran (an oracle aborts).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef FUZZ_NAME
#error FUZZ_NAME
#endif
#define STR_(x) #x
#define STR(x) STR_(x)

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f) {
		perror(path);
		return -1;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "%s: cannot read\n", path);
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

static int run_path(const char *path, unsigned int *count)
{
	struct stat st;
	struct dirent **ents;
	int n, err = 0;

	if (stat(path, &st)) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return run_file(path);
	}
	n = scandir(path, &ents, NULL, alphasort);
	if (n < 0) {
		perror(path);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char sub[4096];

		if (ents[i]->d_name[0] != '.') {
			snprintf(sub, sizeof(sub), "%s/%s", path, ents[i]->d_name);
			if (run_path(sub, count))
				err = -1;
		}
		free(ents[i]);
	}
	free(ents);
	return err;
}

int main(int argc, char **argv)
{
	const char *def = "tests/fuzz/corpus/" STR(FUZZ_NAME);
	unsigned int count = 0;
	int err = 0;

	if (argc < 2)
		err = run_path(def, &count);
	for (int i = 1; i < argc; i++)
		if (run_path(argv[i], &count))
			err = -1;
	printf("fuzz_%s: %u inputs replayed%s\n", STR(FUZZ_NAME), count, err ? ", errors" : "");
	return err || !count ? 1 : 0;
}
