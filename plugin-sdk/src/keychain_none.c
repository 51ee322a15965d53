/* Where the SDK has no keychain to keep a machine key in (macOS for now, or a
 * build without libsecret): activation by file is the Companion's there. */
#include "internal.h"

int ngn_keychain_get(const char *account, char *out, size_t capacity) {
    (void)account;
    (void)out;
    (void)capacity;
    return -1;
}

int ngn_keychain_set(const char *account, const char *text) {
    (void)account;
    (void)text;
    return -1;
}
