/*
 * ngn-bench: the SDK's verify against its own floor, a bare libsodium
 * crypto_sign_verify_detached of the same bytes, in one run.
 *   ngn-bench TOKEN KID X PRODUCT FINGERPRINT NOW ITERATIONS
 * prints JSON: nanoseconds per call for the bare check, ngn_verify_token, and
 * ngn_license_check (token file read, fingerprint, clock mark) for PRODUCT.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "ngn_license.h"

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc != 8 || ngn_init() != 0) {
        fputs("usage: ngn-bench TOKEN KID X PRODUCT FINGERPRINT NOW ITERATIONS\n", stderr);
        return 2;
    }
    const char *token = argv[1];
    long iterations = strtol(argv[7], NULL, 10);
    ngn_public_key key = { argv[2], argv[3] };
    ngn_verify_input input = { argv[4], argv[5], &key, 1, NULL, 0, strtoll(argv[6], NULL, 10), 0 };

    /* The bare floor: the signature bytes and public key decoded once, outside the loop. */
    const char *last_dot = strrchr(token, '.');
    unsigned char signature[crypto_sign_BYTES], public_key[crypto_sign_PUBLICKEYBYTES];
    size_t n = 0;
    if (!last_dot ||
        sodium_base642bin(signature, sizeof signature, last_dot + 1, strlen(last_dot + 1), NULL, &n, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        sodium_base642bin(public_key, sizeof public_key, key.x, strlen(key.x), NULL, &n, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
        fputs("the token or key does not decode\n", stderr);
        return 2;
    }
    size_t signed_len = (size_t)(last_dot - token);

    ngn_license_state state;
    int bad = 0;
    double results[3];
    for (int round = 0; round < 2; round++) { /* the first round warms caches and is not reported */
        double start = now_ns();
        for (long i = 0; i < iterations; i++)
            bad |= crypto_sign_verify_detached(signature, (const unsigned char *)token, signed_len, public_key);
        results[0] = (now_ns() - start) / (double)iterations;
        start = now_ns();
        for (long i = 0; i < iterations; i++) bad |= ngn_verify_token(token, strlen(token), &input, &state) != NGN_VALID;
        results[1] = (now_ns() - start) / (double)iterations;
        ngn_options options = { argv[4], &key, 1, NULL, 0 };
        start = now_ns();
        for (long i = 0; i < iterations; i++) ngn_license_check(&options, &state);
        results[2] = (now_ns() - start) / (double)iterations;
    }
    if (bad) {
        fputs("the token did not verify\n", stderr);
        return 1;
    }
    printf("{\"bare_ns\":%.0f,\"verify_ns\":%.0f,\"check_ns\":%.0f,\"check_code\":\"%s\"}\n", results[0], results[1], results[2],
           ngn_code_name(state.code));
    return 0;
}
