/*
 * The SDK's own tests: every vector of docs/activation-token.md (generated into
 * ngn_test_vectors.h by the test runner), the whole check against files in a
 * scratch home, the clock rule, and a mutation fuzz. Built with sanitizers, so
 * a memory error fails the run too.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "internal.h"
#include "ngn_license.h"
#include "ngn_test_vectors.h"

static int failures = 0;
static int checks = 0;

#define EXPECT(cond, ...)                                                   \
    do {                                                                    \
        checks++;                                                           \
        if (!(cond)) {                                                      \
            failures++;                                                     \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);            \
            fprintf(stderr, __VA_ARGS__);                                   \
            fputc('\n', stderr);                                            \
        }                                                                   \
    } while (0)

static size_t count(const char *const *list) {
    size_t n = 0;
    while (list && list[n]) n++;
    return n;
}

static void test_verdict_vectors(void) {
    for (size_t i = 0; i < sizeof VERDICTS / sizeof VERDICTS[0]; i++) {
        const verdict_vector *v = &VERDICTS[i];
        ngn_verify_input in = { v->product, v->fingerprint, VECTOR_KEYS, VECTOR_KEY_COUNT, v->entitlements,
                                count(v->entitlements), v->now, v->clock_mark };
        ngn_license_state state;
        ngn_code code = ngn_verify_token(v->token, strlen(v->token), &in, &state);
        EXPECT(strcmp(ngn_code_name(code), v->code) == 0, "verdict %zu (%s): got %s, want %s", i, v->name, ngn_code_name(code), v->code);
    }
}

static void test_fingerprint_vectors(void) {
    for (size_t i = 0; i < sizeof FINGERPRINTS / sizeof FINGERPRINTS[0]; i++) {
        char out[NGN_FINGERPRINT_LEN + 1];
        EXPECT(ngn_fingerprint_of(FINGERPRINTS[i].raw, strlen(FINGERPRINTS[i].raw), out) == 0, "fingerprint %zu failed", i);
        EXPECT(strcmp(out, FINGERPRINTS[i].fingerprint) == 0, "fingerprint %zu: got %s", i, out);
    }
    char out[NGN_FINGERPRINT_LEN + 1];
    EXPECT(ngn_fingerprint_of(" \n\t", 3, out) == -1, "an empty machine id has no fingerprint");
}

static void test_token_path_vectors(void) {
    for (size_t i = 0; i < sizeof TOKEN_PATHS / sizeof TOKEN_PATHS[0]; i++) {
        const path_vector *v = &TOKEN_PATHS[i];
        char out[NGN_PATH_MAX];
        EXPECT(ngn_token_path_for(v->platform, v->home, v->app_data, v->xdg_data_home, v->product, out, sizeof out) == 0,
               "token path %zu failed", i);
        EXPECT(strcmp(out, v->path) == 0, "token path %zu: got %s, want %s", i, out, v->path);
    }
    char out[NGN_PATH_MAX];
    EXPECT(ngn_token_path_for("linux", "/home/ada", NULL, NULL, "../etc", out, sizeof out) == -1, "a path in the product id is refused");
    EXPECT(ngn_token_path_for("linux", "/home/ada", NULL, NULL, "mixing_mentor", out, 10) == -1, "a short buffer is refused");
    EXPECT(ngn_token_path_for("linux", "/home/ada", NULL, "relative/dir", "mixing_mentor", out, sizeof out) == 0 &&
               strcmp(out, "/home/ada/.local/share/nextgen-noise/activations/mixing_mentor.jwt") == 0,
           "a relative XDG_DATA_HOME is ignored: %s", out);
}

static void test_clock_mark_vectors(void) {
    for (size_t i = 0; i < sizeof CLOCK_MARKS / sizeof CLOCK_MARKS[0]; i++) {
        const mark_vector *v = &CLOCK_MARKS[i];
        char text[128];
        EXPECT(ngn_clock_mark_encode(v->product, v->fingerprint, v->seconds, text, sizeof text) == 0 && strcmp(text, v->text) == 0,
               "clock mark %zu: got %s", i, text);
        int64_t seconds = 0;
        EXPECT(ngn_clock_mark_decode(v->text, strlen(v->text), v->product, v->fingerprint, &seconds) == 0 && seconds == v->seconds,
               "clock mark %zu does not read back", i);
        EXPECT(ngn_clock_mark_decode(v->text, strlen(v->text), "other_plugin", v->fingerprint, &seconds) == -1,
               "a mark of another product is refused");
        char edited[128];
        strcpy(edited, v->text);
        edited[14] = edited[14] == '9' ? '8' : (char)(edited[14] + 1);
        EXPECT(ngn_clock_mark_decode(edited, strlen(edited), v->product, v->fingerprint, &seconds) == -1, "an edited mark is refused");
    }
}

/* Tokens for this machine, signed with the vectors' key (RFC 8032 test 1). */
static void mint(char *out, size_t capacity, const char *product, const char *fingerprint, int64_t iat, int64_t exp,
                 int64_t license_expires_at) {
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES], seed[32];
    sodium_hex2bin(seed, sizeof seed, VECTOR_SEED_HEX, 64, NULL, NULL, NULL);
    crypto_sign_seed_keypair(pk, sk, seed);
    char header[256], payload[1024], expiry[32];
    snprintf(header, sizeof header, "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"%s\"}", VECTOR_KEYS[0].kid);
    if (license_expires_at) snprintf(expiry, sizeof expiry, "%" PRId64, license_expires_at);
    else strcpy(expiry, "null");
    snprintf(payload, sizeof payload,
             "{\"iss\":\"https://api.example\",\"sub\":\"act\",\"license_id\":\"lic\",\"product\":\"%s\",\"license_type\":\"trial\","
             "\"policy\":\"trial\",\"fingerprint\":\"%s\",\"entitlements\":[\"%s.core\"],\"iat\":%" PRId64 ",\"exp\":%" PRId64
             ",\"license_expires_at\":%s}",
             product, fingerprint, product, iat, exp, expiry);
    char h64[512], p64[2048];
    sodium_bin2base64(h64, sizeof h64, (const unsigned char *)header, strlen(header), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_bin2base64(p64, sizeof p64, (const unsigned char *)payload, strlen(payload), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(out, capacity, "%s.%s", h64, p64);
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, NULL, (const unsigned char *)out, strlen(out), sk);
    char s64[128];
    sodium_bin2base64(s64, sizeof s64, sig, sizeof sig, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    strcat(out, ".");
    strcat(out, s64);
}

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); exit(2); }
    fputs(text, f);
    fclose(f);
}

