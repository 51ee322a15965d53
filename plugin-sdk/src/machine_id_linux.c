/* Linux (and other Unix but macOS): the D-Bus machine id, as node-machine-id reads it. */
#include <string.h>

#include "internal.h"

static int first_line(const char *path, char *out, size_t capacity) {
    char text[256];
    long n = ngn_file_read(path, text, sizeof text - 1);
    if (n < 0) return -1;
    text[n] = '\0';
    size_t end = strcspn(text, "\n");
    text[end] = '\0';
    /* A blank first line does not count: node-machine-id would read on. */
    if (strspn(text, " \t\r") == end || end >= capacity) return -1;
    memcpy(out, text, end + 1);
    return 0;
}

int ngn_raw_machine_id(char *out, size_t capacity) {
    if (first_line("/var/lib/dbus/machine-id", out, capacity) == 0) return 0;
    return first_line("/etc/machine-id", out, capacity);
}
