/* Where the Companion writes a product's token: the rule of shared/src/token-file.ts. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* ^[a-z][a-z0-9_]{1,62}$, as PRODUCT_ID_PATTERN. */
static int is_product_id(const char *product) {
    size_t n = product ? strlen(product) : 0;
    if (n < 2 || n > 63 || product[0] < 'a' || product[0] > 'z') return 0;
    for (size_t i = 1; i < n; i++) {
        char ch = product[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) return 0;
    }
    return 1;
}

/* The folder without its trailing separators, as the TypeScript join does. */
static size_t trimmed_length(const char *folder) {
    size_t n = strlen(folder);
    while (n > 0 && (folder[n - 1] == '/' || folder[n - 1] == '\\')) n--;
    return n;
}

static int format(char *out, size_t capacity, const char *folder, const char *middle, const char *product) {
    int n = snprintf(out, capacity, "%.*s%s%s.jwt", (int)trimmed_length(folder), folder, middle, product);
    return n > 0 && (size_t)n < capacity ? 0 : -1;
}

int ngn_token_path_for(const char *platform, const char *home, const char *app_data, const char *xdg_data_home,
                       const char *product, char *out, size_t capacity) {
    if (!is_product_id(product) || !platform || !home) return -1;
    if (strcmp(platform, "win32") == 0) {
        if (app_data && *app_data) return format(out, capacity, app_data, "\\NextGen Noise\\activations\\", product);
        char roaming[NGN_PATH_MAX];
        if (snprintf(roaming, sizeof roaming, "%.*s\\AppData\\Roaming", (int)trimmed_length(home), home) >= (int)sizeof roaming) return -1;
        return format(out, capacity, roaming, "\\NextGen Noise\\activations\\", product);
    }
    if (strcmp(platform, "darwin") == 0)
        return format(out, capacity, home, "/Library/Application Support/NextGen Noise/activations/", product);
    /* The XDG spec says a relative value is invalid and must be ignored. */
    if (xdg_data_home && xdg_data_home[0] == '/') return format(out, capacity, xdg_data_home, "/nextgen-noise/activations/", product);
    return format(out, capacity, home, "/.local/share/nextgen-noise/activations/", product);
}

int ngn_token_path(const char *product, char *out, size_t capacity) {
    return ngn_platform_token_path(product, out, capacity);
}

int ngn_clock_mark_path(const char *token_path, char *out, size_t capacity) {
    size_t n = strlen(token_path);
    if (n < 4 || strcmp(token_path + n - 4, ".jwt") != 0) return -1;
    int written = snprintf(out, capacity, "%.*s.clock", (int)(n - 4), token_path);
    return written > 0 && (size_t)written < capacity ? 0 : -1;
}
