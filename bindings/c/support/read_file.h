/* Reads a whole file into a NUL-terminated buffer (free with free()), or
 * returns NULL. Shared by the C test and the C benchmark. */
#ifndef LICMAN_C_SUPPORT_READ_FILE_H
#define LICMAN_C_SUPPORT_READ_FILE_H

#include <stdio.h>
#include <stdlib.h>

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf) buf[n] = '\0';
    fclose(f);
    return buf;
}

#endif