static void make_dirs(const char *path) {
    char copy[NGN_PATH_MAX];
    strcpy(copy, path);
    for (char *p = copy + 1; *p; p++)
        if (*p == '/') { *p = '\0'; mkdir(copy, 0700); *p = '/'; }
}

static ngn_code check(ngn_license_state *state) {
    ngn_options options = { "mixing_mentor", VECTOR_KEYS, VECTOR_KEY_COUNT, NULL, 0 };
    return ngn_license_check(&options, state);
}

/* The whole check, with the token and mark in a scratch XDG_DATA_HOME. */
static void test_license_check(const char *scratch) {
    if (setenv("XDG_DATA_HOME", scratch, 1) != 0) exit(2);
    char fingerprint[NGN_FINGERPRINT_LEN + 1];
    if (ngn_machine_fingerprint(fingerprint) != 0) {
        fputs("skip: this machine has no machine id; the whole-check tests need one\n", stderr);
        return;
    }
    ngn_license_state state;
    EXPECT(check(&state) == NGN_NOT_ACTIVATED, "no token file: %s", ngn_code_name(state.code));

    char token_path[NGN_PATH_MAX], mark_path[NGN_PATH_MAX], token[4096];
    EXPECT(ngn_token_path("mixing_mentor", token_path, sizeof token_path) == 0, "token path");
    EXPECT(ngn_clock_mark_path(token_path, mark_path, sizeof mark_path) == 0, "mark path");
    make_dirs(token_path);
    int64_t now = (int64_t)time(NULL);

    mint(token, sizeof token, "mixing_mentor", fingerprint, now - 60, now + 86400 * 30, 0);
    write_text(token_path, token);
    remove(mark_path);
    EXPECT(check(&state) == NGN_VALID, "a token for this machine: %s", ngn_code_name(state.code));
    EXPECT(state.has_claims && strcmp(state.license_id, "lic") == 0 && strcmp(state.license_type, "trial") == 0, "claims are reported");
    char text[128];
    int64_t seconds = 0;
    long n = ngn_file_read(mark_path, text, sizeof text);
    EXPECT(n > 0 && ngn_clock_mark_decode(text, (size_t)n, "mixing_mentor", fingerprint, &seconds) == 0 && seconds >= now,
           "the check leaves a mark of the time it saw");

    /* The clock set back two days: the mark says we were already further on. */
    ngn_clock_mark_encode("mixing_mentor", fingerprint, now + 2 * 86400, text, sizeof text);
    write_text(mark_path, text);
    EXPECT(check(&state) == NGN_CLOCK_TAMPERED, "a clock two days behind the mark: %s", ngn_code_name(state.code));
    ngn_clock_mark_encode("mixing_mentor", fingerprint, now + 86400 - 60, text, sizeof text);
    write_text(mark_path, text);
    EXPECT(check(&state) == NGN_VALID, "less than a day behind the mark is a clock adjustment: %s", ngn_code_name(state.code));

    /* An edited mark is not believed, and the token's iat still bounds the clock. */
    write_text(mark_path, "ngn-clock-v1 99999999999 0000000000000000000000000000000000000000000000000000000000000000\n");
    EXPECT(check(&state) == NGN_VALID, "an edited mark is ignored: %s", ngn_code_name(state.code));
    mint(token, sizeof token, "mixing_mentor", fingerprint, now + 3600, now + 86400 * 30, 0);
    write_text(token_path, token);
    EXPECT(check(&state) == NGN_CLOCK_TAMPERED, "a token issued an hour from now: %s", ngn_code_name(state.code));

    /* A trial that ended stays ended; a foreign machine's token never moves the mark. */
    mint(token, sizeof token, "mixing_mentor", fingerprint, now - 20 * 86400, now + 86400, now - 86400);
    write_text(token_path, token);
    EXPECT(check(&state) == NGN_EXPIRED, "an ended trial: %s", ngn_code_name(state.code));
    remove(mark_path);
    mint(token, sizeof token, "mixing_mentor", "0000000000000000000000000000000000000000000000000000000000000000", now, now + 86400, 0);
    write_text(token_path, token);
    EXPECT(check(&state) == NGN_FINGERPRINT_MISMATCH, "another machine's token: %s", ngn_code_name(state.code));
    EXPECT(ngn_file_read(mark_path, text, sizeof text) == -1, "another machine's token leaves no mark");

    write_text(token_path, "   \n");
    EXPECT(check(&state) == NGN_MALFORMED, "an empty token file: %s", ngn_code_name(state.code));
    remove(token_path);
    remove(mark_path);
}

