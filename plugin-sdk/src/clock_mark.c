/*
 * The clock mark: the latest time this machine's check has seen for a product,
 * kept beside the token so that setting the clock back cannot revive a trial
 * or a lapsed subscription offline. Its HMAC (keyed by the fingerprint) stops
 * casual edits and copies from another machine; deleting the file only falls
 * back to the token's own iat, which the clock rule also checks.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"

#define MARK_VERSION "ngn-clock-v1"

static void mark_mac(const char *product, const char *fingerprint, int64_t seconds, char hex[65]) {
    char message[160];
    int n = snprintf(message, sizeof message, MARK_VERSION " %s %" PRId64, product, seconds);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, (const unsigned char *)fingerprint, strlen(fingerprint));
    crypto_auth_hmacsha256_update(&state, (const unsigned char *)message, (size_t)n);
    crypto_auth_hmacsha256_final(&state, mac);
    sodium_bin2hex(hex, 65, mac, sizeof mac);
}

static int usable(const char *product, const char *fingerprint) {
    return ngn_init() == 0 && product && fingerprint && strlen(product) < 100 && strlen(fingerprint) == NGN_FINGERPRINT_LEN;
}

int ngn_clock_mark_encode(const char *product, const char *fingerprint, int64_t seconds, char *out, size_t capacity) {
    if (!usable(product, fingerprint) || seconds <= 0) return -1;
    char hex[65];
    mark_mac(product, fingerprint, seconds, hex);
    int n = snprintf(out, capacity, MARK_VERSION " %" PRId64 " %s\n", seconds, hex);
    return n > 0 && (size_t)n < capacity ? 0 : -1;
}

int ngn_clock_mark_decode(const char *text, size_t len, const char *product, const char *fingerprint, int64_t *seconds) {
    if (!usable(product, fingerprint)) return -1;
    char copy[128];
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r')) len--;
    if (len >= sizeof copy) return -1;
    memcpy(copy, text, len);
    copy[len] = '\0';
    const char *prefix = MARK_VERSION " ";
    if (strncmp(copy, prefix, strlen(prefix)) != 0) return -1;
    const char *digits = copy + strlen(prefix);
    int64_t value = 0;
    size_t i = 0;
    for (; digits[i] >= '0' && digits[i] <= '9' && i < 12; i++) value = value * 10 + (digits[i] - '0');
    if (i == 0 || digits[i] != ' ' || (digits[0] == '0') || value <= 0) return -1;
    char expected[65];
    mark_mac(product, fingerprint, value, expected);
    const char *mac = digits + i + 1;
    if (strlen(mac) != 64 || sodium_memcmp(mac, expected, 64) != 0) return -1;
    *seconds = value;
    return 0;
}
