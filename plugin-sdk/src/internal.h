/* Helpers shared by the SDK's sources; not part of its API. */
#ifndef NGN_INTERNAL_H
#define NGN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ngn_license.h"

/* Decodes unpadded base64url, forgiving extra bits like the WHATWG atob the
 * TypeScript verifier uses. Returns the byte count, or -1. */
long ngn_base64url_decode(const char *text, size_t len, uint8_t *out, size_t capacity);

/* Whether the text would decode (whatever its length). */
int ngn_base64url_valid(const char *text, size_t len);

/* Strict UTF-8 (no overlongs, no surrogates, at most U+10FFFF), as a fatal TextDecoder. */
int ngn_utf8_valid(const uint8_t *bytes, size_t len);

/* A bounded string copied out of JSON: `overflow` when it did not fit, so it
 * equals nothing. */
typedef struct ngn_json_string {
    char text[NGN_ID_MAX * 4 + 1];
    size_t len;
    int overflow;
    int present;
} ngn_json_string;

/* Bits of claims whose last occurrence had the wrong type: JSON.parse keeps
 * the last of duplicate names, and the schema judges only that one. */
typedef uint32_t ngn_bad_claims;

typedef struct ngn_header {
    ngn_json_string alg, typ, kid;
    size_t kid_utf16_len;
    ngn_bad_claims bad;
} ngn_header;

typedef struct ngn_payload {
    ngn_json_string iss, sub, license_id, product, license_type, policy, fingerprint;
    int has_iat, has_exp, has_license_expires_at, license_expires_at_null, has_entitlements;
    int64_t iat, exp, license_expires_at;
    /* Bit i: the caller's i-th required entitlement is granted. */
    uint64_t granted;
    ngn_bad_claims bad;
} ngn_payload;

/* Parse a decoded JWS segment; 0 when it holds what the schema requires. */
int ngn_parse_header(const uint8_t *json, size_t len, ngn_header *header);
int ngn_parse_payload(const uint8_t *json, size_t len, const char *const *required, size_t required_count,
                      ngn_payload *payload);

int ngn_json_string_equals(const ngn_json_string *s, const char *text);

/* Whole small files: the byte count read (at most capacity), -1 when absent or unreadable, -2 when larger. */
long ngn_file_read(const char *path, char *out, size_t capacity);

/* Replaces a file atomically (temp file in the same folder, then rename), owner-only. 0 on success. */
int ngn_file_replace(const char *path, const char *data, size_t len);

/* A file's size in bytes; 0 when it does not exist. */
long ngn_file_size(const char *path);

/* Appends one line to a file (created owner-only), in one write. A last line
 * cut short by a crash is closed with a newline first, so it spoils only itself.
 * 0 on success, -1 when the file cannot be opened or written. */
int ngn_file_append_line(const char *path, const char *line, size_t len);

/* Whether the text is exactly one JSON object (whitespace around it allowed). */
int ngn_json_is_object(const char *text, size_t len);

/* The operating system's raw machine id (see docs/activation-token.md). 0 on success. */
int ngn_raw_machine_id(char *out, size_t capacity);

/* The current user's environment for ngn_token_path_for. */
int ngn_platform_token_path(const char *product, char *out, size_t capacity);

/* The Companion's keychain service: entries the SDK shares with it. */
#define NGN_KEYCHAIN_SERVICE "NextGen Noise Companion"

/* The text of this service's entry for `account`: 0 and the NUL-terminated
 * text, 1 when there is none, -1 when the keychain cannot be used. */
int ngn_keychain_get(const char *account, char *out, size_t capacity);

/* Stores (or replaces) the entry. 0 on success. */
int ngn_keychain_set(const char *account, const char *text);

/* This machine's Ed25519 key for files, made and stored on first use. 0 on success. */
int ngn_machine_key(uint8_t public_key[32], uint8_t secret_key[64]);

/* The computer's name, as the Companion names a machine. 0 on success. */
int ngn_computer_name(char *out, size_t capacity);

/* Creates the folders above a file (owner-only). 0 when they exist afterwards. */
int ngn_make_parent_folders(const char *file_path);

/* Deletes a file; 0 also when it was not there. */
int ngn_file_remove(const char *path);

/* Whether a verdict comes from a token signed for this product and machine
 * (its claims can be trusted, whatever the verdict says of time or grace). */
int ngn_code_is_this_machines(ngn_code code);

/* The fields of an activation response file (.ngnresp) the SDK needs; the
 * token points into the parsed text (a compact JWS needs no JSON escapes). */
typedef struct ngn_activation_response {
    ngn_json_string format, product, fingerprint, machine_key;
    const char *token;
    size_t token_len;
} ngn_activation_response;

int ngn_parse_activation_response(const char *json, size_t len, ngn_activation_response *response);

#endif