/* The telemetry spool: whole lines, a torn line spoils only itself, bounded, bad input refused. */
static void test_telemetry(const char *scratch) {
    if (setenv("XDG_DATA_HOME", scratch, 1) != 0) exit(2);
    char token_path[NGN_PATH_MAX], spool[NGN_PATH_MAX];
    ngn_token_path("mixing_mentor", token_path, sizeof token_path);
    snprintf(spool, sizeof spool, "%.*s.telemetry", (int)(strlen(token_path) - 4), token_path);
    make_dirs(token_path);
    remove(spool);
    EXPECT(ngn_telemetry_record("mixing_mentor", "session_end", "{\"daw_type\":\"Reaper\"}") == 0, "an event is recorded");
    EXPECT(ngn_telemetry_record("mixing_mentor", "crash", NULL) == 0, "an event without fields is recorded");
    EXPECT(ngn_telemetry_record("mixing_mentor", "session_end", "{\"daw_type\":") == -1, "fields that are not JSON are refused");
    EXPECT(ngn_telemetry_record("mixing_mentor", "session_end", "[1]") == -1, "fields that are not an object are refused");
    EXPECT(ngn_telemetry_record("mixing_mentor", "Session End", NULL) == -1, "a malformed event type is refused");
    EXPECT(ngn_telemetry_record("../etc", "crash", NULL) == -1, "a path in the product is refused");
    FILE *f = fopen(spool, "ab");
    fputs("{\"torn", f);
    fclose(f);
    EXPECT(ngn_telemetry_record("mixing_mentor", "error", NULL) == 0, "an event after a torn line is recorded");
    static char text[NGN_TELEMETRY_SPOOL_MAX + 1];
    long n = ngn_file_read(spool, text, NGN_TELEMETRY_SPOOL_MAX);
    text[n > 0 ? n : 0] = '\0';
    EXPECT(n > 0 && strstr(text, "\"event_type\":\"session_end\"") && strstr(text, "{\"torn\n{\"event_id\"") && text[n - 1] == '\n',
           "the spool holds whole lines and the torn line stands alone: %s", text);

    /* Far more than the cap: the spool stays under it and keeps the newest. */
    char fields[1200];
    for (int i = 0; i < 400; i++) {
        snprintf(fields, sizeof fields, "{\"custom_data\":{\"n\":%d,\"pad\":\"%0900d\"}}", i, 0);
        if (ngn_telemetry_record("mixing_mentor", "feature_used", fields) != 0) { EXPECT(0, "record %d failed", i); break; }
    }
    n = ngn_file_read(spool, text, NGN_TELEMETRY_SPOOL_MAX);
    text[n > 0 ? n : 0] = '\0';
    EXPECT(n > 0 && n <= NGN_TELEMETRY_SPOOL_MAX, "the spool stays under its cap (%ld bytes)", n);
    EXPECT(strstr(text, "\"n\":399,") != NULL && strstr(text, "\"n\":0,") == NULL, "the newest events are kept, the oldest dropped");
    EXPECT(text[0] == '{' && text[n - 1] == '\n', "trimming keeps whole lines");
    remove(spool);
}

