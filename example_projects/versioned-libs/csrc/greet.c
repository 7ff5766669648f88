/* libgreet: a tiny versioned shared library for the versioned-libs example. */
#include <stdio.h>

#include "greet.h"

int greet_answer(void) { return 42; }

const char *greet_version(void) { return "1.2.3"; }

int greet_add(int a, int b) { return a + b; }

int greet_hello(const char *name, char *buf, int size) {
    return snprintf(buf, (size_t)size, "Hello, %s!", name);
}
