#include "fake_services.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define ENV(ctx) ((struct fake_env *)(ctx)->core)

/* Append the strings of parts (NULL-terminated) to a growing,
 * NUL-terminated buffer; env->lock held. */
static void buf_add(char **buf, size_t *len, size_t *cap,
		    const char *const *parts)
{
	size_t need = 1;

	for (const char *const *p = parts; *p; p++)
		need += strlen(*p);
	if (*len + need > *cap) {
		size_t c = (*cap + need) * 2;
		char *t = realloc(*buf, c);

		if (!t)
			return;
		*buf = t;
		*cap = c;
	}
	for (const char *const *p = parts; *p; p++) {
		size_t n = strlen(*p);

		memcpy(*buf + *len, *p, n);
		*len += n;
	}
	(*buf)[*len] = '\0';
}

static void add_text(struct fake_env *env, const char *tag, const char *msg)
{
	const char *parts[] = { tag, " ", msg, "\n", NULL };

	pthread_mutex_lock(&env->lock);
	buf_add(&env->text, &env->text_len, &env->text_cap, parts);
	pthread_mutex_unlock(&env->lock);
	if (env->verbose)
		dprintf(env->echo_fd, "[fake %s] %s\n", tag, msg);
}

static const char *cfg_find(struct fake_env *env, const char *section,
			    const char *key)
{
	const char *v = NULL;

	pthread_mutex_lock(&env->lock);
	for (size_t i = 0; i < env->nconfig; i++)
		if (!strcmp(env->config[i].section, section) &&
		    !strcmp(env->config[i].key, key))
			v = env->config[i].value;
	pthread_mutex_unlock(&env->lock);
	return v;
}

static const char *f_config_get(struct ktinit_ctx *ctx, const char *section,
				const char *key, const char *def)
{
	const char *v = cfg_find(ENV(ctx), section, key);

	return v ? v : def;
}

static long f_config_long(struct ktinit_ctx *ctx, const char *section,
			  const char *key, long def, long min, long max)
{
	const char *v = cfg_find(ENV(ctx), section, key);
	char *end, msg[256];
	long n;

	if (!v)
		return def;
	errno = 0;
	n = strtol(v, &end, 10);
	if (!*v || *end || errno || n < min || n > max) {
		snprintf(msg, sizeof(msg), "[%s] %s = %s: bad value", section, key, v);
		add_text(ENV(ctx), "4", msg);
		return def;
	}
	return n;
}

static const char *f_cmdline_get(struct ktinit_ctx *ctx, const char *key)
{
	return cfg_find(ENV(ctx), "cmdline", key);
}

