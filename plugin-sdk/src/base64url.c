#include "internal.h"

static int sextet(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

int ngn_base64url_valid(const char *text, size_t len) {
    if (len % 4 == 1) return 0;
    for (size_t i = 0; i < len; i++)
        if (sextet(text[i]) < 0) return 0;
    return 1;
}

long ngn_base64url_decode(const char *text, size_t len, uint8_t *out, size_t capacity) {
    /* One leftover character carries fewer than 8 bits: never a valid encoding. */
    if (len % 4 == 1) return -1;
    if (len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0) > capacity) return -1;
    uint32_t buffer = 0;
    int bits = 0;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        int v = sextet(text[i]);
        if (v < 0) return -1;
        buffer = (buffer << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (uint8_t)(buffer >> bits);
            buffer &= (1u << bits) - 1u;
        }
    }
    return (long)n;
}

int ngn_utf8_valid(const uint8_t *s, size_t len) {
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) { i++; continue; }
        size_t need;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) { need = 1; cp = c & 0x1Fu; }
        else if (c >= 0xE0 && c <= 0xEF) { need = 2; cp = c & 0x0Fu; }
        else if (c >= 0xF0 && c <= 0xF4) { need = 3; cp = c & 0x07u; }
        else return 0;
        if (len - i <= need) return 0;
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + k] & 0x3Fu);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
        if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
        i += need + 1;
    }
    return 1;
}
