/* libgreet: a tiny versioned shared library (VERSION 1.2.3, SONAME libgreet.so.1). */
#ifndef GREET_H
#define GREET_H

int greet_answer(void);
const char *greet_version(void);
int greet_add(int a, int b);
/* Writes "Hello, <name>!" into buf (at most size bytes, NUL-terminated); returns its length. */
int greet_hello(const char *name, char *buf, int size);

#endif
