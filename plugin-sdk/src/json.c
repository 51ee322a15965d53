/*
 * Just enough JSON for the token's header and payload, with the answers the
 * TypeScript verifier gives (JSON.parse, then its zod schemas): duplicate
 * names keep the last value, unknown claims of any shape are skipped, numbers
 * must be safe integers, strings are decoded with their escapes. Nothing is
 * allocated: strings land in fixed buffers, entitlements are matched as they
 * are read.
 */
#include <string.h>

#include "internal.h"

#define MAX_DEPTH 64
#define SAFE_INTEGER_MAX 9007199254740991LL

typedef struct cursor {
    const uint8_t *p;
    const uint8_t *end;
} cursor;

static void skip_ws(cursor *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static int expect(cursor *c, char ch) {
    skip_ws(c);
    if (c->p >= c->end || *c->p != (uint8_t)ch) return -1;
    c->p++;
    return 0;
}

static int hex4(cursor *c, uint32_t *unit) {
    if (c->end - c->p < 4) return -1;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t h = c->p[i];
        v <<= 4;
        if (h >= '0' && h <= '9') v |= (uint32_t)(h - '0');
        else if (h >= 'a' && h <= 'f') v |= (uint32_t)(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F') v |= (uint32_t)(h - 'A' + 10);
        else return -1;
    }
    c->p += 4;
    *unit = v;
    return 0;
}

/* Appends bytes to a bounded string; past its end it only marks the overflow. */
static void put(ngn_json_string *s, const uint8_t *bytes, size_t n) {
    if (!s) return;
    if (s->overflow || s->len + n > sizeof s->text - 1) {
        s->overflow = 1;
        return;
    }
    memcpy(s->text + s->len, bytes, n);
    s->len += n;
    s->text[s->len] = '\0';
}

/* A code point (or a lone surrogate, kept as JavaScript keeps it) as UTF-8, and its UTF-16 length. */
static size_t put_code_point(ngn_json_string *s, uint32_t cp) {
    uint8_t b[4];
    size_t n;
    if (cp < 0x80) { b[0] = (uint8_t)cp; n = 1; }
    else if (cp < 0x800) { b[0] = (uint8_t)(0xC0 | (cp >> 6)); b[1] = (uint8_t)(0x80 | (cp & 0x3F)); n = 2; }
    else if (cp < 0x10000) {
        b[0] = (uint8_t)(0xE0 | (cp >> 12)); b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F)); b[2] = (uint8_t)(0x80 | (cp & 0x3F)); n = 3;
    } else {
        b[0] = (uint8_t)(0xF0 | (cp >> 18)); b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F)); b[3] = (uint8_t)(0x80 | (cp & 0x3F)); n = 4;
    }
    put(s, b, n);
    return cp >= 0x10000 ? 2 : 1;
}

/* Reads a string into `out` (NULL to skip it); `utf16_len` counts it as JavaScript's length. */
static int read_string(cursor *c, ngn_json_string *out, size_t *utf16_len) {
    if (expect(c, '"') != 0) return -1;
    if (out) { out->len = 0; out->overflow = 0; out->text[0] = '\0'; out->present = 1; }
    size_t units = 0;
    while (c->p < c->end) {
        uint8_t ch = *c->p;
        if (ch == '"') {
            c->p++;
            if (utf16_len) *utf16_len = units;
            return 0;
        }
        if (ch < 0x20) return -1;
        if (ch != '\\') {
            /* The segment is valid UTF-8 already: copy a whole sequence. */
            size_t n = ch < 0x80 ? 1 : ch < 0xE0 ? 2 : ch < 0xF0 ? 3 : 4;
            if ((size_t)(c->end - c->p) < n) return -1;
            put(out, c->p, n);
            units += n == 4 ? 2 : 1;
            c->p += n;
            continue;
        }
        c->p++;
        if (c->p >= c->end) return -1;
        uint8_t esc = *c->p++;
        uint8_t simple;
        switch (esc) {
            case '"': simple = '"'; break;
            case '\\': simple = '\\'; break;
            case '/': simple = '/'; break;
            case 'b': simple = '\b'; break;
            case 'f': simple = '\f'; break;
            case 'n': simple = '\n'; break;
            case 'r': simple = '\r'; break;
            case 't': simple = '\t'; break;
            case 'u': {
                uint32_t unit;
                if (hex4(c, &unit) != 0) return -1;
                if (unit >= 0xD800 && unit <= 0xDBFF && c->end - c->p >= 6 && c->p[0] == '\\' && c->p[1] == 'u') {
                    cursor look = { c->p + 2, c->end };
                    uint32_t low;
                    if (hex4(&look, &low) == 0 && low >= 0xDC00 && low <= 0xDFFF) {
                        c->p = look.p;
                        unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                    }
                }
                units += put_code_point(out, unit);
                continue;
            }
            default: return -1;
        }
        put(out, &simple, 1);
        units++;
    }
    return -1;
}

