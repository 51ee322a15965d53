/*
 * NextGen Noise license SDK: the offline check a plugin makes before it runs.
 *
 * One call does everything docs/activation-token.md asks of a plugin: find the
 * product's token file, compute this machine's fingerprint, verify the token's
 * Ed25519 signature against keys compiled into the plugin, check product,
 * machine, license end, offline grace and entitlements, and refuse a clock that
 * was set back. No network, no allocation: everything lives in the caller's
 * ngn_license_state and on the stack, and nothing is held after a call returns.
 *
 *     ngn_license_state state;
 *     ngn_options options = { "mixing_mentor", NGN_PINNED_KEYS, NGN_PINNED_KEY_COUNT, NULL, 0 };
 *     if (ngn_license_check(&options, &state) == NGN_VALID) { ...process audio... }
 *
 * Call it when a plugin instance is created, never from the audio thread: it
 * reads two small files.
 */
#ifndef NGN_LICENSE_H
#define NGN_LICENSE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The verdicts of verifyActivationToken in @ngn/shared, plus CLOCK_TAMPERED,
 * and two the SDK meets before it has a token to verify. */
typedef enum ngn_code {
    NGN_VALID = 0,
    NGN_MALFORMED,
    NGN_UNKNOWN_KEY,
    NGN_BAD_SIGNATURE,
    NGN_PRODUCT_MISMATCH,
    NGN_FINGERPRINT_MISMATCH,
    NGN_EXPIRED,
    NGN_GRACE_EXPIRED,
    NGN_ENTITLEMENT_MISSING,
    NGN_CLOCK_TAMPERED,
    /* No token file for this product: the machine was never activated (or was deactivated). */
    NGN_NOT_ACTIVATED,
    /* The operating system would not tell this machine's id. */
    NGN_MACHINE_ID_UNAVAILABLE
} ngn_code;

/* One public key of the API's JWKS: its kid and its x (the raw 32-byte
 * Ed25519 key, base64url), exactly as the JWKS spells them. */
typedef struct ngn_public_key {
    const char *kid;
    const char *x;
} ngn_public_key;

/* What a plugin is and what it trusts. */
typedef struct ngn_options {
    const char *product;                 /* e.g. "mixing_mentor" */
    const ngn_public_key *keys;          /* usually NGN_PINNED_KEYS from the generated header */
    size_t key_count;
    const char *const *entitlements;     /* all must be granted; may be NULL */
    size_t entitlement_count;
} ngn_options;

/* Sizes of the claims the SDK keeps; longer values are MALFORMED. */
#define NGN_FINGERPRINT_LEN 64
#define NGN_ID_MAX 64
#define NGN_PATH_MAX 1024

/* What the check found. The claims are filled once the signature checked out
 * (has_claims), whatever the verdict, so an editor can say which license ended. */
typedef struct ngn_license_state {
    ngn_code code;
    int has_claims;
    char license_id[NGN_ID_MAX + 1];
    char activation_id[NGN_ID_MAX + 1];
    char license_type[NGN_ID_MAX + 1];   /* perpetual, subscription, trial or nfr */
    char policy[NGN_ID_MAX + 1];
    int64_t issued_at;                   /* iat */
    int64_t grace_ends_at;               /* exp */
    int64_t license_expires_at;          /* 0 when the license never ends */
    int64_t checked_at;                  /* the clock the verdict was made with */
    char token_path[NGN_PATH_MAX];
} ngn_license_state;

/* The pure verification of one token, for tests and for hosts that keep the
 * token elsewhere: every input is given, nothing is read or written. */
typedef struct ngn_verify_input {
    const char *product;
    const char *fingerprint;             /* this machine's: 64 hex */
    const ngn_public_key *keys;
    size_t key_count;
    const char *const *entitlements;
    size_t entitlement_count;
    int64_t now;                         /* seconds since the epoch */
    int64_t clock_mark;                  /* latest time seen on this machine; 0 for none */
} ngn_verify_input;

/* Initialises libsodium; ngn_license_check calls it too. 0 on success. */
int ngn_init(void);

/* The whole offline check (see the top of this file). Also moves the product's
 * clock mark forward when the token is this machine's. */
ngn_code ngn_license_check(const ngn_options *options, ngn_license_state *state);

/* Verifies a compact token (trailing whitespace allowed) against the input. */
ngn_code ngn_verify_token(const char *token, size_t token_len, const ngn_verify_input *input, ngn_license_state *state);

/* fingerprint = hex(HMAC-SHA256("nextgen-noise/machine-fingerprint/v1", lowercase(trim(raw_id)))).
 * out receives 64 hex characters and a NUL. 0 on success, -1 for an empty id. */
int ngn_fingerprint_of(const char *raw_machine_id, size_t len, char out[NGN_FINGERPRINT_LEN + 1]);

/* This machine's fingerprint (Linux machine-id, macOS IOPlatformUUID, Windows MachineGuid). */
int ngn_machine_fingerprint(char out[NGN_FINGERPRINT_LEN + 1]);

/* Where the Companion writes the product's token, by the rules of
 * docs/activation-token.md. `platform` is "win32", "darwin" or "linux";
 * `app_data` (Windows %APPDATA%) and `xdg_data_home` (Linux) may be NULL.
 * 0 on success, -1 for a bad product id or a path longer than `capacity`. */
int ngn_token_path_for(const char *platform, const char *home, const char *app_data, const char *xdg_data_home,
                       const char *product, char *out, size_t capacity);

