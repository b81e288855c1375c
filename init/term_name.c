#include "term_name.h"

#include <string.h>

int kt_term_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > KT_TERM_NAME_MAX)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789._+-") == n;
}