/* A JSON number that must be a safe integer, as zod's int() requires of JSON.parse's double. */
static int read_integer(cursor *c, int64_t *value) {
    skip_ws(c);
    int negative = 0;
    if (c->p < c->end && *c->p == '-') { negative = 1; c->p++; }
    if (c->p >= c->end || *c->p < '0' || *c->p > '9') return -1;
    /* Significant digits without leading zeros, and the power of ten they are scaled by. */
    char digits[32];
    size_t ndigits = 0;
    long exponent = 0;
    int too_many = 0;
    if (*c->p == '0') c->p++;
    else
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
            if (ndigits < sizeof digits) digits[ndigits++] = (char)*c->p;
            else { too_many = 1; exponent++; }
            c->p++;
        }
    if (c->p < c->end && *c->p == '.') {
        c->p++;
        if (c->p >= c->end || *c->p < '0' || *c->p > '9') return -1;
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
            if (ndigits == 0 && *c->p == '0') exponent--;
            else if (ndigits < sizeof digits) { digits[ndigits++] = (char)*c->p; exponent--; }
            else if (*c->p != '0') too_many = 1;
            c->p++;
        }
    }
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        c->p++;
        int exp_negative = 0;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-')) exp_negative = *c->p++ == '-';
        if (c->p >= c->end || *c->p < '0' || *c->p > '9') return -1;
        long e = 0;
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
            if (e < 100000) e = e * 10 + (*c->p - '0');
            c->p++;
        }
        exponent += exp_negative ? -e : e;
    }
    if (too_many) return -1; /* more than 32 significant digits is never a safe integer */
    while (ndigits > 0 && digits[ndigits - 1] == '0') { ndigits--; exponent++; }
    if (ndigits == 0) { *value = 0; return 0; }
    if (exponent < 0 || (long)ndigits + exponent > 16) return -1;
    int64_t v = 0;
    for (size_t i = 0; i < ndigits; i++) v = v * 10 + (digits[i] - '0');
    for (long i = 0; i < exponent; i++) v *= 10;
    if (v > SAFE_INTEGER_MAX) return -1;
    *value = negative ? -v : v;
    return 0;
}

static int match_literal(cursor *c, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0) return -1;
    c->p += n;
    return 0;
}

static int skip_value(cursor *c, int depth);

static int skip_number(cursor *c) {
    /* Validate the grammar only; the value of an unknown claim does not matter. */
    if (c->p < c->end && *c->p == '-') c->p++;
    if (c->p >= c->end || *c->p < '0' || *c->p > '9') return -1;
    if (*c->p == '0') c->p++;
    else while (c->p < c->end && *c->p >= '0' && *c->p <= '9') c->p++;
    if (c->p < c->end && *c->p == '.') {
        c->p++;
        if (c->p >= c->end || *c->p < '0' || *c->p > '9') return -1;
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') c->p++;
    }
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        c->p++;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-')) c->p++;
        if (c->p >= c->end || *c->p < '0' || *c->p > '9') return -1;
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') c->p++;
    }
    return 0;
}

static int skip_container(cursor *c, int depth, char close, int is_object) {
    c->p++;
    if (depth >= MAX_DEPTH) return -1;
    skip_ws(c);
    if (c->p < c->end && *c->p == (uint8_t)close) { c->p++; return 0; }
    for (;;) {
        if (is_object) {
            if (read_string(c, NULL, NULL) != 0 || expect(c, ':') != 0) return -1;
        }
        if (skip_value(c, depth + 1) != 0) return -1;
        skip_ws(c);
        if (c->p >= c->end) return -1;
        if (*c->p == ',') { c->p++; continue; }
        if (*c->p == (uint8_t)close) { c->p++; return 0; }
        return -1;
    }
}

static int skip_value(cursor *c, int depth) {
    skip_ws(c);
    if (c->p >= c->end) return -1;
    switch (*c->p) {
        case '{': return skip_container(c, depth, '}', 1);
        case '[': return skip_container(c, depth, ']', 0);
        case '"': return read_string(c, NULL, NULL);
        case 't': return match_literal(c, "true");
        case 'f': return match_literal(c, "false");
        case 'n': return match_literal(c, "null");
        default: return skip_number(c);
    }
}

static int peek(cursor *c, char ch) {
    skip_ws(c);
    return c->p < c->end && *c->p == (uint8_t)ch;
}

