/* A fake services table for unit tests of mode plugins: the mode runs in
 * the test process against a temporary root instead of the core.
 *
 *   config_get/long  from key/value triples (fake_init's array, fake_set)
 *   cmdline_get      the triples of section "cmdline" (key = token)
 *   log, com2        captured as text lines ("<level> message"; com2 uses
 *                    level "com2"); FAKE_VERBOSE=1 echoes them to echo_fd
 *                    (stderr unless the test moves it). com2 lines also
 *                    go, alone, to a COM2 transcript (fake_com2), and a
 *                    line holding a '\n' (two lines in one call) is
 *                    counted (com2_bad)
 *   frame_send, life captured in memory, in order (LIFE as the core builds
 *                    it: phase byte + reason); send_exit too
 *   spawn            like the core: posix_spawnp with the request's fds or
 *                    its ctty_path (new session, the terminal as 0/1/2),
 *                    process group, default signals; a request's cgroup is
 *                    recorded and the pid appended to <cgroup>/cgroup.procs
 *                    (a plain file under the temp root)
 *   wait             waitpid(pid, WNOHANG) every 2 ms until the timeout
 *   path             "<root><guest_path>", root from mkdtemp
 *   stdio hooks      default_setup_stdio does nothing (the mode's
 *                    stdout/stderr are the test's); drain_stdio is counted
 *                    and its place among the frames kept (drain_at)
 * Every service is thread-safe. */
#ifndef KT_FAKE_SERVICES_H
#define KT_FAKE_SERVICES_H

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ktinit/mode.h>

struct fake_kv {
	const char *section, *key, *value;
};

struct fake_frame {
	uint32_t type;
	size_t len;
	uint8_t *data;
};

struct fake_spawned {
	pid_t pid;
	char *argv0;
	char *cgroup; /* NULL: none asked */
	int new_pgrp;
};

#define FAKE_MAX_SPAWNED 64

struct fake_env {
	struct ktinit_ctx ctx;
	char root[PATH_MAX];
	pthread_mutex_t lock;
	struct fake_kv *config; /* owned copies */
	size_t nconfig;
	struct fake_frame *frames;
	size_t nframes, frames_cap;
	char *text;
	size_t text_len, text_cap;
	char *com2; /* COM2 lines alone, each '\n'-terminated; see fake_com2 */
	size_t com2_len, com2_cap;
	size_t com2_bad; /* com2 lines with a '\n' */
	struct fake_spawned spawned[FAKE_MAX_SPAWNED];
	size_t nspawned;
	size_t ndrains; /* drain_stdio calls */
	long drain_at; /* frames captured before the first one; -1: none */
	int verbose;
	int echo_fd; /* where FAKE_VERBOSE echoes; STDERR_FILENO */
};

/* Make a temp root and a table answering from config (NULL-terminated by
 * a NULL section; may be NULL). Returns 0 or -errno. */
int fake_init(struct fake_env *env, const struct fake_kv *config);
/* Remove the temp root and free everything. */
void fake_fini(struct fake_env *env);

/* Set (or override) a config value; strings are copied. A NULL value
 * unsets it again (config_get answers its def). */
void fake_set(struct fake_env *env, const char *section, const char *key,
	      const char *value);

/* Helpers on the temp root; guest paths start with '/'. */
int fake_mkdirs(struct fake_env *env, const char *guest_dir);
int fake_write(struct fake_env *env, const char *guest_path, const char *text);
/* fake_write after a mkdir -p of the parent, then chmod to mode. */
int fake_put(struct fake_env *env, const char *guest_path, const char *text,
	     mode_t mode);
/* File content, NUL-terminated, malloc'd (NULL when unreadable). */
char *fake_read(struct fake_env *env, const char *guest_path);
/* "<root><guest_path>" into a static-free buffer of PATH_MAX. */
void fake_host_path(struct fake_env *env, const char *guest_path, char *buf);

/* Captured frames. */
size_t fake_count(struct fake_env *env, uint32_t type);
/* Index of the first frame of type (and LIFE phase, when type is LIFE and
 * phase > 0), or -1. */
long fake_index(struct fake_env *env, uint32_t type, int phase);
/* LIFE reason of the first LIFE frame with phase, malloc'd, or NULL. */
char *fake_life_reason(struct fake_env *env, int phase);
/* The payloads of every frame of type, concatenated, NUL-terminated,
 * malloc'd. */
char *fake_concat(struct fake_env *env, uint32_t type);
/* i32 payload of the first frame of type (SCDX, EXIT), or INT32_MIN. */
int32_t fake_i32(struct fake_env *env, uint32_t type);

/* The COM2 transcript so far ("" before any line). Read it once the mode
 * is done: a later com2 call may move it. */
const char *fake_com2(struct fake_env *env);
/* 1 when a log/com2 line contains needle. */
int fake_text_contains(struct fake_env *env, const char *needle);
/* The spawned child whose argv[0] ends with suffix, or NULL. */
const struct fake_spawned *fake_spawned_find(struct fake_env *env,
					     const char *suffix);

/* CLOCK_MONOTONIC in milliseconds. */
long long fake_now_ms(void);

#endif
