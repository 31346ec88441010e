/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "unit.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hardrun/log.h"

/* containerd decodes each log.json line with Go's encoding/json; every line
 * must be one valid JSON object even when the message carries quotes,
 * newlines, control bytes or invalid UTF-8 from a hostile config. */
static const struct {
  const char *msg, *want;
} json_cases[] = {
    {"plain", "{\"level\":\"error\",\"msg\":\"plain\",\"time\":\"2026-11-23T16:41:50Z\"}"},
    {"q\"b\\s", "{\"level\":\"error\",\"msg\":\"q\\\"b\\\\s\",\"time\":\"2026-11-23T16:41:50Z\"}"},
    {"a\nb\tc\x01", "{\"level\":\"error\",\"msg\":\"a\\u000ab\\u0009c\\u0001\",\"time\":"
                    "\"2026-11-23T16:41:50Z\"}"},
    {"bad\xff\xc3(x", "{\"level\":\"error\",\"msg\":\"bad\\ufffd\\ufffd(x\",\"time\":"
                      "\"2026-11-23T16:41:50Z\"}"},
    {"utf8 \xc3\xa9 \xe2\x82\xac", "{\"level\":\"error\",\"msg\":\"utf8 \xc3\xa9 \xe2\x82\xac\","
                                   "\"time\":\"2026-11-23T16:41:50Z\"}"},
    {"surrogate \xed\xa0\x80", "{\"level\":\"error\",\"msg\":\"surrogate \\ufffd\\ufffd\\ufffd\","
                               "\"time\":\"2026-11-23T16:41:50Z\"}"},
    {"overlong \xc0\xaf", "{\"level\":\"error\",\"msg\":\"overlong \\ufffd\\ufffd\",\"time\":"
                          "\"2026-11-23T16:41:50Z\"}"},
    {"del\x7f \xf0\x9f\x90\xb3\x1f\"",
     "{\"level\":\"error\",\"msg\":\"del\\u007f \xf0\x9f\x90\xb3\\u001f"
     "\\\"\",\"time\":\"2026-11-23T16:41:50Z\"}"},
    {"", "{\"level\":\"error\",\"msg\":\"\",\"time\":\"2026-11-23T16:41:50Z\"}"},
};

static void test_json_line(void **state)
{
  for (size_t i = 0; i < HR_ARRAY_SIZE(json_cases); i++) {
    cleanup_free char *got = hr_log_format_json("error", json_cases[i].msg, 1795452110LL);
    assert_non_null(got);
    if (strcmp(got, json_cases[i].want) != 0)
      fail_msg("case %zu:\n got %s\nwant %s", i, got, json_cases[i].want);
  }
}

/* The message is escaped 16 bytes at a time: each byte that needs an
 * escape, and a valid character that does not, at every offset of a
 * 40-byte message. */
static void test_json_line_every_offset(void **state)
{
  static const struct {
    const char *in, *out;
  } special[] = {
      {"\"", "\\\""},      {"\\", "\\\\"},      {"\n", "\\u000a"},   {"\x1f", "\\u001f"},
      {"\x7f", "\\u007f"}, {"\xff", "\\ufffd"}, {"\xc3", "\\ufffd"}, {"\xc3\xa9", "\xc3\xa9"},
  };
  char msg[48], want[128];

  (void)state;
  for (size_t k = 0; k < HR_ARRAY_SIZE(special); k++) {
    for (size_t pos = 0; pos + strlen(special[k].in) <= 40; pos++) {
      size_t n = strlen(special[k].in);
      memset(msg, 'm', 40);
      msg[40] = '\0';
      memcpy(msg + pos, special[k].in, n);
      snprintf(want, sizeof(want),
               "{\"level\":\"error\",\"msg\":\"%.*s%s%.*s\",\"time\":\"2026-11-23T16:41:50Z\"}",
               (int)pos, msg, special[k].out, (int)(40 - pos - n), msg + pos + n);
      cleanup_free char *got = hr_log_format_json("error", msg, 1795452110LL);
      assert_non_null(got);
      if (strcmp(got, want) != 0)
        fail_msg("case %zu at %zu:\n got %s\nwant %s", k, pos, got, want);
    }
  }
}

/* Every byte value alone in a message, against the rule it must follow. */
static void test_json_line_every_byte(void **state)
{
  char msg[4], want[128], esc[8];

  (void)state;
  for (unsigned b = 1; b < 256; b++) {
    if (b == '"' || b == '\\')
      snprintf(esc, sizeof(esc), "\\%c", (char)b);
    else if (b < 0x20 || b == 0x7f)
      snprintf(esc, sizeof(esc), "\\u%04x", b);
    else if (b >= 0x80)
      snprintf(esc, sizeof(esc), "\\ufffd");
    else
      snprintf(esc, sizeof(esc), "%c", (char)b);
    snprintf(msg, sizeof(msg), "a%cz", (char)b);
    snprintf(want, sizeof(want),
             "{\"level\":\"error\",\"msg\":\"a%sz\",\"time\":\"2026-11-23T16:41:50Z\"}", esc);
    cleanup_free char *got = hr_log_format_json("error", msg, 1795452110LL);
    assert_non_null(got);
    if (strcmp(got, want) != 0)
      fail_msg("byte 0x%02x:\n got %s\nwant %s", b, got, want);
  }
}

