/* Terminal names (TERM, COLORTERM) as they travel on the kernel command
 * line: shared by ktinit-run, which puts them there, and shell.so, which
 * takes them off. */
#ifndef KT_TERM_NAME_H
#define KT_TERM_NAME_H

#define KT_TERM_NAME_MAX 64

/* 1 when s is 1..KT_TERM_NAME_MAX characters of [A-Za-z0-9._+-], the
 * characters terminfo names use, so a garbled value cannot smuggle a path,
 * a blank or control bytes through. */
int kt_term_name_ok(const char *s);

#endif
