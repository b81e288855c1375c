/* The core's state and the services table it hands to modes. */
#ifndef KT_SERVICES_H
#define KT_SERVICES_H

#include <ktinit/mode.h>

#include "channel.h"
#include "cmdline.h"
#include "config.h"
#include "stdio_fwd.h"

struct kt_core {
	struct kt_config cfg;
	struct kt_cmdline cmdline;
	struct kt_channel ch;
	struct kt_stdio_fwd fwd;
	const char *root;      /* prefix for guest paths; "" in a real guest */
	int log_level;         /* KTINIT_LOG_* */
	const char *mode_name; /* NULL until chosen */
	struct ktinit_ctx ctx; /* handed to the mode; ctx.core = this */
};

extern const struct ktinit_services kt_services;

/* Set up core with empty config and cmdline and ctx wired to kt_services. */
void kt_core_init(struct kt_core *core, const char *root);

/* "ktinit: [MODE: ]message" to COM1 when level <= log_level; ERR and
 * WARN also to COM2. */
void kt_core_log(struct kt_core *core, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* kt_diag_fn that logs a warning through the core passed as arg. */
void kt_core_diag(void *arg, const char *msg);

/* Parse "err", "warn", "info", "debug" or a number 0-7; -1 when invalid. */
int kt_log_level_parse(const char *s);

#endif
