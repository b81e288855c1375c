/* Configuration store: built-in defaults < INI file < kernel command line.
 *
 * Every entry remembers where it came from ("/etc/ktinit.ini:12",
 * "cmdline"), so each warning can say where first, then what. */
#ifndef KT_CONFIG_H
#define KT_CONFIG_H

#include <stddef.h>

#include "cmdline.h"

/* Receives one finished diagnostic such as
 * "/etc/ktinit.ini:7: syntax error" or "cmdline: ktinit.test: no key". */
typedef void (*kt_diag_fn)(void *arg, const char *msg);

struct kt_config_entry {
	char *section;
	char *key;
	char *value;
	char *origin; /* "PATH:LINE", "cmdline" or "default" */
};

struct kt_config {
	struct kt_config_entry *v;
	size_t n, cap;
};

void kt_config_init(struct kt_config *c);
void kt_config_free(struct kt_config *c);

/* Set section.key = value, replacing an earlier value. Returns 0 or -ENOMEM. */
int kt_config_set(struct kt_config *c, const char *section, const char *key,
		  const char *value, const char *origin);

/* Parse an INI file into c (later values override earlier ones). A syntax
 * error is reported through diag as "PATH:LINE: syntax error" and parsing
 * carries on with the rest of the file. Returns 0 when the file was read
 * (even with errors), -errno when it could not be opened. */
int kt_config_load_file(struct kt_config *c, const char *path, kt_diag_fn diag,
			void *arg);
/* The same for INI text in memory; name stands in for the path. */
int kt_config_load_string(struct kt_config *c, const char *text,
			  const char *name, kt_diag_fn diag, void *arg);

/* Apply the command line on top: ktinit.SECTION.KEY=VALUE for any key,
 * ktinit.mode= ([init] mode), ktinit.log= ([init] log_level), and ktstr's
 * KTSTR_MODE= ([init] mode). A malformed ktinit.* token is reported
 * through diag and ignored. ktinit.config= is read by the caller first. */
void kt_config_apply_cmdline(struct kt_config *c, const struct kt_cmdline *cl,
			     kt_diag_fn diag, void *arg);

const struct kt_config_entry *kt_config_find(const struct kt_config *c,
					     const char *section,
					     const char *key);
/* Value or def. */
const char *kt_config_get(const struct kt_config *c, const char *section,
			  const char *key, const char *def);
/* Decimal integer in [min, max]; anything else is reported through diag
 * ("ORIGIN: [section] key: 'x' is not a number in [min, max]") and def is
 * returned. */
long kt_config_long(const struct kt_config *c, const char *section,
		    const char *key, long def, long min, long max,
		    kt_diag_fn diag, void *arg);

/* Report every key of section that is not in keys (NULL-terminated) as
 * "ORIGIN: unknown key 'k' in [section]". Returns the number reported. */
int kt_config_check_keys(const struct kt_config *c, const char *section,
			 const char *const *keys, kt_diag_fn diag, void *arg);

#endif