static char *slurp(const char *path)
{
  struct hr_error err = {0};
  char *buf = NULL;
  size_t len;
  if (hr_read_file_at(AT_FDCWD, path, 1 << 20, &buf, &len, NULL, &err) < 0)
    fail_msg("%s", err.msg);
  return buf;
}

static void test_log_file_appends(void **state)
{
  char dir[] = "/tmp/hr-log-XXXXXX";
  char path[64];
  struct hr_error err = {0};

  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof(path), "%s/log.json", dir);
  assert_int_equal(hr_log_line(path, "json", "error", "first", &err), 0);
  assert_int_equal(hr_log_line(path, "json", "error", "second", &err), 0);
  assert_int_equal(hr_log_line(path, "text", "warning", "third \"q\"", &err), 0);
  cleanup_free char *got = slurp(path);
  char *l1 = strstr(got, "{\"level\":\"error\",\"msg\":\"first\",\"time\":\"");
  char *l2 = strstr(got, "}\n{\"level\":\"error\",\"msg\":\"second\"");
  char *l3 = strstr(got, "\" level=warning msg=\"third \\\"q\\\"\"\n");
  assert_true(l1 == got);
  assert_non_null(l2);
  assert_non_null(l3);
  unlink(path);
  rmdir(dir);
}

static void test_log_unwritable(void **state)
{
  struct hr_error err = {0};
  assert_int_equal(hr_log_line("/nonexistent-dir/log.json", "json", "error", "x", &err), -1);
  assert_int_equal(err.kind, HR_ERR_SYSTEM);
  assert_non_null(strstr(err.msg, "/nonexistent-dir/log.json"));
}

static struct hr_change sample_changes[] = {
    {"readonly-rootfs", "root.readonly", "false", "true"},
    {"pids-limit", "linux.resources.pids.limit", "(absent)", "1024"},
};

static const struct hr_changes sample = {sample_changes, 2, 2};

static void test_audit_text(void **state)
{
  const struct hr_audit a = {"create",          "c1",    "/b",      "default",
                             "/p/default.json", &sample, "allowed", NULL};
  cleanup_free char *t = hr_audit_format_text(&a);
  assert_string_equal(t, "create id=c1 bundle=/b profile=default verdict=allowed changes: "
                         "root.readonly: false -> true; linux.resources.pids.limit: "
                         "(absent) -> 1024");
}

static void test_audit_json(void **state)
{
  const struct hr_audit a = {"run", "c\"2", "/b", "default", NULL, &sample, "refused", "no"};
  cleanup_free char *j = hr_audit_format_json(&a);
  const char *tail = strstr(j, "\",\"command\"");
  assert_non_null(tail);
  assert_string_equal(tail,
                      "\",\"command\":\"run\",\"id\":\"c\\\"2\",\"bundle\":\"/b\",\"profile\":"
                      "\"default\",\"profilePath\":null,\"verdict\":\"refused\",\"reason\":"
                      "\"no\",\"changes\":[{\"rule\":\"readonly-rootfs\",\"path\":"
                      "\"root.readonly\",\"old\":\"false\",\"new\":\"true\"},{\"rule\":"
                      "\"pids-limit\",\"path\":\"linux.resources.pids.limit\",\"old\":"
                      "\"(absent)\",\"new\":\"1024\"}]}");
}

static void test_audit_syslog_and_file(void **state)
{
  char dir[] = "/tmp/hr-audit-XXXXXX";
  char sock[96], file[96], buf[4096];
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  struct hr_error err = {0};
  const struct hr_audit a = {"create", "c1", "/b", "default", NULL, &sample, "allowed", NULL};
  int fd;
  ssize_t n;

  assert_non_null(mkdtemp(dir));
  snprintf(sock, sizeof(sock), "%s/log.sock", dir);
  snprintf(file, sizeof(file), "%s/audit.log", dir);
  strcpy(sa.sun_path, sock);
  fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  assert_true(fd >= 0);
  assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  assert_int_equal(hr_audit_send(&a, sock, file, &err), 0);
  n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
  assert_true(n > 0);
  buf[n] = '\0';
  assert_true(strncmp(buf, "<86>", 4) == 0);
  assert_non_null(strstr(buf, " hardrun["));
  assert_non_null(strstr(buf, "]: create id=c1 bundle=/b profile=default verdict=allowed "
                              "changes: root.readonly: false -> true;"));
  cleanup_free char *content = slurp(file);
  assert_true(strncmp(content, "{\"time\":\"", 9) == 0);
  assert_non_null(strstr(content, "\"changes\":[{\"rule\":\"readonly-rootfs\""));
  assert_true(content[strlen(content) - 1] == '\n');
  close(fd);
  /* No listener: the caller is told, so it can warn. */
  unlink(sock);
  assert_int_equal(hr_audit_send(&a, sock, NULL, &err), -1);
  assert_non_null(strstr(err.msg, "log.sock"));
  unlink(file);
  rmdir(dir);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_json_line),
      cmocka_unit_test(test_json_line_every_offset),
      cmocka_unit_test(test_json_line_every_byte),
      cmocka_unit_test(test_log_file_appends),
      cmocka_unit_test(test_log_unwritable),
      cmocka_unit_test(test_audit_text),
      cmocka_unit_test(test_audit_json),
      cmocka_unit_test(test_audit_syslog_and_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
