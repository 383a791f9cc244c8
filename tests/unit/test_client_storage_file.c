/* POSIX file storage for the client: round trip, 0600, atomic replace,
 * missing blob, bad names. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tern/posix.h"
#include "tharness.h"

static char g_dir[64];

static void test_roundtrip(void)
{
    tern_posix_storage s;
    CHECK_EQ(tern_posix_storage_init(&s, g_dir), 0);
    uint8_t buf[64];
    size_t len = 0;
    CHECK_EQ(tern_posix_storage_read(&s, "tern-dm", buf, sizeof buf, &len), TERN_ENOTFOUND);
    CHECK_EQ(tern_posix_storage_write(&s, "tern-dm", (const uint8_t *)"secret-1", 8), 0);
    CHECK_EQ(tern_posix_storage_read(&s, "tern-dm", buf, sizeof buf, &len), 0);
    CHECK_EQ(len, 8);
    CHECK_MEM(buf, "secret-1", 8);
    CHECK_EQ(tern_posix_storage_write(&s, "tern-dm", (const uint8_t *)"v2", 2), 0);
    CHECK_EQ(tern_posix_storage_read(&s, "tern-dm", buf, 1, &len), 0);
    CHECK_EQ(len, 2); /* size reported even when cap is smaller */
    char p[128];
    snprintf(p, sizeof p, "%s/tern-dm", g_dir);
    struct stat st;
    CHECK_EQ(stat(p, &st), 0);
    CHECK_EQ(st.st_mode & 0777, 0600);
    snprintf(p, sizeof p, "%s/.tern-dm.tmp", g_dir);
    CHECK(access(p, F_OK) != 0); /* no temp file left */
    CHECK_EQ(tern_posix_storage_write(&s, "../x", (const uint8_t *)"a", 1), TERN_EINVAL);
    CHECK_EQ(tern_posix_storage_write(&s, "", (const uint8_t *)"a", 1), TERN_EINVAL);
}

int main(void)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/tern-st-XXXXXX");
    if (!mkdtemp(g_dir))
        return 1;
    TRUN(test_roundtrip);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    if (system(cmd) != 0)
        return 1;
    return tdone();
}
