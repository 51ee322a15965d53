/*
 * ngn-verify: the SDK from the command line, for plugin developers and for the
 * cross-language tests.
 *   ngn-verify fingerprint                      this machine's fingerprint
 *   ngn-verify fingerprint-of RAW_ID            the fingerprint of a raw machine id
 *   ngn-verify token-path PRODUCT               where this user's token for PRODUCT is
 *   ngn-verify check PRODUCT KID=X... [+ENTITLEMENT...]
 *                                               the plugin's whole check; exit 0 only for VALID
 *   ngn-verify batch KID=X...                   one verdict per stdin line:
 *                                               token TAB product TAB fingerprint TAB now TAB clock_mark TAB entitlements,comma,separated
 *   ngn-verify mark PRODUCT FINGERPRINT SECONDS the text of a clock mark file
 *   ngn-verify record PRODUCT EVENT_TYPE [JSON] appends a telemetry event to the product's spool
 *   ngn-verify offline-request PRODUCT LICENSE_KEY [MACHINE_NAME]
 *                                               an activation request (.ngnreq) on stdout
 *   ngn-verify offline-load PRODUCT RESPONSE_FILE KID=X...
 *                                               loads an activation response; exit 0 only when then VALID
 *   ngn-verify offline-deactivate PRODUCT KID=X...
 *                                               deletes the token; the deactivation receipt on stdout
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngn_license.h"

#define MAX_KEYS 16
#define MAX_ENTITLEMENTS 16

static int usage(void) {
    fputs("usage: ngn-verify fingerprint | fingerprint-of RAW | token-path PRODUCT | check PRODUCT KID=X... [+ENTITLEMENT...]"
          " | batch KID=X... | mark PRODUCT FINGERPRINT SECONDS | record PRODUCT EVENT_TYPE [JSON]"
          " | offline-request PRODUCT LICENSE_KEY [MACHINE_NAME] | offline-load PRODUCT RESPONSE_FILE KID=X..."
          " | offline-deactivate PRODUCT KID=X...\n",
          stderr);
    return 2;
}

static size_t parse_keys(int argc, char **argv, ngn_public_key *keys, const char **entitlements, size_t *entitlement_count) {
    size_t n = 0;
    *entitlement_count = 0;
    for (int i = 0; i < argc; i++) {
        if (argv[i][0] == '+' && *entitlement_count < MAX_ENTITLEMENTS) {
            entitlements[(*entitlement_count)++] = argv[i] + 1;
            continue;
        }
        char *eq = strchr(argv[i], '=');
        if (!eq || n == MAX_KEYS) continue;
        *eq = '\0';
        keys[n].kid = argv[i];
        keys[n].x = eq + 1;
        n++;
    }
    return n;
}

static int check(int argc, char **argv) {
    ngn_public_key keys[MAX_KEYS];
    const char *entitlements[MAX_ENTITLEMENTS];
    size_t entitlement_count;
    size_t key_count = parse_keys(argc - 1, argv + 1, keys, entitlements, &entitlement_count);
    ngn_options options = { argv[0], keys, key_count, entitlements, entitlement_count };
    ngn_license_state state;
    ngn_code code = ngn_license_check(&options, &state);
    printf("%s\n%s\n", ngn_code_name(code), ngn_code_message(code));
    if (state.has_claims)
        printf("license %s (%s, %s), grace until %" PRId64 ", license until %" PRId64 "\n", state.license_id,
               state.license_type, state.policy, state.grace_ends_at, state.license_expires_at);
    return code == NGN_VALID ? 0 : 1;
}

static int offline_request(int argc, char **argv) {
    static char request[NGN_OFFLINE_FILE_MAX];
    int result = ngn_offline_request(argv[0], argv[1], argc == 3 ? argv[2] : NULL, request, sizeof request);
    if (result != NGN_OFFLINE_OK) {
        fprintf(stderr, "%s\n", ngn_offline_message(result));
        return 1;
    }
    fputs(request, stdout);
    return 0;
}

static int offline_load(int argc, char **argv) {
    ngn_public_key keys[MAX_KEYS];
    const char *entitlements[MAX_ENTITLEMENTS];
    size_t entitlement_count;
    size_t key_count = parse_keys(argc - 2, argv + 2, keys, entitlements, &entitlement_count);
    static char response[16384];
    FILE *file = fopen(argv[1], "rb");
    if (!file) { fprintf(stderr, "cannot read %s\n", argv[1]); return 1; }
    size_t len = fread(response, 1, sizeof response, file);
    fclose(file);
    ngn_options options = { argv[0], keys, key_count, entitlements, entitlement_count };
    ngn_license_state state;
    int result = ngn_offline_load_response(&options, response, len, &state);
    printf("%s\n", ngn_offline_message(result));
    if (result == NGN_OFFLINE_OK || result == NGN_OFFLINE_TOKEN_REFUSED) printf("%s\n", ngn_code_name(state.code));
    return result == NGN_OFFLINE_OK && state.code == NGN_VALID ? 0 : 1;
}

static int offline_deactivate(int argc, char **argv) {
    ngn_public_key keys[MAX_KEYS];
    const char *unused[MAX_ENTITLEMENTS];
    size_t none;
    size_t key_count = parse_keys(argc - 1, argv + 1, keys, unused, &none);
    ngn_options options = { argv[0], keys, key_count, NULL, 0 };
    static char receipt[NGN_OFFLINE_FILE_MAX];
    int result = ngn_offline_deactivate(&options, receipt, sizeof receipt);
    if (result != NGN_OFFLINE_OK) {
        fprintf(stderr, "%s\n", ngn_offline_message(result));
        return 1;
    }
    fputs(receipt, stdout);
    return 0;
}

/* Splits a line at tabs in place; returns the field count. */
static size_t fields(char *line, char **out, size_t max) {
    size_t n = 0;
    out[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == '\t') { *p = '\0'; out[n++] = p + 1; }
    return n;
}

