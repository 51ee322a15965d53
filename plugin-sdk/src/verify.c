/*
 * The offline verdict on one token, in the order of docs/activation-token.md
 * (and of verifyActivationToken in @ngn/shared): well-formed, known key, good
 * signature, right product, this machine, a believable clock, license not
 * over, grace not over, entitlements granted.
 */
#include <string.h>

#include <sodium.h>

#include "internal.h"

/* Real tokens are under 1 KB; anything this large is not one of ours. */
#define TOKEN_MAX 8192

static int is_space(char ch) {
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
}

static void copy_claim(char *dst, const ngn_json_string *src) {
    size_t n = src->overflow ? 0 : src->len;
    if (n > NGN_ID_MAX) n = NGN_ID_MAX;
    memcpy(dst, src->text, n);
    dst[n] = '\0';
}

static void fill_claims(ngn_license_state *state, const ngn_payload *p) {
    state->has_claims = 1;
    copy_claim(state->license_id, &p->license_id);
    copy_claim(state->activation_id, &p->sub);
    copy_claim(state->license_type, &p->license_type);
    copy_claim(state->policy, &p->policy);
    state->issued_at = p->iat;
    state->grace_ends_at = p->exp;
    state->license_expires_at = p->license_expires_at_null ? 0 : p->license_expires_at;
}

static const ngn_public_key *find_key(const ngn_verify_input *in, const ngn_json_string *kid) {
    for (size_t i = 0; i < in->key_count; i++)
        if (in->keys[i].kid && ngn_json_string_equals(kid, in->keys[i].kid)) return &in->keys[i];
    return NULL;
}

static int same_fingerprint(const ngn_json_string *claim, const char *mine) {
    if (!mine || strlen(mine) != claim->len) return 0;
    for (size_t i = 0; i < claim->len; i++) {
        char ch = mine[i];
        if (ch >= 'A' && ch <= 'Z') ch = (char)(ch - 'A' + 'a');
        if (ch != claim->text[i]) return 0;
    }
    return 1;
}

static ngn_code conclude(ngn_license_state *state, ngn_code code) {
    state->code = code;
    return code;
}

ngn_code ngn_verify_token(const char *token, size_t len, const ngn_verify_input *in, ngn_license_state *state) {
    memset(state, 0, sizeof *state);
    state->checked_at = in->now;
    if (ngn_init() != 0) return conclude(state, NGN_MALFORMED);
    while (len > 0 && is_space(token[0])) { token++; len--; }
    while (len > 0 && is_space(token[len - 1])) len--;
    if (len > TOKEN_MAX || in->entitlement_count > 64) return conclude(state, NGN_MALFORMED);

    const char *dot1 = memchr(token, '.', len);
    const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
    if (!dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token))) return conclude(state, NGN_MALFORMED);
    const char *h = token, *p = dot1 + 1, *s = dot2 + 1;
    size_t h_len = (size_t)(dot1 - h), p_len = (size_t)(dot2 - p), s_len = len - (size_t)(s - token);

    uint8_t json[TOKEN_MAX];
    long n = ngn_base64url_decode(h, h_len, json, sizeof json);
    ngn_header header;
    if (n < 0 || ngn_parse_header(json, (size_t)n, &header) != 0) return conclude(state, NGN_MALFORMED);
    if (!ngn_base64url_valid(s, s_len)) return conclude(state, NGN_MALFORMED);
    uint8_t signature[crypto_sign_BYTES];
    long sig_len = ngn_base64url_decode(s, s_len, signature, sizeof signature);

    const ngn_public_key *key = find_key(in, &header.kid);
    if (!key) return conclude(state, NGN_UNKNOWN_KEY);
    uint8_t public_key[crypto_sign_PUBLICKEYBYTES + 1];
    long key_len = key->x ? ngn_base64url_decode(key->x, strlen(key->x), public_key, sizeof public_key) : -1;
    /* A key that does not decode signed nothing: as in TypeScript, that is a bad signature. */
    if (key_len != crypto_sign_PUBLICKEYBYTES || sig_len != crypto_sign_BYTES ||
        crypto_sign_verify_detached(signature, (const unsigned char *)token, (size_t)(dot2 - token), public_key) != 0)
        return conclude(state, NGN_BAD_SIGNATURE);

    n = ngn_base64url_decode(p, p_len, json, sizeof json);
    ngn_payload payload;
    if (n < 0 || ngn_parse_payload(json, (size_t)n, in->entitlements, in->entitlement_count, &payload) != 0)
        return conclude(state, NGN_MALFORMED);
    fill_claims(state, &payload);

    if (!ngn_json_string_equals(&payload.product, in->product ? in->product : "")) return conclude(state, NGN_PRODUCT_MISMATCH);
    if (!same_fingerprint(&payload.fingerprint, in->fingerprint)) return conclude(state, NGN_FINGERPRINT_MISMATCH);
    /* A token issued in the future, or a clock far behind the latest time this machine saw: set back. */
    if (payload.iat - in->now > NGN_CLOCK_FUTURE_IAT_TOLERANCE) return conclude(state, NGN_CLOCK_TAMPERED);
    if (in->clock_mark > 0 && in->clock_mark - in->now > NGN_CLOCK_ROLLBACK_TOLERANCE) return conclude(state, NGN_CLOCK_TAMPERED);
    if (!payload.license_expires_at_null && in->now >= payload.license_expires_at) return conclude(state, NGN_EXPIRED);
    if (in->now >= payload.exp) return conclude(state, NGN_GRACE_EXPIRED);
    for (size_t i = 0; i < in->entitlement_count; i++)
        if (!(payload.granted & ((uint64_t)1 << i))) return conclude(state, NGN_ENTITLEMENT_MISSING);
    return conclude(state, NGN_VALID);
}
