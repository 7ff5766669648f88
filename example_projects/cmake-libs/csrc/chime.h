/* libchime: a tiny versioned shared library (VERSION 2.1.0, SONAME libchime.so.2). */
#ifndef CHIME_H
#define CHIME_H

const char *chime_version(void);
int chime_strikes(int hour);
/* Writes "<hour> o'clock: " and one "dong" per strike into buf; returns its length. */
int chime_ring(int hour, char *buf, int size);

#endif
