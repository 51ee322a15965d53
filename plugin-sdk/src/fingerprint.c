#include <string.h>

#include <sodium.h>

#include "internal.h"

static const char FINGERPRINT_KEY[] = "nextgen-noise/machine-fingerprint/v1";

static int is_space(char ch) {
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
}

int ngn_fingerprint_of(const char *raw, size_t len, char out[NGN_FINGERPRINT_LEN + 1]) {
    if (ngn_init() != 0) return -1;
    while (len > 0 && is_space(raw[0])) { raw++; len--; }
    while (len > 0 && is_space(raw[len - 1])) len--;
    if (len == 0) return -1;
    crypto_auth_hmacsha256_state hmac;
    crypto_auth_hmacsha256_init(&hmac, (const unsigned char *)FINGERPRINT_KEY, sizeof FINGERPRINT_KEY - 1);
    /* ASCII lower-casing in small slices: the id is never copied whole. */
    unsigned char slice[64];
    for (size_t done = 0; done < len;) {
        size_t n = len - done < sizeof slice ? len - done : sizeof slice;
        for (size_t i = 0; i < n; i++) {
            char ch = raw[done + i];
            slice[i] = (unsigned char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
        }
        crypto_auth_hmacsha256_update(&hmac, slice, n);
        done += n;
    }
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_final(&hmac, mac);
    sodium_bin2hex(out, NGN_FINGERPRINT_LEN + 1, mac, sizeof mac);
    return 0;
}

int ngn_machine_fingerprint(char out[NGN_FINGERPRINT_LEN + 1]) {
    char raw[256];
    if (ngn_raw_machine_id(raw, sizeof raw) != 0) return -1;
    return ngn_fingerprint_of(raw, strlen(raw), out);
}