static int batch(int argc, char **argv) {
    ngn_public_key keys[MAX_KEYS];
    const char *unused[MAX_ENTITLEMENTS];
    size_t none;
    size_t key_count = parse_keys(argc, argv, keys, unused, &none);
    static char line[65536];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = '\0';
        char *f[6];
        if (fields(line, f, 6) != 6) { puts("USAGE"); continue; }
        const char *entitlements[MAX_ENTITLEMENTS];
        size_t entitlement_count = 0;
        for (char *e = strtok(f[5], ","); e && entitlement_count < MAX_ENTITLEMENTS; e = strtok(NULL, ","))
            entitlements[entitlement_count++] = e;
        ngn_verify_input input = { f[1], f[2], keys, key_count, entitlements, entitlement_count,
                                   strtoll(f[3], NULL, 10), strtoll(f[4], NULL, 10) };
        ngn_license_state state;
        puts(ngn_code_name(ngn_verify_token(f[0], strlen(f[0]), &input, &state)));
        fflush(stdout);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) return usage();
    const char *command = argv[1];
    char out[NGN_PATH_MAX];
    if (strcmp(command, "fingerprint") == 0) {
        if (ngn_machine_fingerprint(out) != 0) { fputs("this machine's id cannot be read\n", stderr); return 1; }
        puts(out);
        return 0;
    }
    if (strcmp(command, "fingerprint-of") == 0 && argc == 3) {
        if (ngn_fingerprint_of(argv[2], strlen(argv[2]), out) != 0) return 1;
        puts(out);
        return 0;
    }
    if (strcmp(command, "token-path") == 0 && argc == 3) {
        if (ngn_token_path(argv[2], out, sizeof out) != 0) { fputs("not a product id\n", stderr); return 1; }
        puts(out);
        return 0;
    }
    if (strcmp(command, "check") == 0 && argc >= 3) return check(argc - 2, argv + 2);
    if (strcmp(command, "batch") == 0) return batch(argc - 2, argv + 2);
    if (strcmp(command, "mark") == 0 && argc == 5) {
        if (ngn_clock_mark_encode(argv[2], argv[3], strtoll(argv[4], NULL, 10), out, sizeof out) != 0) return 1;
        fputs(out, stdout);
        return 0;
    }
    if (strcmp(command, "record") == 0 && (argc == 4 || argc == 5)) {
        int result = ngn_telemetry_record(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
        if (result != 0) fputs(result == -1 ? "not a valid event\n" : "the spool cannot be written\n", stderr);
        return result == 0 ? 0 : 1;
    }
    if (strcmp(command, "offline-request") == 0 && (argc == 4 || argc == 5)) return offline_request(argc - 2, argv + 2);
    if (strcmp(command, "offline-load") == 0 && argc >= 4) return offline_load(argc - 2, argv + 2);
    if (strcmp(command, "offline-deactivate") == 0 && argc >= 3) return offline_deactivate(argc - 2, argv + 2);
    return usage();
}
