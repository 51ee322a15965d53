/*
 * Activation by file (see ngn_license.h and shared/src/schemas/airgap.ts):
 * the request and the deactivation receipt, signed with the machine key over
 * the same bytes the TypeScript side builds (the format line, then one
 * `name=<JSON.stringify(value)>` line per field in the schema's order), and
 * the response, verified before its token is written.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "internal.h"

#define REQUEST_FORMAT "ngn-activation-request/v1"
#define RESPONSE_FORMAT "ngn-activation-response/v1"
#define RECEIPT_FORMAT "ngn-deactivation-receipt/v1"
#define MACHINE_TEXT_MAX 100
#define LICENSE_KEY_MAX 64

#if defined(_WIN32)
#define OS_NAME "Windows"
#elif defined(__APPLE__)
#define OS_NAME "macOS"
#else
#define OS_NAME "Linux"
#endif

/* A field of a signed file: its JSON name and its string value, or NULL for JSON null (a field left out). */
typedef struct field {
    const char *name;
    const char *value;
} field;

/* Text built into a caller's buffer; `overflow` once it no longer fits. */
typedef struct text {
    char *p;
    size_t capacity, len;
    int overflow;
} text;

static void add_bytes(text *t, const char *s, size_t n) {
    if (t->overflow || t->len + n >= t->capacity) {
        t->overflow = 1;
        return;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

static void add(text *t, const char *s) { add_bytes(t, s, strlen(s)); }

/* A string as JSON.stringify writes it (its input is valid UTF-8, so no lone surrogates). */
static void add_json_string(text *t, const char *s) {
    add(t, "\"");
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        char escaped[8];
        switch (ch) {
            case '"': add(t, "\\\""); break;
            case '\\': add(t, "\\\\"); break;
            case '\b': add(t, "\\b"); break;
            case '\f': add(t, "\\f"); break;
            case '\n': add(t, "\\n"); break;
            case '\r': add(t, "\\r"); break;
            case '\t': add(t, "\\t"); break;
            default:
                if (ch < 0x20) {
                    snprintf(escaped, sizeof escaped, "\\u%04x", ch);
                    add(t, escaped);
                } else add_bytes(t, s, 1);
        }
    }
    add(t, "\"");
}

static void add_json_value(text *t, const char *value) {
    if (value) add_json_string(t, value);
    else add(t, "null");
}

/* The bytes the machine key signs. */
static int signing_input(const char *format, const field *fields, size_t count, text *t) {
    add(t, format);
    for (size_t i = 0; i < count; i++) {
        add(t, "\n");
        add(t, fields[i].name);
        add(t, "=");
        add_json_value(t, fields[i].value);
    }
    return t->overflow ? -1 : 0;
}

/* The file: its format, the fields given (nulls left out), and the signature. */
static int signed_file(const char *format, const field *fields, size_t count, const uint8_t secret_key[64], char *out, size_t capacity) {
    char input_buffer[NGN_OFFLINE_FILE_MAX];
    text input = { input_buffer, sizeof input_buffer, 0, 0 };
    if (signing_input(format, fields, count, &input) != 0) return NGN_OFFLINE_BAD_INPUT;
    uint8_t signature[crypto_sign_BYTES];
    crypto_sign_detached(signature, NULL, (const unsigned char *)input.p, input.len, secret_key);
    char signature_text[sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(signature_text, sizeof signature_text, signature, sizeof signature, sodium_base64_VARIANT_URLSAFE_NO_PADDING);

    text file = { out, capacity, 0, 0 };
    add(&file, "{\n  \"format\": ");
    add_json_string(&file, format);
    for (size_t i = 0; i < count; i++) {
        if (!fields[i].value) continue;
        add(&file, ",\n  ");
        add_json_string(&file, fields[i].name);
        add(&file, ": ");
        add_json_string(&file, fields[i].value);
    }
    add(&file, ",\n  \"signature\": ");
    add_json_string(&file, signature_text);
    add(&file, "\n}\n");
    return file.overflow ? NGN_OFFLINE_TOO_SMALL : NGN_OFFLINE_OK;
}

static void base64url(const uint8_t *bytes, size_t len, char *out, size_t capacity) {
    sodium_bin2base64(out, capacity, bytes, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* UTC as an ISO 8601 date-time (days to civil date: Howard Hinnant's algorithm, no time zone library). */
static void iso_time(int64_t seconds, char out[32]) {
    int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
    int64_t rest = seconds - days * 86400;
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t day = doy - (153 * mp + 2) / 5 + 1;
    int64_t month = mp < 10 ? mp + 3 : mp - 9;
    int64_t year = yoe + era * 400 + (month <= 2);
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)year, (int)month, (int)day, (int)(rest / 3600), (int)(rest / 60 % 60),
             (int)(rest % 60));
}

static void nonce(char out[32]) {
    uint8_t bytes[16];
    randombytes_buf(bytes, sizeof bytes);
    base64url(bytes, sizeof bytes, out, 32);
}

/* What every signed file carries: this machine's key (public, base64url), a fresh nonce and the time. */
typedef struct signer {
    uint8_t secret_key[64];
    char machine_key[64];
    char nonce[32];
    char now[32];
} signer;

static int new_signer(signer *s) {
    uint8_t public_key[32];
    if (ngn_machine_key(public_key, s->secret_key) != 0) return NGN_OFFLINE_NO_KEYCHAIN;
    base64url(public_key, sizeof public_key, s->machine_key, sizeof s->machine_key);
    nonce(s->nonce);
    iso_time((int64_t)time(NULL), s->now);
    return NGN_OFFLINE_OK;
}

/* The license key as the API reads it (trimmed, upper case); only the characters a key has. */
static int normalized_license_key(const char *input, char out[LICENSE_KEY_MAX + 1]) {
    while (*input == ' ' || *input == '\t' || *input == '\r' || *input == '\n') input++;
    size_t n = strlen(input);
    while (n > 0 && (input[n - 1] == ' ' || input[n - 1] == '\t' || input[n - 1] == '\r' || input[n - 1] == '\n')) n--;
    if (n == 0 || n > LICENSE_KEY_MAX) return -1;
    for (size_t i = 0; i < n; i++) {
        char ch = input[i];
        if (ch >= 'a' && ch <= 'z') ch = (char)(ch - 'a' + 'A');
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-')) return -1;
        out[i] = ch;
    }
    out[n] = '\0';
    return 0;
}

/* A machine name the API keeps as sent: no control characters, no spaces around it, at most 100 UTF-16 units. */
static void machine_text(const char *input, char out[MACHINE_TEXT_MAX * 4 + 1]) {
    size_t n = 0, units = 0;
    for (const char *s = input ? input : ""; *s && n < MACHINE_TEXT_MAX * 4; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch < 0x20 || ch == 0x7F || (n == 0 && ch == ' ')) continue;
        /* A character starts at a byte that is not a continuation; one beyond U+FFFF is two units in JavaScript. */
        if ((ch & 0xC0) != 0x80 && (units += ch >= 0xF0 ? 2 : 1) > MACHINE_TEXT_MAX) break;
        out[n++] = (char)ch;
    }
    while (n > 0 && out[n - 1] == ' ') n--;
    out[n] = '\0';
    if (n == 0 || !ngn_utf8_valid((const uint8_t *)out, n)) strcpy(out, "Studio computer");
}

int ngn_offline_request(const char *product, const char *license_key, const char *machine_name, char *out, size_t capacity) {
    char token_path[NGN_PATH_MAX], key[LICENSE_KEY_MAX + 1], fingerprint[NGN_FINGERPRINT_LEN + 1];
    if (ngn_init() != 0 || !out || !license_key || ngn_token_path(product, token_path, sizeof token_path) != 0 ||
        normalized_license_key(license_key, key) != 0)
        return NGN_OFFLINE_BAD_INPUT;
    if (ngn_machine_fingerprint(fingerprint) != 0) return NGN_OFFLINE_BAD_INPUT;
    char host[256] = "";
    if (!machine_name && ngn_computer_name(host, sizeof host) == 0) machine_name = host;
    char name[MACHINE_TEXT_MAX * 4 + 1];
    machine_text(machine_name, name);

    signer sig;
    if (new_signer(&sig) != NGN_OFFLINE_OK) return NGN_OFFLINE_NO_KEYCHAIN;
    const field fields[] = {
        { "product", product }, { "license_key", key }, { "fingerprint", fingerprint }, { "components", NULL },
        { "machine_name", name }, { "os", OS_NAME }, { "app_version", NULL }, { "nonce", sig.nonce },
        { "created_at", sig.now }, { "machine_key", sig.machine_key },
    };
    int result = signed_file(REQUEST_FORMAT, fields, sizeof fields / sizeof fields[0], sig.secret_key, out, capacity);
    sodium_memzero(sig.secret_key, sizeof sig.secret_key);
    return result;
}

int ngn_offline_load_response(const ngn_options *options, const char *text_in, size_t len, ngn_license_state *state) {
    memset(state, 0, sizeof *state);
    state->code = NGN_NOT_ACTIVATED;
    ngn_activation_response response;
    char token_path[NGN_PATH_MAX], fingerprint[NGN_FINGERPRINT_LEN + 1];
    if (ngn_init() != 0 || !options || !text_in || ngn_token_path(options->product, token_path, sizeof token_path) != 0 ||
        ngn_parse_activation_response(text_in, len, &response) != 0 || !ngn_json_string_equals(&response.format, RESPONSE_FORMAT))
        return NGN_OFFLINE_BAD_INPUT;
    if (ngn_machine_fingerprint(fingerprint) != 0) {
        state->code = NGN_MACHINE_ID_UNAVAILABLE;
        return NGN_OFFLINE_TOKEN_REFUSED;
    }
    signer sig;
    if (new_signer(&sig) != NGN_OFFLINE_OK) return NGN_OFFLINE_NO_KEYCHAIN;
    sodium_memzero(sig.secret_key, sizeof sig.secret_key);
    if (!ngn_json_string_equals(&response.product, options->product) || !ngn_json_string_equals(&response.fingerprint, fingerprint) ||
        !ngn_json_string_equals(&response.machine_key, sig.machine_key))
        return NGN_OFFLINE_OTHER_COMPUTER;

    /* The token itself must be this machine's and valid now: the file around it is not signed. */
    ngn_verify_input input = { options->product, fingerprint, options->keys, options->key_count, options->entitlements,
                               options->entitlement_count, (int64_t)time(NULL), 0 };
    if (ngn_verify_token(response.token, response.token_len, &input, state) != NGN_VALID) return NGN_OFFLINE_TOKEN_REFUSED;

    char token[8192 + 2];
    if (response.token_len + 1 >= sizeof token) return NGN_OFFLINE_BAD_INPUT;
    memcpy(token, response.token, response.token_len);
    token[response.token_len] = '\n';
    if (ngn_make_parent_folders(token_path) != 0 || ngn_file_replace(token_path, token, response.token_len + 1) != 0) return NGN_OFFLINE_IO;
    ngn_license_check(options, state);
    return NGN_OFFLINE_OK;
}

/* "<product>.ngnreceipt" beside the token. */
static int receipt_path(const char *token_path, char *out, size_t capacity) {
    size_t n = strlen(token_path) - 4; /* without ".jwt" */
    int written = snprintf(out, capacity, "%.*s.ngnreceipt", (int)n, token_path);
    return written > 0 && (size_t)written < capacity ? 0 : -1;
}

int ngn_offline_deactivate(const ngn_options *options, char *out, size_t capacity) {
    char token_path[NGN_PATH_MAX], saved_path[NGN_PATH_MAX], fingerprint[NGN_FINGERPRINT_LEN + 1];
    if (ngn_init() != 0 || !options || !out || ngn_token_path(options->product, token_path, sizeof token_path) != 0 ||
        receipt_path(token_path, saved_path, sizeof saved_path) != 0)
        return NGN_OFFLINE_BAD_INPUT;
    char token[8192];
    long len = ngn_file_read(token_path, token, sizeof token);
    if (len < 0 || ngn_machine_fingerprint(fingerprint) != 0) return NGN_OFFLINE_NOT_ACTIVATED;
    /* Whatever its time says (ended, offline too long), a token of this machine names the seat to free. */
    ngn_verify_input input = { options->product, fingerprint, options->keys, options->key_count, NULL, 0, (int64_t)time(NULL), 0 };
    ngn_license_state state;
    if (!ngn_code_is_this_machines(ngn_verify_token(token, (size_t)len, &input, &state)) || !state.has_claims || !state.activation_id[0])
        return NGN_OFFLINE_NOT_ACTIVATED;

    signer sig;
    if (new_signer(&sig) != NGN_OFFLINE_OK) return NGN_OFFLINE_NO_KEYCHAIN;
    const field fields[] = {
        { "activation_id", state.activation_id }, { "product", options->product }, { "fingerprint", fingerprint },
        { "machine_key", sig.machine_key }, { "nonce", sig.nonce }, { "deactivated_at", sig.now },
    };
    int result = signed_file(RECEIPT_FORMAT, fields, sizeof fields / sizeof fields[0], sig.secret_key, out, capacity);
    sodium_memzero(sig.secret_key, sizeof sig.secret_key);
    if (result != NGN_OFFLINE_OK) return result;
    /* The receipt is kept before the token goes: a crash in between leaves both, and the machine licensed. */
    if (ngn_file_replace(saved_path, out, strlen(out)) != 0) {
        out[0] = '\0';
        return NGN_OFFLINE_IO;
    }
    /* A token that stays must not leave a receipt that frees its seat. */
    if (ngn_file_remove(token_path) != 0) {
        (void)ngn_file_remove(saved_path);
        out[0] = '\0';
        return NGN_OFFLINE_IO;
    }
    return NGN_OFFLINE_OK;
}

const char *ngn_offline_message(int result) {
    switch (result) {
        case NGN_OFFLINE_OK: return "Done.";
        case NGN_OFFLINE_BAD_INPUT: return "This is not a license key or an activation response for this plugin.";
        case NGN_OFFLINE_NO_KEYCHAIN:
            return "The plugin cannot use this computer's keychain. Unlock it, or activate this computer by file in NextGen Noise Companion.";
        case NGN_OFFLINE_OTHER_COMPUTER:
            return "This activation response was made for another computer. Load it on the computer that made the request.";
        case NGN_OFFLINE_TOKEN_REFUSED: return "The activation in this response is not valid here. Make a new request on this computer.";
        case NGN_OFFLINE_IO: return "The activation could not be saved. Check that your user folder can be written.";
        case NGN_OFFLINE_NOT_ACTIVATED: return "This computer is not activated for this plugin, so there is nothing to deactivate.";
        case NGN_OFFLINE_TOO_SMALL: return "The buffer for the file is too small.";
    }
    return "Unknown result.";
}