static void f_log(struct ktinit_ctx *ctx, int level, const char *fmt, ...)
{
	char msg[2048], tag[8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(tag, sizeof(tag), "%d", level);
	add_text(ENV(ctx), tag, msg);
}

static void f_com2(struct ktinit_ctx *ctx, const char *fmt, ...)
{
	struct fake_env *env = ENV(ctx);
	const char *parts[3] = { NULL, "\n", NULL };
	char *msg;
	va_list ap;
	int n;

	/* Whole, as the core writes it, however long. */
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	add_text(env, "com2", msg);
	parts[0] = msg;
	pthread_mutex_lock(&env->lock);
	if (strchr(msg, '\n'))
		env->com2_bad++;
	buf_add(&env->com2, &env->com2_len, &env->com2_cap, parts);
	pthread_mutex_unlock(&env->lock);
	free(msg);
}

static int f_frame_send(struct ktinit_ctx *ctx, uint32_t type, const void *buf,
			size_t len)
{
	struct fake_env *env = ENV(ctx);
	struct fake_frame *f;
	int err = 0;

	pthread_mutex_lock(&env->lock);
	if (env->nframes == env->frames_cap) {
		size_t cap = env->frames_cap ? env->frames_cap * 2 : 64;
		struct fake_frame *v = realloc(env->frames, cap * sizeof(*v));

		if (!v) {
			err = -ENOMEM;
			goto done;
		}
		env->frames = v;
		env->frames_cap = cap;
	}
	f = &env->frames[env->nframes];
	f->data = malloc(len ? len : 1);
	if (!f->data) {
		err = -ENOMEM;
		goto done;
	}
	memcpy(f->data, buf, len);
	f->type = type;
	f->len = len;
	env->nframes++;
done:
	pthread_mutex_unlock(&env->lock);
	return err;
}

static int f_life(struct ktinit_ctx *ctx, uint8_t phase, const char *reason)
{
	uint8_t buf[1 + 1024];
	size_t len = ktinit_life_payload(buf, sizeof(buf), phase, reason);

	return f_frame_send(ctx, KTINIT_FRAME_LIFE, buf, len);
}

static void record_spawn(struct fake_env *env, pid_t pid,
			 const struct ktinit_spawn *req)
{
	struct fake_spawned *s;
	char path[PATH_MAX];
	FILE *f;

	pthread_mutex_lock(&env->lock);
	if (env->nspawned < FAKE_MAX_SPAWNED) {
		s = &env->spawned[env->nspawned++];
		s->pid = pid;
		s->argv0 = strdup(req->argv[0]);
		s->cgroup = req->cgroup ? strdup(req->cgroup) : NULL;
		s->new_pgrp = req->new_pgrp;
	}
	pthread_mutex_unlock(&env->lock);
	if (!req->cgroup)
		return;
	snprintf(path, sizeof(path), "%s/cgroup.procs", req->cgroup);
	f = fopen(path, "a");
	if (f) {
		fprintf(f, "%d\n", (int)pid);
		fclose(f);
	}
}

static pid_t f_spawn(struct ktinit_ctx *ctx, const struct ktinit_spawn *req)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t all, none;
	short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
	pid_t pid = -1;
	int err = 0;

	if (!req->argv || !req->argv[0])
		return -EINVAL;
	sigfillset(&all);
	sigemptyset(&none);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setsigmask(&attr, &none);
	if (req->ctty_path) {
		/* As the core: a new session, the terminal opened without
		 * O_NOCTTY becomes its controlling tty, and 0/1/2. */
		flags |= POSIX_SPAWN_SETSID;
		err = posix_spawn_file_actions_addopen(&fa, 0, req->ctty_path,
						       O_RDWR, 0);
		if (!err)
			err = posix_spawn_file_actions_adddup2(&fa, 0, 1);
		if (!err)
			err = posix_spawn_file_actions_adddup2(&fa, 0, 2);
	} else {
		if (req->new_pgrp) {
			flags |= POSIX_SPAWN_SETPGROUP;
			posix_spawnattr_setpgroup(&attr, 0);
		}
		if (req->use_fds && req->stdin_fd >= 0)
			err = posix_spawn_file_actions_adddup2(&fa, req->stdin_fd, 0);
		if (!err && req->use_fds && req->stdout_fd >= 0)
			err = posix_spawn_file_actions_adddup2(&fa, req->stdout_fd, 1);
		if (!err && req->use_fds && req->stderr_fd >= 0)
			err = posix_spawn_file_actions_adddup2(&fa, req->stderr_fd, 2);
	}
	posix_spawnattr_setflags(&attr, flags);
	if (!err)
		err = posix_spawnp(&pid, req->argv[0], &fa, &attr,
				   (char *const *)req->argv,
				   req->envp ? (char *const *)req->envp : environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (err)
		return -err;
	record_spawn(ENV(ctx), pid, req);
	return pid;
}

long long fake_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int f_wait(struct ktinit_ctx *ctx, pid_t pid, int timeout_ms,
		  int *wstatus)
{
	long long deadline = fake_now_ms() + timeout_ms;
	struct timespec tick = { 0, 2 * 1000000L };

	(void)ctx;
	for (;;) {
		int st;
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid) {
			*wstatus = st;
			return 0;
		}
		if (r < 0 && errno != EINTR)
			return -ECHILD;
		if (timeout_ms >= 0 && fake_now_ms() >= deadline)
			return -ETIMEDOUT;
		nanosleep(&tick, NULL);
	}
}

