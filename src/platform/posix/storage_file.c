/* tern — file-backed storage for the client's storage port: one file per
 * blob, 0600, temp file + fsync + rename (+ fsync of the directory). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tern/posix.h"

int tern_posix_storage_init(tern_posix_storage *s, const char *dir)
{
    if (!s || !dir || strlen(dir) + 80 > sizeof s->dir)
        return TERN_EINVAL;
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return TERN_EIO;
    return TERN_OK;
}

static int name_ok(const char *n)
{
    size_t l = strlen(n);
    if (l == 0 || l > 64 || n[0] == '.')
        return 0;
    for (size_t i = 0; i < l; i++) {
        char c = n[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-'))
            return 0;
    }
    return 1;
}

int tern_posix_storage_read(void *ctx, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
    tern_posix_storage *s = ctx;
    char path[sizeof s->dir + 80];
    if (!name_ok(name))
        return TERN_EINVAL;
    snprintf(path, sizeof path, "%s/%s", s->dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? TERN_ENOTFOUND : TERN_EIO;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return TERN_EIO;
    }
    size_t want = TERN_MIN(cap, (size_t)st.st_size), got = 0;
    while (got < want) {
        ssize_t n = read(fd, buf + got, want - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return TERN_EIO;
        }
        got += (size_t)n;
    }
    close(fd);
    *len = (size_t)st.st_size;
    return TERN_OK;
}

int tern_posix_storage_write(void *ctx, const char *name, const uint8_t *data, size_t len)
{
    tern_posix_storage *s = ctx;
    char path[sizeof s->dir + 80], tmp[sizeof s->dir + 90];
    if (!name_ok(name))
        return TERN_EINVAL;
    snprintf(path, sizeof path, "%s/%s", s->dir, name);
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", s->dir, name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return TERN_EIO;
    (void)fchmod(fd, 0600); /* the blob holds keys: never wider than 0600 */
    size_t put = 0;
    while (put < len) {
        ssize_t n = write(fd, data + put, len - put);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto fail;
        put += (size_t)n;
    }
    if (fsync(fd) < 0)
        goto fail;
    if (close(fd) < 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) < 0)
        goto fail;
    int dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    return TERN_OK;
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return TERN_EIO;
}
