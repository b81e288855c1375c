/* Kernel modules: finit_module, with in-kernel decompression for
 * .ko.xz/.ko.zst/.ko.gz. */
#ifndef KT_KMOD_H
#define KT_KMOD_H

typedef void (*kt_kmod_report_fn)(void *arg, const char *msg);

/* Load one module by name from dir (<dir>/<name>.ko, .ko.xz, .ko.zst or
 * .ko.gz). "Already loaded" counts as success. Returns 0 or -errno, with
 * a message in report for failures. */
int kt_kmod_load(const char *dir, const char *name, kt_kmod_report_fn report,
		 void *arg);

/* Load a whitespace-separated list in order. Returns how many failed. */
int kt_kmod_load_list(const char *dir, const char *list,
		      kt_kmod_report_fn report, void *arg);

#endif
