/* Files and the user's folders on Windows: paths are UTF-8 inside the SDK and UTF-16 at the system's door. */
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>

#include "internal.h"

static int widen(const char *path, wchar_t *out, int capacity) {
    return MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, out, capacity) > 0 ? 0 : -1;
}

long ngn_file_read(const char *path, char *out, size_t capacity) {
    wchar_t wide[NGN_PATH_MAX];
    if (widen(path, wide, NGN_PATH_MAX) != 0) return -1;
    HANDLE file = CreateFileW(wide, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                              FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE) return -1;
    LARGE_INTEGER size;
    long result = -1;
    if (GetFileSizeEx(file, &size)) {
        if ((unsigned long long)size.QuadPart > capacity) result = -2;
        else {
            DWORD read = 0;
            if (ReadFile(file, out, (DWORD)size.QuadPart, &read, NULL)) result = (long)read;
        }
    }
    CloseHandle(file);
    return result;
}

int ngn_file_replace(const char *path, const char *data, size_t len) {
    char temp[NGN_PATH_MAX + 32];
    if (snprintf(temp, sizeof temp, "%s.%lu.tmp", path, (unsigned long)GetCurrentProcessId()) >= (int)sizeof temp) return -1;
    wchar_t wide_temp[NGN_PATH_MAX + 32], wide_path[NGN_PATH_MAX];
    if (widen(temp, wide_temp, NGN_PATH_MAX + 32) != 0 || widen(path, wide_path, NGN_PATH_MAX) != 0) return -1;
    HANDLE file = CreateFileW(wide_temp, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE) return -1;
    DWORD written = 0;
    BOOL ok = WriteFile(file, data, (DWORD)len, &written, NULL) && written == len && FlushFileBuffers(file);
    CloseHandle(file);
    if (!ok || !MoveFileExW(wide_temp, wide_path, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
        DeleteFileW(wide_temp);
        return -1;
    }
    return 0;
}

long ngn_file_size(const char *path) {
    wchar_t wide[NGN_PATH_MAX];
    WIN32_FILE_ATTRIBUTE_DATA data;
    if (widen(path, wide, NGN_PATH_MAX) != 0 || !GetFileAttributesExW(wide, GetFileExInfoStandard, &data)) return 0;
    return (long)data.nFileSizeLow;
}

int ngn_file_append_line(const char *path, const char *line, size_t len) {
    wchar_t wide[NGN_PATH_MAX];
    if (widen(path, wide, NGN_PATH_MAX) != 0) return -1;
    HANDLE file = CreateFileW(wide, GENERIC_READ | FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_ALWAYS,
                              FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE) return -1;
    char last = '\n';
    LARGE_INTEGER size;
    DWORD read = 0;
    BOOL ok = GetFileSizeEx(file, &size);
    if (ok && size.QuadPart > 0) {
        OVERLAPPED at = { 0 };
        at.Offset = (DWORD)((size.QuadPart - 1) & 0xFFFFFFFF);
        at.OffsetHigh = (DWORD)((size.QuadPart - 1) >> 32);
        ok = ReadFile(file, &last, 1, &read, &at) && read == 1;
    }
    /* Close a torn last line so it spoils only itself; then the whole line in one write. */
    char buffer[NGN_TELEMETRY_FIELDS_MAX + 512];
    size_t offset = last == '\n' ? 0 : 1;
    if (ok && len + offset <= sizeof buffer) {
        buffer[0] = '\n';
        memcpy(buffer + offset, line, len);
        DWORD written = 0;
        ok = WriteFile(file, buffer, (DWORD)(len + offset), &written, NULL) && written == len + offset;
    } else ok = FALSE;
    CloseHandle(file);
    return ok ? 0 : -1;
}

int ngn_file_remove(const char *path) {
    wchar_t wide[NGN_PATH_MAX];
    if (widen(path, wide, NGN_PATH_MAX) != 0) return -1;
    return DeleteFileW(wide) || GetLastError() == ERROR_FILE_NOT_FOUND ? 0 : -1;
}

int ngn_make_parent_folders(const char *file_path) {
    wchar_t wide[NGN_PATH_MAX];
    if (widen(file_path, wide, NGN_PATH_MAX) != 0) return -1;
    wchar_t *last = wcsrchr(wide, L'\\');
    if (!last) return 0;
    *last = L'\0';
    /* From the top down; "C:" and a UNC share's leading parts already exist and only fail. */
    for (wchar_t *p = wide + 1; *p; p++) {
        if (*p != L'\\') continue;
        *p = L'\0';
        CreateDirectoryW(wide, NULL);
        *p = L'\\';
    }
    return CreateDirectoryW(wide, NULL) || GetLastError() == ERROR_ALREADY_EXISTS ? 0 : -1;
}

int ngn_computer_name(char *out, size_t capacity) {
    wchar_t name[MAX_COMPUTERNAME_LENGTH + 1];
    DWORD size = MAX_COMPUTERNAME_LENGTH + 1;
    if (!GetComputerNameW(name, &size)) return -1;
    return WideCharToMultiByte(CP_UTF8, 0, name, -1, out, (int)capacity, NULL, NULL) > 0 ? 0 : -1;
}

static int environment(const wchar_t *name, char *out, size_t capacity) {
    wchar_t value[NGN_PATH_MAX];
    DWORD n = GetEnvironmentVariableW(name, value, NGN_PATH_MAX);
    if (n == 0 || n >= NGN_PATH_MAX) return -1;
    return WideCharToMultiByte(CP_UTF8, 0, value, -1, out, (int)capacity, NULL, NULL) > 0 ? 0 : -1;
}

int ngn_platform_token_path(const char *product, char *out, size_t capacity) {
    char home[NGN_PATH_MAX], app_data[NGN_PATH_MAX];
    if (environment(L"USERPROFILE", home, sizeof home) != 0) return -1;
    int has_app_data = environment(L"APPDATA", app_data, sizeof app_data) == 0;
    return ngn_token_path_for("win32", home, has_app_data ? app_data : NULL, NULL, product, out, capacity);
}
