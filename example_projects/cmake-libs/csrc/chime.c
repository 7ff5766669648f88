/* libchime for the cmake-libs example. */
#include <stdio.h>
#include <string.h>

#include "chime.h"

const char *chime_version(void) { return "2.1.0"; }

int chime_strikes(int hour) { return hour % 12 == 0 ? 12 : hour % 12; }

int chime_ring(int hour, char *buf, int size) {
    int n = snprintf(buf, (size_t)size, "%d o'clock:", hour);
    for (int i = 0; i < chime_strikes(hour) && n + 6 < size; i++)
        n += snprintf(buf + n, (size_t)(size - n), " dong");
    return n;
}
