/* libFuzzer target: kernel command line + INI text, parsed and applied.
 *
 * The input is split at its first NUL: before it the command line, after
 * it the INI text (which ends at the next NUL, as a C string would).
 *
 *   clang -fsanitize=fuzzer,address,undefined -Iinclude -Icore \
 *     init/cmdline.c init/config.c tests/fuzz/fuzz_cmdline_config.c \
 *     -linih -o fuzz_cmdline_config
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touch every byte of each message, so a bad one shows up under ASan. */
static void diag_sink(void *arg, const char *msg)
{
	size_t *total = arg;

	*total += strlen(msg);
}

static char *cstr(const uint8_t *p, size_t len)
{
	char *s = malloc(len + 1);

	if (s) {
		memcpy(s, p, len);
		s[len] = '\0';
	}
	return s;
}

static void use_config(const struct kt_config *c, const struct kt_cmdline *cl,
		       size_t *total)
{
	static const char *const init_keys[] = { "mode", "log_level", NULL };
	size_t i;

	kt_config_check_keys(c, "init", init_keys, diag_sink, total);
	kt_config_long(c, "stdio", "wait_ms", 0, 0, 60000, diag_sink, total);
	for (i = 0; i < c->n; i++) {
		kt_config_long(c, c->v[i].section, c->v[i].key, 0, -5, 5,
			       diag_sink, total);
		*total += strlen(kt_config_get(c, c->v[i].section,
					       c->v[i].key, ""));
	}
	for (i = 0; i < cl->n; i++)
		*total += kt_cmdline_get(cl, cl->keys[i]) != NULL;
	for (i = 0; i < cl->n_init; i++)
		*total += strlen(cl->init_args[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t cmd_len = nul ? (size_t)(nul - data) : size;
	const uint8_t *ini = nul ? nul + 1 : data + size;
	char *cmd_text = cstr(data, cmd_len);
	char *ini_text = cstr(ini, size - (size_t)(ini - data));
	struct kt_cmdline cl;
	struct kt_config c;
	size_t total = 0;

	if (!cmd_text || !ini_text)
		goto done;
	kt_config_init(&c);
	if (kt_cmdline_parse(cmd_text, &cl) == 0) {
		kt_config_load_string(&c, ini_text, "fuzz.ini", diag_sink,
				      &total);
		kt_config_apply_cmdline(&c, &cl, diag_sink, &total);
		use_config(&c, &cl, &total);
		kt_cmdline_free(&cl);
	}
	kt_config_free(&c);
done:
	free(cmd_text);
	free(ini_text);
	return 0;
}