/* Walks the members of the top-level object, handing each to `member`. */
typedef int (*member_fn)(cursor *c, const ngn_json_string *name, void *context);

static int each_member(const uint8_t *json, size_t len, member_fn member, void *context) {
    cursor c = { json, json + len };
    /* A fatal TextDecoder drops a leading byte-order mark before JSON.parse sees the text. */
    if (len >= 3 && json[0] == 0xEF && json[1] == 0xBB && json[2] == 0xBF) c.p += 3;
    if (expect(&c, '{') != 0) return -1;
    if (!peek(&c, '}')) {
        for (;;) {
            ngn_json_string name;
            if (read_string(&c, &name, NULL) != 0 || expect(&c, ':') != 0) return -1;
            if (member(&c, &name, context) != 0) return -1;
            skip_ws(&c);
            if (c.p < c.end && *c.p == ',') { c.p++; continue; }
            break;
        }
    }
    if (expect(&c, '}') != 0) return -1;
    skip_ws(&c);
    return c.p == c.end ? 0 : -1;
}

int ngn_json_is_object(const char *text, size_t len) {
    cursor c = { (const uint8_t *)text, (const uint8_t *)text + len };
    if (!ngn_utf8_valid(c.p, len) || !peek(&c, '{') || skip_value(&c, 0) != 0) return 0;
    skip_ws(&c);
    return c.p == c.end;
}

int ngn_json_string_equals(const ngn_json_string *s, const char *text) {
    size_t n = strlen(text);
    return s->present && !s->overflow && s->len == n && memcmp(s->text, text, n) == 0;
}

static int named(const ngn_json_string *name, const char *text) {
    return ngn_json_string_equals(name, text);
}

/* Reads a string claim, or skips a value of another type and marks the claim bad. */
static int string_claim(cursor *c, ngn_json_string *out, ngn_bad_claims *bad, ngn_bad_claims bit, size_t *utf16_len) {
    if (peek(c, '"')) {
        *bad &= ~bit;
        return read_string(c, out, utf16_len);
    }
    *bad |= bit;
    out->present = 0;
    return skip_value(c, 1);
}

static int header_member(cursor *c, const ngn_json_string *name, void *context) {
    ngn_header *h = context;
    if (named(name, "alg")) return string_claim(c, &h->alg, &h->bad, 1u << 0, NULL);
    if (named(name, "typ")) return string_claim(c, &h->typ, &h->bad, 1u << 1, NULL);
    if (named(name, "kid")) return string_claim(c, &h->kid, &h->bad, 1u << 2, &h->kid_utf16_len);
    return skip_value(c, 1);
}

int ngn_parse_header(const uint8_t *json, size_t len, ngn_header *h) {
    memset(h, 0, sizeof *h);
    if (!ngn_utf8_valid(json, len) || each_member(json, len, header_member, h) != 0 || h->bad) return -1;
    if (!ngn_json_string_equals(&h->alg, "EdDSA")) return -1;
    if (h->typ.present && !ngn_json_string_equals(&h->typ, "JWT")) return -1;
    if (!h->kid.present || h->kid_utf16_len < 1 || h->kid_utf16_len > 200) return -1;
    return 0;
}

typedef struct payload_context {
    ngn_payload *payload;
    const char *const *required;
    size_t required_count;
} payload_context;

/* Reads the entitlements array, matching each string against the required ones. */
static int read_entitlements(cursor *c, payload_context *ctx) {
    ngn_payload *p = ctx->payload;
    const uint8_t *start = c->p;
    p->has_entitlements = 1;
    p->granted = 0;
    p->bad &= ~(1u << 7);
    if (expect(c, '[') == 0) {
        if (peek(c, ']')) { c->p++; return 0; }
        for (;;) {
            ngn_json_string e;
            if (!peek(c, '"') || read_string(c, &e, NULL) != 0) break;
            for (size_t i = 0; i < ctx->required_count; i++)
                if (ngn_json_string_equals(&e, ctx->required[i])) p->granted |= (uint64_t)1 << i;
            skip_ws(c);
            if (c->p < c->end && *c->p == ',') { c->p++; continue; }
            if (expect(c, ']') == 0) return 0;
            break;
        }
    }
    /* Not an array of strings: valid JSON still, but a bad claim (unless a later one replaces it). */
    c->p = start;
    p->bad |= 1u << 7;
    return skip_value(c, 1);
}

