/* libfoo: a tiny versioned shared library for the versioned-libs example. */

int foo_answer(void) { return 42; }

const char *foo_version(void) { return "1.2.3"; }

int foo_add(int a, int b) { return a + b; }
