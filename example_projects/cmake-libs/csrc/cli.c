/* chime-cli: rings the given hour (default 12). */
#include <stdio.h>
#include <stdlib.h>

#include "chime.h"

int main(int argc, char **argv) {
    char buf[256];
    chime_ring(argc > 1 ? atoi(argv[1]) : 12, buf, (int)sizeof buf);
    printf("%s (libchime %s)\n", buf, chime_version());
    return 0;
}
