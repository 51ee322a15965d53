/*
 * This machine's Ed25519 key for activation by file, kept in the keychain
 * entry the Companion uses ("machine_key"), in the Companion's format: a
 * PKCS#8 PEM as Node's crypto exports it. Whichever of the two makes the key
 * first, both sign with it.
 */
#include <string.h>

#include <sodium.h>

#include "internal.h"

#define MACHINE_KEY_ACCOUNT "machine_key"
#define PEM_BEGIN "-----BEGIN PRIVATE KEY-----\n"
#define PEM_END "-----END PRIVATE KEY-----\n"

/* RFC 8410: the PKCS#8 wrapping of an Ed25519 seed, 16 bytes before the 32 of the seed. */
static const uint8_t PKCS8_PREFIX[16] = { 0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                          0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20 };

static int seed_from_pem(const char *pem, uint8_t seed[32]) {
    const char *begin = strstr(pem, "-----BEGIN PRIVATE KEY-----");
    const char *end = begin ? strstr(begin, "-----END PRIVATE KEY-----") : NULL;
    if (!end) return -1;
    const char *body = begin + strlen("-----BEGIN PRIVATE KEY-----");
    uint8_t der[64];
    size_t der_len = 0;
    if (sodium_base642bin(der, sizeof der, body, (size_t)(end - body), "\r\n", &der_len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        der_len != 48 || memcmp(der, PKCS8_PREFIX, sizeof PKCS8_PREFIX) != 0)
        return -1;
    memcpy(seed, der + 16, 32);
    sodium_memzero(der, sizeof der);
    return 0;
}

static int pem_from_seed(const uint8_t seed[32], char *out, size_t capacity) {
    uint8_t der[48];
    memcpy(der, PKCS8_PREFIX, sizeof PKCS8_PREFIX);
    memcpy(der + 16, seed, 32);
    char body[sodium_base64_ENCODED_LEN(48, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(body, sizeof body, der, sizeof der, sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(der, sizeof der);
    size_t need = strlen(PEM_BEGIN) + strlen(body) + 1 + strlen(PEM_END) + 1;
    if (need > capacity) return -1;
    strcpy(out, PEM_BEGIN);
    strcat(out, body);
    strcat(out, "\n" PEM_END);
    sodium_memzero(body, sizeof body);
    return 0;
}

int ngn_machine_key(uint8_t public_key[32], uint8_t secret_key[64]) {
    char pem[256];
    uint8_t seed[32];
    int found = ngn_keychain_get(MACHINE_KEY_ACCOUNT, pem, sizeof pem);
    if (found < 0) return -1;
    if (found == 0) {
        /* An entry that is not a key (written by something else) is left alone: replacing it would orphan the machine's seats. */
        if (seed_from_pem(pem, seed) != 0) return -1;
    } else {
        randombytes_buf(seed, sizeof seed);
        if (pem_from_seed(seed, pem, sizeof pem) != 0 || ngn_keychain_set(MACHINE_KEY_ACCOUNT, pem) != 0) {
            sodium_memzero(seed, sizeof seed);
            return -1;
        }
    }
    crypto_sign_seed_keypair(public_key, secret_key, seed);
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(pem, sizeof pem);
    return 0;
}
