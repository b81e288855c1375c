/* The default stdio: fd 0 is /dev/null, fds 1 and 2 are pipes that a
 * forwarder thread turns into SOUT and SERR frames. Children inherit 1/2,
 * so everything a payload writes passes through here. */
#ifndef KT_STDIO_FWD_H
#define KT_STDIO_FWD_H

#include <pthread.h>

#include "channel.h"

struct kt_stdio_fwd {
	struct kt_channel *ch;
	int rd[2];       /* read ends: [0] stdout, [1] stderr; -1 at EOF */
	int stop[2];     /* pipe that tells the thread to finish now */
	pthread_t thread;
	int started;
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	int done;
};

/* Create the pipes, install their write ends as fds 1 and 2 (and
 * /dev/null as 0), and start the forwarder. Returns 0 or -errno. */
int kt_stdio_fwd_start(struct kt_stdio_fwd *f, struct kt_channel *ch);

/* Point fds 1 and 2 at /dev/null (dropping this process's write ends),
 * forward until both pipes reach EOF or drain_ms passes (a lingering
 * background child may hold a write end), then forward whatever is still
 * buffered and stop the thread. Every byte written before the writers
 * exited is sent. Safe to call when never started. */
void kt_stdio_fwd_drain(struct kt_stdio_fwd *f, int drain_ms);

#endif