static int f_default_setup_stdio(struct ktinit_ctx *ctx)
{
	(void)ctx;
	return 0;
}

static void f_drain_stdio(struct ktinit_ctx *ctx)
{
	struct fake_env *env = ENV(ctx);

	pthread_mutex_lock(&env->lock);
	if (!env->ndrains++)
		env->drain_at = (long)env->nframes;
	pthread_mutex_unlock(&env->lock);
}

static void f_send_exit(struct ktinit_ctx *ctx, uint32_t type, int code)
{
	uint8_t buf[4];

	ktinit_put_le32(buf, (uint32_t)code);
	f_frame_send(ctx, type, buf, sizeof(buf));
}

static void f_default_report_exit(struct ktinit_ctx *ctx, int code)
{
	f_send_exit(ctx, KTINIT_FRAME_EXIT, code);
}

static int f_path(struct ktinit_ctx *ctx, const char *guest_path, char *buf,
		  size_t len)
{
	int n = snprintf(buf, len, "%s%s", ENV(ctx)->root, guest_path);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static const struct ktinit_services fake_services = {
	.abi = KTINIT_MODE_ABI_VERSION,
	.config_get = f_config_get,
	.config_long = f_config_long,
	.cmdline_get = f_cmdline_get,
	.log = f_log,
	.com2 = f_com2,
	.frame_send = f_frame_send,
	.life = f_life,
	.spawn = f_spawn,
	.wait = f_wait,
	.default_setup_stdio = f_default_setup_stdio,
	.drain_stdio = f_drain_stdio,
	.send_exit = f_send_exit,
	.default_report_exit = f_default_report_exit,
	.path = f_path,
};

int fake_init(struct fake_env *env, const struct fake_kv *config)
{
	const char *tmp = getenv("TMPDIR");

	memset(env, 0, sizeof(*env));
	snprintf(env->root, sizeof(env->root), "%s/kt-fake-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(env->root))
		return -errno;
	pthread_mutex_init(&env->lock, NULL);
	env->ctx.svc = &fake_services;
	env->ctx.core = env;
	env->verbose = getenv("FAKE_VERBOSE") != NULL;
	env->echo_fd = STDERR_FILENO;
	env->drain_at = -1;
	for (; config && config->section; config++)
		fake_set(env, config->section, config->key, config->value);
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void fake_fini(struct fake_env *env)
{
	if (env->root[0])
		nftw(env->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	for (size_t i = 0; i < env->nconfig; i++) {
		free((char *)env->config[i].section);
		free((char *)env->config[i].key);
		free((char *)env->config[i].value);
	}
	free(env->config);
	for (size_t i = 0; i < env->nframes; i++)
		free(env->frames[i].data);
	free(env->frames);
	free(env->text);
	free(env->com2);
	for (size_t i = 0; i < env->nspawned; i++) {
		free(env->spawned[i].argv0);
		free(env->spawned[i].cgroup);
	}
	pthread_mutex_destroy(&env->lock);
	memset(env, 0, sizeof(*env));
}

void fake_set(struct fake_env *env, const char *section, const char *key,
	      const char *value)
{
	struct fake_kv *v;

	pthread_mutex_lock(&env->lock);
	v = realloc(env->config, (env->nconfig + 1) * sizeof(*v));
	if (v) {
		env->config = v;
		v[env->nconfig].section = strdup(section);
		v[env->nconfig].key = strdup(key);
		v[env->nconfig].value = value ? strdup(value) : NULL;
		env->nconfig++;
	}
	pthread_mutex_unlock(&env->lock);
}

void fake_host_path(struct fake_env *env, const char *guest_path, char *buf)
{
	snprintf(buf, PATH_MAX, "%s%s", env->root, guest_path);
}

int fake_mkdirs(struct fake_env *env, const char *guest_dir)
{
	char path[PATH_MAX];
	size_t base = strlen(env->root);

	fake_host_path(env, guest_dir, path);
	for (char *p = path + base + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

int fake_write(struct fake_env *env, const char *guest_path, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	fake_host_path(env, guest_path, path);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

int fake_put(struct fake_env *env, const char *guest_path, const char *text,
	     mode_t mode)
{
	char dir[PATH_MAX], path[PATH_MAX];
	char *slash;
	int err;

	snprintf(dir, sizeof(dir), "%s", guest_path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		err = fake_mkdirs(env, dir);
		if (err)
			return err;
	}
	err = fake_write(env, guest_path, text);
	if (err)
		return err;
	fake_host_path(env, guest_path, path);
	return chmod(path, mode) ? -errno : 0;
}

char *fake_read(struct fake_env *env, const char *guest_path)
{
	char path[PATH_MAX];
	char *buf = NULL;
	size_t len = 0;
	FILE *f, *m;

	fake_host_path(env, guest_path, path);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	if (m) {
		int ch;

		while ((ch = fgetc(f)) != EOF)
			fputc(ch, m);
		fclose(m);
	}
	fclose(f);
	return buf;
}

size_t fake_count(struct fake_env *env, uint32_t type)
{
	size_t n = 0;

	pthread_mutex_lock(&env->lock);
	for (size_t i = 0; i < env->nframes; i++)
		n += env->frames[i].type == type;
	pthread_mutex_unlock(&env->lock);
	return n;
}

long fake_index(struct fake_env *env, uint32_t type, int phase)
{
	long idx = -1;

	pthread_mutex_lock(&env->lock);
	for (size_t i = 0; i < env->nframes && idx < 0; i++) {
		const struct fake_frame *f = &env->frames[i];

		if (f->type != type)
			continue;
		if (type == KTINIT_FRAME_LIFE && phase > 0 &&
		    (f->len < 1 || f->data[0] != phase))
			continue;
		idx = (long)i;
	}
	pthread_mutex_unlock(&env->lock);
	return idx;
}

char *fake_life_reason(struct fake_env *env, int phase)
{
	long i = fake_index(env, KTINIT_FRAME_LIFE, phase);
	char *r;

	if (i < 0)
		return NULL;
	pthread_mutex_lock(&env->lock);
	r = strndup((const char *)env->frames[i].data + 1, env->frames[i].len - 1);
	pthread_mutex_unlock(&env->lock);
	return r;
}

char *fake_concat(struct fake_env *env, uint32_t type)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return NULL;
	pthread_mutex_lock(&env->lock);
	for (size_t i = 0; i < env->nframes; i++)
		if (env->frames[i].type == type)
			fwrite(env->frames[i].data, 1, env->frames[i].len, m);
	pthread_mutex_unlock(&env->lock);
	fclose(m);
	return buf;
}

int32_t fake_i32(struct fake_env *env, uint32_t type)
{
	long i = fake_index(env, type, 0);
	int32_t v = INT32_MIN;

	pthread_mutex_lock(&env->lock);
	if (i >= 0 && env->frames[i].len == 4)
		v = (int32_t)ktinit_get_le32(env->frames[i].data);
	pthread_mutex_unlock(&env->lock);
	return v;
}

const char *fake_com2(struct fake_env *env)
{
	return env->com2 ? env->com2 : "";
}

int fake_text_contains(struct fake_env *env, const char *needle)
{
	int found;

	pthread_mutex_lock(&env->lock);
	found = env->text && strstr(env->text, needle) != NULL;
	pthread_mutex_unlock(&env->lock);
	return found;
}

const struct fake_spawned *fake_spawned_find(struct fake_env *env,
					     const char *suffix)
{
	const struct fake_spawned *found = NULL;
	size_t sl = strlen(suffix);

	pthread_mutex_lock(&env->lock);
	for (size_t i = 0; i < env->nspawned && !found; i++) {
		size_t l = strlen(env->spawned[i].argv0);

		if (l >= sl && !strcmp(env->spawned[i].argv0 + l - sl, suffix))
			found = &env->spawned[i];
	}
	pthread_mutex_unlock(&env->lock);
	return found;
}