/* Mutations of valid tokens must never crash, and must be VALID only when they still spell the same token. */
static int same_token(const char *a, const char *b) {
    while (*a == ' ' || *a == '\n' || *a == '\t' || *a == '\r' || *a == '\v' || *a == '\f') a++;
    size_t len = strlen(a);
    while (len > 0 && strchr(" \n\t\r\v\f", a[len - 1])) len--;
    const char *last = NULL;
    for (size_t i = 0; i < len; i++)
        if (a[i] == '.') last = a + i;
    const char *b_last = strrchr(b, '.');
    if (!last || (size_t)(last - a) != (size_t)(b_last - b) || memcmp(a, b, (size_t)(last - a)) != 0) return 0;
    uint8_t sa[64], sb[64];
    long na = ngn_base64url_decode(last + 1, len - (size_t)(last + 1 - a), sa, sizeof sa);
    long nb = ngn_base64url_decode(b_last + 1, strlen(b_last + 1), sb, sizeof sb);
    return na == nb && na > 0 && memcmp(sa, sb, (size_t)na) == 0;
}

static void test_fuzz(unsigned iterations) {
    static const char alphabet[] = "ABCxyz019-_.=+/ \n\"{}\\";
    uint32_t seed = 0x6e676e31;
    char mutated[4096];
    unsigned valid = 0;
    for (unsigned i = 0; i < iterations; i++) {
        const verdict_vector *v = &VERDICTS[i % (sizeof VERDICTS / sizeof VERDICTS[0])];
        strcpy(mutated, v->token);
        size_t len = strlen(mutated);
        unsigned edits = 1 + (seed = seed * 1664525u + 1013904223u) % 4;
        for (unsigned e = 0; e < edits && len > 0; e++) {
            seed = seed * 1664525u + 1013904223u;
            size_t at = (seed >> 8) % len;
            switch (seed % 5) {
                case 0: mutated[at] = alphabet[(seed >> 16) % (sizeof alphabet - 1)]; break;
                case 1: memmove(mutated + at, mutated + at + 1, len - at); len--; break;
                case 2:
                    if (len + 1 < sizeof mutated) {
                        memmove(mutated + at + 1, mutated + at, len - at + 1);
                        mutated[at] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
                        len++;
                    }
                    break;
                case 3: mutated[at] = '\0'; len = at; break;
                default: mutated[at] = (char)(mutated[at] ^ (1 << ((seed >> 20) % 7))); break;
            }
        }
        ngn_verify_input in = { v->product, v->fingerprint, VECTOR_KEYS, VECTOR_KEY_COUNT, v->entitlements,
                                count(v->entitlements), v->now, v->clock_mark };
        ngn_license_state state;
        ngn_code code = ngn_verify_token(mutated, len, &in, &state);
        EXPECT(code >= NGN_VALID && code <= NGN_CLOCK_TAMPERED, "fuzz %u: a code outside the verifier's", i);
        if (code == NGN_VALID) {
            valid++;
            EXPECT(same_token(mutated, v->token), "fuzz %u: a changed token passed: %s", i, mutated);
        }
    }
    printf("fuzz: %u mutated tokens, %u still the same token and VALID\n", iterations, valid);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fputs("usage: ngn-tests SCRATCH_FOLDER\n", stderr);
        return 2;
    }
    if (ngn_init() != 0) return 2;
    test_verdict_vectors();
    test_fingerprint_vectors();
    test_token_path_vectors();
    test_clock_mark_vectors();
    test_license_check(argv[1]);
    test_telemetry(argv[1]);
    test_fuzz(200000);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
