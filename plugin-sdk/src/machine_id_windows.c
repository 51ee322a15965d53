/* Windows: MachineGuid from HKLM\SOFTWARE\Microsoft\Cryptography, always the 64-bit view
 * (a 32-bit plugin in WOW64 would otherwise read a redirected key). */
#include <windows.h>

#include "internal.h"

int ngn_raw_machine_id(char *out, size_t capacity) {
    HKEY key;
    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\Microsoft\\Cryptography", 0, KEY_READ | KEY_WOW64_64KEY, &key) != ERROR_SUCCESS)
        return -1;
    wchar_t value[128];
    DWORD size = sizeof value - sizeof(wchar_t), type = 0;
    LONG status = RegQueryValueExW(key, L"MachineGuid", NULL, &type, (LPBYTE)value, &size);
    RegCloseKey(key);
    if (status != ERROR_SUCCESS || type != REG_SZ) return -1;
    value[size / sizeof(wchar_t)] = L'\0';
    return WideCharToMultiByte(CP_UTF8, 0, value, -1, out, (int)capacity, NULL, NULL) > 0 ? 0 : -1;
}
