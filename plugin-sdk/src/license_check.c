/* The one call a plugin makes: read this machine's token and mark, verify, move the mark on. */
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "internal.h"

int ngn_init(void) {
    /* sodium_init is thread-safe and returns 1 once it has run before. */
    return sodium_init() < 0 ? -1 : 0;
}

static int64_t read_clock_mark(const char *mark_path, const char *product, const char *fingerprint) {
    char text[128];
    long n = ngn_file_read(mark_path, text, sizeof text);
    int64_t seconds = 0;
    if (n < 0 || ngn_clock_mark_decode(text, (size_t)n, product, fingerprint, &seconds) != 0) return 0;
    return seconds;
}

int ngn_code_is_this_machines(ngn_code code) {
    return code != NGN_MALFORMED && code != NGN_UNKNOWN_KEY && code != NGN_BAD_SIGNATURE && code != NGN_PRODUCT_MISMATCH &&
           code != NGN_FINGERPRINT_MISMATCH && code != NGN_NOT_ACTIVATED && code != NGN_MACHINE_ID_UNAVAILABLE;
}

/* Only a token made for this product and machine may move the mark: another's could push it anywhere. */
static int moves_mark(ngn_code code) {
    return ngn_code_is_this_machines(code) && code != NGN_CLOCK_TAMPERED;
}

ngn_code ngn_license_check(const ngn_options *options, ngn_license_state *state) {
    memset(state, 0, sizeof *state);
    state->checked_at = (int64_t)time(NULL);
    if (ngn_init() != 0 || !options || ngn_token_path(options->product, state->token_path, sizeof state->token_path) != 0) {
        state->code = NGN_NOT_ACTIVATED;
        return state->code;
    }
    char token_path[NGN_PATH_MAX];
    memcpy(token_path, state->token_path, sizeof token_path);

    char token[8192];
    long len = ngn_file_read(token_path, token, sizeof token);
    if (len < 0) {
        state->code = len == -2 ? NGN_MALFORMED : NGN_NOT_ACTIVATED;
        return state->code;
    }
    char fingerprint[NGN_FINGERPRINT_LEN + 1];
    if (ngn_machine_fingerprint(fingerprint) != 0) {
        state->code = NGN_MACHINE_ID_UNAVAILABLE;
        return state->code;
    }
    char mark_path[NGN_PATH_MAX];
    int has_mark_path = ngn_clock_mark_path(token_path, mark_path, sizeof mark_path) == 0;
    ngn_verify_input input = {
        options->product, fingerprint, options->keys, options->key_count, options->entitlements, options->entitlement_count,
        state->checked_at, has_mark_path ? read_clock_mark(mark_path, options->product, fingerprint) : 0,
    };
    ngn_code code = ngn_verify_token(token, (size_t)len, &input, state);
    memcpy(state->token_path, token_path, sizeof token_path);

    if (has_mark_path && moves_mark(code) && input.now > input.clock_mark) {
        char text[128];
        /* Best effort: a read-only folder only loses the mark's protection, never the verdict. */
        if (ngn_clock_mark_encode(options->product, fingerprint, input.now, text, sizeof text) == 0)
            (void)ngn_file_replace(mark_path, text, strlen(text));
    }
    return code;
}
