#include "cli.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_load.h"
#include "spawn.h"

static const char *const init_keys[] = { "mode", "plugin_dir", "log_level",
					 "on_exit", "sentinel",
					 "stdio_drain_ms", NULL };
static const char *const modules_keys[] = { "load", "dir", NULL };
static const char *const stdio_keys[] = { "bulk_port", "wait_ms",
					  "chunk_bytes", NULL };

int kt_check_core_keys(const struct kt_config *cfg, kt_diag_fn diag, void *arg)
{
	return kt_config_check_keys(cfg, "init", init_keys, diag, arg) +
	       kt_config_check_keys(cfg, "modules", modules_keys, diag, arg) +
	       kt_config_check_keys(cfg, "stdio", stdio_keys, diag, arg);
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: ktinit [--help | --version | --check-config FILE | --list-modes DIR]\n"
		"\n"
		"ktinit is a PID 1 for kernel and scheduler test VMs. As PID 1 it mounts\n"
		"what the test needs, loads modules, and runs one mode plugin; see\n"
		"etc/ktinit.ini for every configuration key. Run as a normal command:\n"
		"  --check-config FILE  parse FILE, report syntax errors and unknown keys\n"
		"  --list-modes DIR     load each DIR/*.so and show its name and summary\n"
		"  --version            print the version\n");
}

static void diag_stderr(void *arg, const char *msg)
{
	int *count = arg;

	fprintf(stderr, "%s\n", msg);
	(*count)++;
}

static int check_config(const char *path)
{
	struct kt_config cfg;
	int problems = 0, err;

	kt_config_init(&cfg);
	err = kt_config_load_file(&cfg, path, diag_stderr, &problems);
	if (err) {
		fprintf(stderr, "%s: cannot read: %s\n", path, strerror(-err));
		kt_config_free(&cfg);
		return 1;
	}
	kt_check_core_keys(&cfg, diag_stderr, &problems);
	kt_config_free(&cfg);
	if (problems)
		return 1;
	printf("%s: OK\n", path);
	return 0;
}

static int is_plugin_file(const char *name, char *mode, size_t len)
{
	size_t n = strlen(name);

	if (n <= 3 || strcmp(name + n - 3, ".so") != 0 || n - 3 >= len)
		return 0;
	memcpy(mode, name, n - 3);
	mode[n - 3] = '\0';
	return 1;
}

static int list_modes(const char *dir)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);

	if (n < 0) {
		perror(dir);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char mode[KT_MODE_NAME_MAX + 8], msg[1024];
		struct kt_plugin p;

		if (is_plugin_file(ents[i]->d_name, mode, sizeof(mode))) {
			if (kt_plugin_load(dir, mode, &p, msg, sizeof(msg)) == 0) {
				printf("%-16s %s\n", mode,
				       p.ops->summary ? p.ops->summary : "");
				kt_plugin_unload(&p);
			} else {
				printf("%-16s REFUSED: %s\n", mode, msg);
			}
		}
		free(ents[i]);
	}
	free(ents);
	return 0;
}

int kt_cli_main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("ktinit %s (mode ABI %d.%d)\n", PACKAGE_VERSION,
		       KTINIT_MODE_ABI_MAJOR, KTINIT_MODE_ABI_MINOR);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "--check-config") == 0)
		return check_config(argv[2]);
	if (argc == 3 && strcmp(argv[1], "--list-modes") == 0)
		return list_modes(argv[2]);
	/* Internal: how PID 1 starts a child inside a cgroup (spawn.c). */
	if (argc >= 5 && strcmp(argv[1], "--exec-in-cgroup") == 0 &&
	    strcmp(argv[3], "--") == 0)
		return kt_exec_in_cgroup(argv[2], argv + 4);
	usage(stderr);
	fprintf(stderr, "ktinit: not PID 1, so not booting; see above\n");
	return 2;
}