/* The same for this machine and user, from its environment. */
int ngn_token_path(const char *product, char *out, size_t capacity);

/* The clock mark beside the token: "<token path without .jwt>.clock". */
int ngn_clock_mark_path(const char *token_path, char *out, size_t capacity);

/* The text of a clock mark file: "ngn-clock-v1 <seconds> <hex HMAC-SHA256>\n",
 * keyed by the fingerprint over "ngn-clock-v1 <product> <seconds>". */
int ngn_clock_mark_encode(const char *product, const char *fingerprint, int64_t seconds, char *out, size_t capacity);

/* Reads a mark written by ngn_clock_mark_encode; 0 and *seconds on success,
 * -1 if the text is not one (edited, truncated, another product or machine). */
int ngn_clock_mark_decode(const char *text, size_t len, const char *product, const char *fingerprint, int64_t *seconds);

/* "VALID", "MALFORMED", ... as the TypeScript verifier names them. */
const char *ngn_code_name(ngn_code code);

/* One sentence a plugin can show its user for the code. */
const char *ngn_code_message(ngn_code code);

/* Plugin telemetry without network code: appends one event to the product's
 * spool beside its token ("<product>.telemetry", JSON lines); the Companion
 * sends it on its schedule, attributed to this machine's activation, and
 * deletes it unread when the user turned telemetry off. `event_type` is one of
 * the API's telemetry types (session_start, session_end, feature_used, crash,
 * error, ...); `json_fields` is a JSON object of the event's other fields
 * (daw_type, plugin_version, session_duration_secs, features_used,
 * crash_report, custom_data), or NULL. The spool holds at most
 * NGN_TELEMETRY_SPOOL_MAX bytes: past that the oldest events go. A few file
 * operations: never call it from the audio thread.
 * 0 on success; -1 for bad input; -2 when the spool cannot be written (e.g. the
 * machine was never activated, so there is no folder to write it in). */
int ngn_telemetry_record(const char *product, const char *event_type, const char *json_fields);

#define NGN_TELEMETRY_FIELDS_MAX 8192
#define NGN_TELEMETRY_SPOOL_MAX (256 * 1024)

/*
 * Activation by file, for a studio computer that never goes online and has no
 * Companion (docs/licensing.md, "Offline machines"; the formats are
 * shared/src/schemas/airgap.ts). The plugin's own screen offers three buttons:
 *
 *  1. ngn_offline_request: the text of an activation request (.ngnreq) the
 *     user saves and carries to any online device (the /offline page of the
 *     API, or the Companion of another computer), signed with this machine's
 *     Ed25519 key. The key is made on first use and kept in the keychain entry
 *     the Companion uses (Secret Service on Linux, Credential Manager on
 *     Windows), so one machine has one key whichever made it.
 *  2. ngn_offline_load_response: the response (.ngnresp) brought back. Its
 *     token is verified (this product, this machine, this key, the pinned
 *     keys) and written where the Companion would write it; then the usual
 *     check runs and its verdict is returned in `state`.
 *  3. ngn_offline_deactivate: lets go of the seat. The receipt (.ngnreceipt)
 *     is signed, saved beside the token, then the token is deleted; uploading
 *     the receipt frees the seat at once.
 *
 * They read and write small files and may ask the keychain: never call them
 * from the audio thread.
 */
typedef enum ngn_offline_result {
    NGN_OFFLINE_OK = 0,
    NGN_OFFLINE_BAD_INPUT = -1,       /* not a product id or license key, or not a response file */
    NGN_OFFLINE_NO_KEYCHAIN = -2,     /* the machine key cannot be read or stored (no keychain, locked, or this platform) */
    NGN_OFFLINE_OTHER_COMPUTER = -3,  /* the response answers another computer's (or another product's) request */
    NGN_OFFLINE_TOKEN_REFUSED = -4,   /* the response's token does not verify here; state->code says why */
    NGN_OFFLINE_IO = -5,              /* the token folder cannot be written */
    NGN_OFFLINE_NOT_ACTIVATED = -6,   /* nothing to deactivate: no token of this machine for the product */
    NGN_OFFLINE_TOO_SMALL = -7        /* `capacity` is too small for the file's text */
} ngn_offline_result;

/* Room enough for any request or receipt text. */
#define NGN_OFFLINE_FILE_MAX 2048

/* The request text in `out` (NUL-terminated). `machine_name` may be NULL for the
 * computer's name. Returns NGN_OFFLINE_OK or a negative ngn_offline_result. */
int ngn_offline_request(const char *product, const char *license_key, const char *machine_name, char *out, size_t capacity);

/* Verifies the response text and writes its token; `state` then holds the
 * check's verdict (see ngn_license_check). */
int ngn_offline_load_response(const ngn_options *options, const char *text, size_t len, ngn_license_state *state);

/* The receipt text in `out`, also saved as "<product>.ngnreceipt" beside
 * where the token was, so a crash after the token is gone loses nothing. */
int ngn_offline_deactivate(const ngn_options *options, char *out, size_t capacity);

/* One sentence a plugin can show its user for an ngn_offline_result. */
const char *ngn_offline_message(int result);

/* The tolerances of the clock rule, in seconds. */
#define NGN_CLOCK_FUTURE_IAT_TOLERANCE 300
#define NGN_CLOCK_ROLLBACK_TOLERANCE 86400

#ifdef __cplusplus
}
#endif

#endif
