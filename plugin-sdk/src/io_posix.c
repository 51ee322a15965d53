/* Files and the user's folders on macOS, Linux and other Unix systems. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

long ngn_file_read(const char *path, char *out, size_t capacity) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t total = 0;
    for (;;) {
        char extra;
        char *into = total < capacity ? out + total : &extra;
        size_t room = total < capacity ? capacity - total : 1;
        ssize_t n = read(fd, into, room);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { close(fd); return -1; }
        if (n == 0) break;
        if (total >= capacity) { close(fd); return -2; }
        total += (size_t)n;
    }
    close(fd);
    return (long)total;
}

int ngn_file_replace(const char *path, const char *data, size_t len) {
    char temp[NGN_PATH_MAX + 32];
    if (snprintf(temp, sizeof temp, "%s.%ld.tmp", path, (long)getpid()) >= (int)sizeof temp) return -1;
    int fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += (size_t)n;
    }
    int ok = done == len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(temp, path) != 0) {
        unlink(temp);
        return -1;
    }
    return 0;
}

long ngn_file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

int ngn_file_append_line(const char *path, const char *line, size_t len) {
    int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    struct stat st;
    char last = '\n';
    if (fstat(fd, &st) != 0 || (st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) != 1)) {
        close(fd);
        return -1;
    }
    /* Close a torn last line so it spoils only itself; then the whole line in one write. */
    char buffer[NGN_TELEMETRY_FIELDS_MAX + 512];
    size_t offset = last == '\n' ? 0 : 1;
    if (len + offset > sizeof buffer) { close(fd); return -1; }
    buffer[0] = '\n';
    memcpy(buffer + offset, line, len);
    ssize_t written = write(fd, buffer, len + offset);
    int ok = written == (ssize_t)(len + offset);
    return close(fd) == 0 && ok ? 0 : -1;
}

int ngn_file_remove(const char *path) {
    return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}

int ngn_make_parent_folders(const char *file_path) {
    char path[NGN_PATH_MAX];
    size_t n = strlen(file_path);
    if (n >= sizeof path) return -1;
    memcpy(path, file_path, n + 1);
    char *last = strrchr(path, '/');
    if (!last || last == path) return 0;
    *last = '\0';
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        int made = mkdir(path, 0700) == 0 || errno == EEXIST;
        *p = '/';
        if (!made) return -1;
    }
    return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

int ngn_computer_name(char *out, size_t capacity) {
    if (capacity < 2 || gethostname(out, capacity - 1) != 0) return -1;
    out[capacity - 1] = '\0';
    return 0;
}

static const char *home_folder(void) {
    const char *home = getenv("HOME");
    if (home && *home) return home;
    struct passwd *pw = getpwuid(getuid());
    return pw ? pw->pw_dir : NULL;
}

int ngn_platform_token_path(const char *product, char *out, size_t capacity) {
    const char *home = home_folder();
    if (!home) return -1;
#if defined(__APPLE__)
    return ngn_token_path_for("darwin", home, NULL, NULL, product, out, capacity);
#else
    return ngn_token_path_for("linux", home, NULL, getenv("XDG_DATA_HOME"), product, out, capacity);
#endif
}
