/*
 * Plugin telemetry without network code: events go to a spool file beside the
 * token, and the Companion sends them (see ngn_license.h). Each line is
 *   {"event_id":"<uuid>","event_type":"...","recorded_at":<seconds>,"fields":{...}}
 * The event_id is made here, once, so a spool read twice (a Companion that died
 * mid-way) is counted once by the server.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "internal.h"

static int is_event_type(const char *type) {
    size_t n = type ? strlen(type) : 0;
    if (n < 1 || n > 32) return 0;
    for (size_t i = 0; i < n; i++)
        if (!((type[i] >= 'a' && type[i] <= 'z') || type[i] == '_')) return 0;
    return 1;
}

static int spool_path(const char *product, char *out, size_t capacity) {
    char token_path[NGN_PATH_MAX];
    if (ngn_token_path(product, token_path, sizeof token_path) != 0) return -1;
    size_t n = strlen(token_path) - 4; /* without ".jwt" */
    int written = snprintf(out, capacity, "%.*s.telemetry", (int)n, token_path);
    return written > 0 && (size_t)written < capacity ? 0 : -1;
}

static void uuid_v4(char out[37]) {
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5], b[6],
             b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* Keeps the newest whole lines that fit in half the cap, so appends go on for a while before the next trim. */
static int drop_oldest(const char *path) {
    char *text = malloc(NGN_TELEMETRY_SPOOL_MAX + 1);
    if (!text) return -1;
    long n = ngn_file_read(path, text, NGN_TELEMETRY_SPOOL_MAX);
    int result = -1;
    if (n == -2) {
        /* Larger than the cap (written by something else): start over. */
        result = ngn_file_replace(path, "", 0);
    } else if (n >= 0) {
        size_t keep_from = (size_t)n > NGN_TELEMETRY_SPOOL_MAX / 2 ? (size_t)n - NGN_TELEMETRY_SPOOL_MAX / 2 : 0;
        while (keep_from > 0 && keep_from < (size_t)n && text[keep_from - 1] != '\n') keep_from++;
        result = ngn_file_replace(path, text + keep_from, (size_t)n - keep_from);
    }
    free(text);
    return result;
}

int ngn_telemetry_record(const char *product, const char *event_type, const char *json_fields) {
    if (ngn_init() != 0 || !is_event_type(event_type)) return -1;
    const char *fields = json_fields ? json_fields : "{}";
    size_t fields_len = strlen(fields);
    if (fields_len > NGN_TELEMETRY_FIELDS_MAX || !ngn_json_is_object(fields, fields_len)) return -1;
    char path[NGN_PATH_MAX];
    if (spool_path(product, path, sizeof path) != 0) return -1;

    char id[37];
    uuid_v4(id);
    char line[NGN_TELEMETRY_FIELDS_MAX + 256];
    int len = snprintf(line, sizeof line, "{\"event_id\":\"%s\",\"event_type\":\"%s\",\"recorded_at\":%" PRId64 ",\"fields\":%s}\n", id,
                       event_type, (int64_t)time(NULL), fields);
    if (len <= 0 || (size_t)len >= sizeof line) return -1;

    if (ngn_file_size(path) + len > NGN_TELEMETRY_SPOOL_MAX && drop_oldest(path) != 0) return -2;
    return ngn_file_append_line(path, line, (size_t)len) == 0 ? 0 : -2;
}
