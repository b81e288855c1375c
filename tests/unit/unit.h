/* Shared CUnit runner for the unit tests. */
#ifndef KT_UNIT_H
#define KT_UNIT_H

#include <CUnit/Basic.h>
#include <stdio.h>

struct kt_unit_case {
	const char *name;
	void (*fn)(void);
};

/* Register cases as one suite and run them. Returns 0 when every test
 * passed, 1 otherwise (CU_basic_run_tests' own return does not count
 * failures). */
static inline int kt_unit_run(const char *suite_name,
			      const struct kt_unit_case *cases)
{
	CU_pSuite suite;
	unsigned failures;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 99;
	suite = CU_add_suite(suite_name, NULL, NULL);
	for (; suite && cases->name; cases++)
		CU_add_test(suite, cases->name, cases->fn);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failures ? 1 : 0;
}

#endif
