/* Unit tests: the Register `pid` parameter (Core 1.2 §6.2.1) with the
 * RFC 6920 §9.4 hash suites. */
#include "tharness.h"
#include "tern/model.h"

static void test_dynamic(void)
{
    tern_pid ids[4];
    size_t n;
    CHECK_EQ(tern_pid_parse("6:1234abcd", 10, ids, 4, &n), TERN_OK);
    CHECK_EQ(n, 1);
    CHECK_EQ(ids[0].kind, TERN_PID_DYNAMIC);
    CHECK_EQ(ids[0].suite, 6);
    CHECK(ids[0].value.len == 8 && memcmp(ids[0].value.ptr, "1234abcd", 8) == 0);
    char out[64];
    CHECK_EQ(tern_pid_format(ids, n, out, sizeof out), 10);
    CHECK_STR(out, "6:1234abcd");
    CHECK_EQ(tern_pid_suite_len(1), 32);
    CHECK_EQ(tern_pid_suite_len(6), 4);
    CHECK_EQ(tern_pid_suite_len(7), 0);
}

static void test_list(void)
{
    tern_pid ids[4];
    size_t n;
    const char *t = "\"oma:lwm2m-basic,v:acme-1,5:0011223344556677\"";
    CHECK_EQ(tern_pid_parse(t, strlen(t), ids, 4, &n), TERN_OK);
    CHECK_EQ(n, 3);
    CHECK_EQ(ids[0].kind, TERN_PID_OMA);
    CHECK_EQ(ids[1].kind, TERN_PID_VENDOR);
    CHECK(ids[1].value.len == 6 && memcmp(ids[1].value.ptr, "acme-1", 6) == 0);
    CHECK_EQ(ids[2].suite, 5);
    char out[128];
    CHECK_EQ(tern_pid_format(ids, n, out, sizeof out), (long long)strlen(t));
    CHECK_STR(out, t);
    for (size_t cap = 0; cap <= strlen(t); cap++)
        CHECK_EQ(tern_pid_format(ids, n, out, cap), TERN_ENOMEM);
    CHECK_EQ(tern_pid_parse(t, strlen(t), ids, 2, &n), TERN_EFULL);
}

static void test_errors(void)
{
    tern_pid ids[4];
    size_t n;
    static const struct {
        const char *s;
        int rc;
    } bad[] = {
        {"6:1234ABCD", TERN_EMALFORMED},       /* lowercase hex only */
        {"6:1234abc", TERN_EMALFORMED},        /* odd digit count */
        {"6:12345678ab", TERN_ERANGE},         /* sha-256-32 is 4 bytes */
        {"99:123456", TERN_ERANGE},            /* unknown suite: at least 32 bits */
        {"0:12345678", TERN_ERANGE},           /* reserved */
        {"256:12345678", TERN_ERANGE},
        {"6:1234abcd,6:1234abcd", TERN_EMALFORMED}, /* a list must be quoted */
        {"\"6:1234abcd", TERN_EMALFORMED},
        {"x:abc", TERN_EMALFORMED},
        {"oma:a_b", TERN_EMALFORMED},
        {"v:", TERN_EMALFORMED},
        {":12345678", TERN_EMALFORMED},
        {"\"\"", TERN_EMALFORMED},
        {"", TERN_EMALFORMED},
    };
    for (size_t i = 0; i < TERN_ARRAY_LEN(bad); i++)
        CHECK_EQ(tern_pid_parse(bad[i].s, strlen(bad[i].s), ids, 4, &n), bad[i].rc);
    CHECK_EQ(tern_pid_parse("99:12345678", 11, ids, 4, &n), TERN_OK);
    CHECK_EQ(tern_pid_format(ids, 0, NULL, 0), TERN_EINVAL);
}

int main(void)
{
    TRUN(test_dynamic);
    TRUN(test_list);
    TRUN(test_errors);
    return tdone();
}
