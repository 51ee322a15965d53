/* The machine key's keychain entry on Windows: a generic credential in the Credential Manager, as keytar writes it. */
#include <stdio.h>
#include <string.h>
#include <windows.h>
#include <wincred.h>

#include "internal.h"

/* keytar's target name, "<service>/<account>", so the Companion and a plugin share one entry. */
static int target_name(const char *account, wchar_t *out, int capacity) {
    char target[128];
    int n = snprintf(target, sizeof target, "%s/%s", NGN_KEYCHAIN_SERVICE, account);
    if (n <= 0 || (size_t)n >= sizeof target) return -1;
    return MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, target, -1, out, capacity) > 0 ? 0 : -1;
}

int ngn_keychain_get(const char *account, char *out, size_t capacity) {
    wchar_t target[128];
    if (target_name(account, target, 128) != 0) return -1;
    PCREDENTIALW credential = NULL;
    if (!CredReadW(target, CRED_TYPE_GENERIC, 0, &credential)) return GetLastError() == ERROR_NOT_FOUND ? 1 : -1;
    size_t n = credential->CredentialBlobSize;
    int result = n < capacity ? 0 : -1;
    if (result == 0) {
        memcpy(out, credential->CredentialBlob, n);
        out[n] = '\0';
    }
    CredFree(credential);
    return result;
}

int ngn_keychain_set(const char *account, const char *text) {
    wchar_t target[128], user[64];
    if (target_name(account, target, 128) != 0 || MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, account, -1, user, 64) <= 0) return -1;
    CREDENTIALW credential;
    memset(&credential, 0, sizeof credential);
    credential.Type = CRED_TYPE_GENERIC;
    credential.TargetName = target;
    credential.UserName = user;
    credential.CredentialBlobSize = (DWORD)strlen(text);
    credential.CredentialBlob = (LPBYTE)text;
    credential.Persist = CRED_PERSIST_LOCAL_MACHINE;
    return CredWriteW(&credential, 0) ? 0 : -1;
}
