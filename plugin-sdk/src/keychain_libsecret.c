/* The machine key's keychain entry on Linux and other freedesktop systems: the Secret Service, through libsecret. */
#include <string.h>

#include <libsecret/secret.h>

#include "internal.h"

/* keytar's schema and label, so the Companion and a plugin read and write one entry. */
static const SecretSchema companion_schema = {
    .name = "org.freedesktop.Secret.Generic",
    .flags = SECRET_SCHEMA_NONE,
    .attributes = { { "service", SECRET_SCHEMA_ATTRIBUTE_STRING }, { "account", SECRET_SCHEMA_ATTRIBUTE_STRING }, { NULL, 0 } },
};

int ngn_keychain_get(const char *account, char *out, size_t capacity) {
    GError *error = NULL;
    gchar *secret = secret_password_lookup_sync(&companion_schema, NULL, &error, "service", NGN_KEYCHAIN_SERVICE, "account", account, NULL);
    if (error) {
        g_error_free(error);
        return -1;
    }
    if (!secret) return 1;
    size_t n = strlen(secret);
    int result = n < capacity ? 0 : -1;
    if (result == 0) memcpy(out, secret, n + 1);
    secret_password_free(secret);
    return result;
}

int ngn_keychain_set(const char *account, const char *text) {
    char label[128];
    size_t service_len = strlen(NGN_KEYCHAIN_SERVICE), account_len = strlen(account);
    if (service_len + 1 + account_len >= sizeof label) return -1;
    memcpy(label, NGN_KEYCHAIN_SERVICE, service_len);
    label[service_len] = '/';
    memcpy(label + service_len + 1, account, account_len + 1);
    GError *error = NULL;
    gboolean stored = secret_password_store_sync(&companion_schema, SECRET_COLLECTION_DEFAULT, label, text, NULL, &error, "service",
                                                 NGN_KEYCHAIN_SERVICE, "account", account, NULL);
    if (error) g_error_free(error);
    return stored ? 0 : -1;
}
