/* ktinit run as an ordinary command (not PID 1): help, version, config
 * check, mode listing. Never mounts, never reboots. */
#ifndef KT_CLI_H
#define KT_CLI_H

#include "config.h"

/* Built-in defaults of the core's own keys. */
#define KT_DEFAULT_CONFIG "/etc/ktinit.ini"
#define KT_DEFAULT_CONFIG_DIR "/etc/ktinit.d"
#define KT_DEFAULT_MODE "test"
#define KT_DEFAULT_PLUGIN_DIR "/lib/ktinit/modes"
#define KT_DEFAULT_SENTINEL "/.ktstr_init_ok"
#define KT_DEFAULT_BULK_PORT "/dev/vport0p1"
#define KT_DEFAULT_MODULE_DIR "/lib/modules/ktinit"

/* Warn about unknown keys in [init], [modules] and [stdio]. Returns the
 * number reported. */
int kt_check_core_keys(const struct kt_config *cfg, kt_diag_fn diag, void *arg);

/* Entry point when not PID 1. Returns the process exit status. */
int kt_cli_main(int argc, char **argv);

#endif