/* Reads a safe integer, or (with `nullable`) null; anything else is skipped and marks the claim bad. */
static int integer_claim(cursor *c, int64_t *out, int *present, ngn_bad_claims *bad, ngn_bad_claims bit, int *is_null) {
    *present = 1;
    skip_ws(c);
    const uint8_t *start = c->p;
    if (is_null && match_literal(c, "null") == 0) {
        *is_null = 1;
        *bad &= ~bit;
        return 0;
    }
    if (is_null) *is_null = 0;
    if (read_integer(c, out) == 0) {
        *bad &= ~bit;
        return 0;
    }
    c->p = start;
    *bad |= bit;
    return skip_value(c, 1);
}

static int payload_member(cursor *c, const ngn_json_string *name, void *context) {
    payload_context *ctx = context;
    ngn_payload *p = ctx->payload;
    if (named(name, "iss")) return string_claim(c, &p->iss, &p->bad, 1u << 0, NULL);
    if (named(name, "sub")) return string_claim(c, &p->sub, &p->bad, 1u << 1, NULL);
    if (named(name, "license_id")) return string_claim(c, &p->license_id, &p->bad, 1u << 2, NULL);
    if (named(name, "product")) return string_claim(c, &p->product, &p->bad, 1u << 3, NULL);
    if (named(name, "license_type")) return string_claim(c, &p->license_type, &p->bad, 1u << 4, NULL);
    if (named(name, "policy")) return string_claim(c, &p->policy, &p->bad, 1u << 5, NULL);
    if (named(name, "fingerprint")) return string_claim(c, &p->fingerprint, &p->bad, 1u << 6, NULL);
    if (named(name, "entitlements")) return read_entitlements(c, ctx);
    if (named(name, "iat")) return integer_claim(c, &p->iat, &p->has_iat, &p->bad, 1u << 8, NULL);
    if (named(name, "exp")) return integer_claim(c, &p->exp, &p->has_exp, &p->bad, 1u << 9, NULL);
    if (named(name, "license_expires_at"))
        return integer_claim(c, &p->license_expires_at, &p->has_license_expires_at, &p->bad, 1u << 10, &p->license_expires_at_null);
    return skip_value(c, 1);
}

static int is_fingerprint(const ngn_json_string *s) {
    if (!s->present || s->overflow || s->len != NGN_FINGERPRINT_LEN) return 0;
    for (size_t i = 0; i < s->len; i++) {
        char ch = s->text[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return 0;
    }
    return 1;
}

int ngn_parse_payload(const uint8_t *json, size_t len, const char *const *required, size_t required_count,
                      ngn_payload *p) {
    memset(p, 0, sizeof *p);
    payload_context ctx = { p, required, required_count };
    if (!ngn_utf8_valid(json, len) || each_member(json, len, payload_member, &ctx) != 0 || p->bad) return -1;
    if (!p->iss.present || !p->sub.present || !p->license_id.present || !p->product.present || !p->policy.present) return -1;
    if (!(ngn_json_string_equals(&p->license_type, "perpetual") || ngn_json_string_equals(&p->license_type, "subscription") ||
          ngn_json_string_equals(&p->license_type, "trial") || ngn_json_string_equals(&p->license_type, "nfr")))
        return -1;
    if (!is_fingerprint(&p->fingerprint)) return -1;
    if (!p->has_entitlements || !p->has_iat || !p->has_exp || !p->has_license_expires_at) return -1;
    return 0;
}

/* A compact JWS as a JSON string: base64url segments and dots, nothing to unescape. */
static int raw_token(cursor *c, const char **token, size_t *len) {
    if (expect(c, '"') != 0) return -1;
    const uint8_t *start = c->p;
    while (c->p < c->end && *c->p != '"') {
        uint8_t ch = *c->p;
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.'))
            return -1;
        c->p++;
    }
    if (c->p >= c->end) return -1;
    *token = (const char *)start;
    *len = (size_t)(c->p - start);
    c->p++;
    return 0;
}

static int response_member(cursor *c, const ngn_json_string *name, void *context) {
    ngn_activation_response *r = context;
    if (named(name, "activation_token")) return raw_token(c, &r->token, &r->token_len);
    ngn_json_string *field = named(name, "format") ? &r->format
                             : named(name, "product") ? &r->product
                             : named(name, "fingerprint") ? &r->fingerprint
                             : named(name, "machine_key") ? &r->machine_key
                             : NULL;
    if (!field) return skip_value(c, 1);
    return peek(c, '"') ? read_string(c, field, NULL) : -1;
}

int ngn_parse_activation_response(const char *json, size_t len, ngn_activation_response *response) {
    memset(response, 0, sizeof *response);
    if (!ngn_utf8_valid((const uint8_t *)json, len)) return -1;
    if (each_member((const uint8_t *)json, len, response_member, response) != 0) return -1;
    return response->token && response->format.present && response->product.present && response->fingerprint.present &&
                   response->machine_key.present
               ? 0
               : -1;
}
