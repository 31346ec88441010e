/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Read a runc command line exactly as runc 1.1.5 reads it.
 *
 * runc parses with Go's `flag` package driven by urfave/cli v1.  Debian's
 * runc 1.1.5+ds1 is built against Debian's urfave/cli 1.22.9, not the
 * v1.22.1 vendored upstream, and the two move flags that follow the
 * container id differently: 1.22.9 moves only flags the command defines (and
 * the argument after one, as its possible value); 1.22.1 moved anything
 * starting with '-'.  Seen on this host: `runc create id --` works, which
 * only 1.22.9 allows, and `runc create id --bogus` fails on the argument
 * count, not on an unknown flag. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hardrun/argv.h"
#include "hardrun/utils.h"

/* Longest piece of an argument quoted back in an error message: argv is
 * attacker-sized. */
#define QUOTE_MAX 128

enum flag_type {
  FT_BOOL,
  FT_VALUE,
  FT_INT,   /* Go int: strconv.ParseInt(v, 0, 64), so "0x10" and "1_000" too */
  FT_INT10, /* urfave Int64Slice: strconv.ParseInt(v, 10, 64) */
};

/* Where a flag's value is kept; only the flags hardrun acts on have one. */
enum flag_slot {
  SLOT_NONE,
  SLOT_LOG,
  SLOT_LOG_FORMAT,
  SLOT_ROOT,
  SLOT_DEBUG,
  SLOT_HELP,
  SLOT_VERSION,
  SLOT_BUNDLE,
  SLOT_PROCESS,
  SLOT_COUNT,
};

struct flag_def {
  const char *name;
  const char *alias; /* the other spelling, as in runc's "bundle, b" */
  enum flag_type type;
  enum flag_slot slot;
};

/* Every table ends with "help, h", which urfave/cli adds to the app and to
 * every command: `create id -h` prints help instead of creating. */
static const struct flag_def global_flags[] = {
    {"debug", NULL, FT_BOOL, SLOT_DEBUG},
    {"log", NULL, FT_VALUE, SLOT_LOG},
    {"log-format", NULL, FT_VALUE, SLOT_LOG_FORMAT},
    {"root", NULL, FT_VALUE, SLOT_ROOT},
    {"criu", NULL, FT_VALUE, SLOT_NONE},
    {"systemd-cgroup", NULL, FT_BOOL, SLOT_NONE},
    /* a string flag ("true", "false", "auto") although it reads like a switch */
    {"rootless", NULL, FT_VALUE, SLOT_NONE},
    {"help", "h", FT_BOOL, SLOT_HELP},
    {"version", "v", FT_BOOL, SLOT_VERSION},
};

static const struct flag_def create_flags[] = {
    {"bundle", "b", FT_VALUE, SLOT_BUNDLE},
    {"console-socket", NULL, FT_VALUE, SLOT_NONE},
    {"pid-file", NULL, FT_VALUE, SLOT_NONE},
    {"no-pivot", NULL, FT_BOOL, SLOT_NONE},
    {"no-new-keyring", NULL, FT_BOOL, SLOT_NONE},
    {"preserve-fds", NULL, FT_INT, SLOT_NONE},
    {"help", "h", FT_BOOL, SLOT_HELP},
};

static const struct flag_def run_flags[] = {
    /* create's flags plus --detach, --keep and --no-subreaper */
    {"bundle", "b", FT_VALUE, SLOT_BUNDLE},    {"console-socket", NULL, FT_VALUE, SLOT_NONE},
    {"detach", "d", FT_BOOL, SLOT_NONE},       {"keep", NULL, FT_BOOL, SLOT_NONE},
    {"pid-file", NULL, FT_VALUE, SLOT_NONE},   {"no-subreaper", NULL, FT_BOOL, SLOT_NONE},
    {"no-pivot", NULL, FT_BOOL, SLOT_NONE},    {"no-new-keyring", NULL, FT_BOOL, SLOT_NONE},
    {"preserve-fds", NULL, FT_INT, SLOT_NONE}, {"help", "h", FT_BOOL, SLOT_HELP},
};

static const struct flag_def restore_flags[] = {
    {"console-socket", NULL, FT_VALUE, SLOT_NONE},
    {"image-path", NULL, FT_VALUE, SLOT_NONE},
    {"work-path", NULL, FT_VALUE, SLOT_NONE},
    {"tcp-established", NULL, FT_BOOL, SLOT_NONE},
    {"ext-unix-sk", NULL, FT_BOOL, SLOT_NONE},
    {"shell-job", NULL, FT_BOOL, SLOT_NONE},
    {"file-locks", NULL, FT_BOOL, SLOT_NONE},
    {"manage-cgroups-mode", NULL, FT_VALUE, SLOT_NONE},
    {"bundle", "b", FT_VALUE, SLOT_BUNDLE},
    {"detach", "d", FT_BOOL, SLOT_NONE},
    {"pid-file", NULL, FT_VALUE, SLOT_NONE},
    {"no-subreaper", NULL, FT_BOOL, SLOT_NONE},
    {"no-pivot", NULL, FT_BOOL, SLOT_NONE},
    {"empty-ns", NULL, FT_VALUE, SLOT_NONE},
    {"auto-dedup", NULL, FT_BOOL, SLOT_NONE},
    {"lazy-pages", NULL, FT_BOOL, SLOT_NONE},
    {"lsm-profile", NULL, FT_VALUE, SLOT_NONE},
    {"lsm-mount-context", NULL, FT_VALUE, SLOT_NONE},
    {"help", "h", FT_BOOL, SLOT_HELP},
};

static const struct flag_def exec_flags[] = {
    {"console-socket", NULL, FT_VALUE, SLOT_NONE},
    {"cwd", NULL, FT_VALUE, SLOT_NONE},
    {"env", "e", FT_VALUE, SLOT_NONE},
    {"tty", "t", FT_BOOL, SLOT_NONE},
    {"user", "u", FT_VALUE, SLOT_NONE},
    {"additional-gids", "g", FT_INT10, SLOT_NONE},
    {"process", "p", FT_VALUE, SLOT_PROCESS},
    {"detach", "d", FT_BOOL, SLOT_NONE},
    {"pid-file", NULL, FT_VALUE, SLOT_NONE},
    {"process-label", NULL, FT_VALUE, SLOT_NONE},
    {"apparmor", NULL, FT_VALUE, SLOT_NONE},
    {"no-new-privs", NULL, FT_BOOL, SLOT_NONE},
    {"cap", "c", FT_VALUE, SLOT_NONE},
    {"preserve-fds", NULL, FT_INT, SLOT_NONE},
    {"cgroup", NULL, FT_VALUE, SLOT_NONE},
    {"ignore-paused", NULL, FT_BOOL, SLOT_NONE},
    {"help", "h", FT_BOOL, SLOT_HELP},
};

static const struct flag_def update_flags[] = {
    {"resources", "r", FT_VALUE, SLOT_NONE},
    {"blkio-weight", NULL, FT_INT, SLOT_NONE},
    {"cpu-period", NULL, FT_VALUE, SLOT_NONE},
    {"cpu-quota", NULL, FT_VALUE, SLOT_NONE},
    {"cpu-share", NULL, FT_VALUE, SLOT_NONE},
    {"cpu-rt-period", NULL, FT_VALUE, SLOT_NONE},
    {"cpu-rt-runtime", NULL, FT_VALUE, SLOT_NONE},
    {"cpuset-cpus", NULL, FT_VALUE, SLOT_NONE},
    {"cpuset-mems", NULL, FT_VALUE, SLOT_NONE},
    /* hidden from --help but still accepted */
    {"kernel-memory", NULL, FT_VALUE, SLOT_NONE},
    {"kernel-memory-tcp", NULL, FT_VALUE, SLOT_NONE},
    {"memory", NULL, FT_VALUE, SLOT_NONE},
    {"memory-reservation", NULL, FT_VALUE, SLOT_NONE},
    {"memory-swap", NULL, FT_VALUE, SLOT_NONE},
    {"pids-limit", NULL, FT_INT, SLOT_NONE},
    {"l3-cache-schema", NULL, FT_VALUE, SLOT_NONE},
    {"mem-bw-schema", NULL, FT_VALUE, SLOT_NONE},
    {"help", "h", FT_BOOL, SLOT_HELP},
};

static const struct flag_def delete_flags[] = {
    {"force", "f", FT_BOOL, SLOT_NONE},
    {"help", "h", FT_BOOL, SLOT_HELP},
};

struct cmd_def {
  const char *name;
  enum hr_cmd_class cls;
  bool reorder; /* runc sets SkipArgReorder only on exec and ps */
  const struct flag_def *flags;
  size_t n_flags;
};

/* Commands not listed here pass through without their flags being read. */
static const struct cmd_def commands[] = {
    {"create", HR_CLASS_SPEC, true, create_flags, HR_ARRAY_SIZE(create_flags)},
    {"run", HR_CLASS_SPEC, true, run_flags, HR_ARRAY_SIZE(run_flags)},
    {"restore", HR_CLASS_SPEC, true, restore_flags, HR_ARRAY_SIZE(restore_flags)},
    {"exec", HR_CLASS_EXEC, false, exec_flags, HR_ARRAY_SIZE(exec_flags)},
    {"update", HR_CLASS_UPDATE, true, update_flags, HR_ARRAY_SIZE(update_flags)},
    {"delete", HR_CLASS_DELETE, true, delete_flags, HR_ARRAY_SIZE(delete_flags)},
    {"policy", HR_CLASS_HARDRUN, false, NULL, 0},
    {"doctor", HR_CLASS_HARDRUN, false, NULL, 0},
};

/* Two bits per flag in flag_values.seen. */
_Static_assert(HR_ARRAY_SIZE(restore_flags) <= 32, "too many flags for the seen mask");
_Static_assert(HR_ARRAY_SIZE(update_flags) <= 32, "too many flags for the seen mask");

struct flag_values {
  const char *str[SLOT_COUNT];
  bool on[SLOT_COUNT];
  uint64_t seen; /* bit 2i: flag i given by name, bit 2i+1: by alias */
};

/* One Go FlagSet.Parse over args[pos..n). */
struct flag_parser {
  const struct flag_def *defs;
  size_t n_defs;
  const char *where; /* for messages: "global options" or the command */
  char **args;
  int n;
  int pos;
  struct flag_values v;
  /* Where each flag was, for the command's flags only (rec != NULL):
   * args[i] is the caller's argv[base + idx[i]] (idx NULL: argv[base + i]). */
  const int *idx;
  int base;
  struct hr_argv_flag *rec;
  size_t n_rec;
};

/* hardrun's own options, only among the global options.  Their errors are
 * held back until the global options have been read, so that the report can
 * still reach the --log file that containerd shows to the user. */
struct hardrun_opts {
  struct hr_argv *out;
  int base; /* index in the caller's argv of the parser's args[0] */
  int drop_at[3], drop_n[3], n_drops;
  bool failed;
  struct hr_error err;
};

static const char *const hardrun_names[] = {"hardrun-profile", "hardrun-config", "hardrun-runtime"};

/* The name part of a Go flag ("-x", "--x", "--x=v"), or NULL for a token
 * Go does not treat as a flag at all. */
static const char *flag_name(const char *s, size_t *ret_len)
{
  const char *name, *eq;

  if (s[0] != '-' || s[1] == '\0' || strcmp(s, "--") == 0)
    return NULL;
  name = s + (s[1] == '-' ? 2 : 1);
  /* Go searches for '=' from the second character: "-=x" is bad syntax. */
  eq = name[0] != '\0' ? strchr(name + 1, '=') : NULL;
  *ret_len = eq != NULL ? (size_t)(eq - name) : strlen(name);
  return name;
}

static bool is_hardrun_opt(const char *s)
{
  size_t len;
  const char *name = flag_name(s, &len);

  return name != NULL && strncmp(name, "hardrun-", strlen("hardrun-")) == 0;
}

static bool name_is(const char *want, const char *name, size_t len)
{
  return want != NULL && strlen(want) == len && memcmp(want, name, len) == 0;
}

static const struct flag_def *find_flag(const struct flag_def *defs, size_t n, const char *name,
                                        size_t len, int *ret_alias)
{
  for (size_t i = 0; i < n; i++) {
    if (name_is(defs[i].name, name, len) || name_is(defs[i].alias, name, len)) {
      *ret_alias = name_is(defs[i].alias, name, len);
      return &defs[i];
    }
  }
  return NULL;
}

/* strconv.ParseBool, which Go's boolean flags use. */
static int parse_go_bool(const char *s, bool *ret)
{
  static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
  static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};

  for (size_t i = 0; i < HR_ARRAY_SIZE(yes); i++) {
    if (strcmp(s, yes[i]) == 0 || strcmp(s, no[i]) == 0) {
      *ret = strcmp(s, yes[i]) == 0;
      return 0;
    }
  }
  return -1;
}

static char lower(char c)
{
  return (char)(c | ('x' - 'X'));
}

/* Go's strconv.underscoreOK: with base 0, '_' may only separate digits (a
 * base prefix counts as a digit).  `s` has no sign. */
static bool go_underscores_ok(const char *s)
{
  char saw = '^';
  bool hex = false;
  size_t i = 0;

  if (s[0] == '0' && s[1] != '\0' && strchr("box", lower(s[1])) != NULL) {
    i = 2;
    saw = '0';
    hex = lower(s[1]) == 'x';
  }
  for (; s[i] != '\0'; i++) {
    if ((s[i] >= '0' && s[i] <= '9') || (hex && lower(s[i]) >= 'a' && lower(s[i]) <= 'f')) {
      saw = '0';
    } else if (s[i] == '_') {
      if (saw != '0')
        return false;
      saw = '_';
    } else {
      if (saw == '_')
        return false;
      saw = '!';
    }
  }
  return saw != '_';
}

int hr_go_parse_int(const char *s, bool base0, int64_t *ret)
{
  const char *digits, *start;
  unsigned base = 10;
  bool neg = s[0] == '-', underscores = false;
  uint64_t n = 0;

  if (s[0] == '+' || s[0] == '-')
    s++;
  digits = start = s;
  if (s[0] == '\0')
    return -1;
  if (base0 && s[0] == '0') {
    bool prefix = s[1] != '\0' && s[2] != '\0' && strchr("box", lower(s[1])) != NULL;
    base = !prefix ? 8 : lower(s[1]) == 'b' ? 2 : lower(s[1]) == 'o' ? 8 : 16;
    digits += prefix ? 2 : 1;
  }
  for (const char *c = digits; *c != '\0'; c++) {
    unsigned d;
    if (*c == '_' && base0) {
      underscores = true;
      continue;
    }
    if (*c >= '0' && *c <= '9')
      d = (unsigned)(*c - '0');
    else if (lower(*c) >= 'a' && lower(*c) <= 'z')
      d = (unsigned)(lower(*c) - 'a') + 10;
    else
      return -1;
    if (d >= base || n > (UINT64_MAX - d) / base)
      return -1;
    n = n * base + d;
  }
  if (underscores && !go_underscores_ok(start))
    return -1;
  if (n > (neg ? UINT64_C(1) << 63 : (UINT64_C(1) << 63) - 1))
    return -1;
  *ret = neg ? (int64_t)(0 - n) : (int64_t)n;
  return 0;
}

/* Would strconv.ParseInt(s, base0 ? 0 : 10, 64) accept `s`?  runc refuses
 * the whole command line when it does not, before looking at --help. */
static bool go_int_ok(const char *s, bool base0)
{
  int64_t v;

  return hr_go_parse_int(s, base0, &v) == 0;
}

/* urfave/cli refuses "-b X --bundle Y" after parsing ("Cannot use two forms
 * of the same flag"); the same spelling twice is fine and the last wins. */
static int mark_seen(struct flag_parser *p, const struct flag_def *def, int alias,
                     struct hr_error *err)
{
  unsigned bit = 2u * (unsigned)(def - p->defs);

  p->v.seen |= UINT64_C(1) << (bit + (unsigned)alias);
  if ((p->v.seen >> bit & 3u) == 3u)
    return hr_error_input(err, "%s: cannot use both --%s and -%s", p->where, def->name, def->alias);
  return 0;
}

static int set_flag_value(struct flag_parser *p, const struct flag_def *def, const char *s,
                          const char *eq, bool global, const char **ret_value, struct hr_error *err)
{
  const char *value;
  bool b = true;

  *ret_value = NULL;
  if (def->type == FT_BOOL) {
    /* A boolean takes a value only after '=': "--no-pivot false" leaves
     * "false" as a positional argument. */
    if (eq != NULL && parse_go_bool(eq + 1, &b) < 0)
      return hr_error_input(err, "%s: invalid boolean value \"%.*s\" for %.*s", p->where, QUOTE_MAX,
                            eq + 1, QUOTE_MAX, s);
    p->v.on[def->slot] = b;
    *ret_value = eq != NULL ? eq + 1 : NULL;
    return 0;
  }
  if (eq != NULL) {
    value = eq + 1;
  } else {
    /* Go takes the next argument whatever it looks like, "-x" included. */
    if (p->pos >= p->n)
      return hr_error_input(err, "%s: flag needs an argument: %.*s", p->where, QUOTE_MAX, s);
    value = p->args[p->pos++];
    /* runc would take a hardrun option here as the value; that can only be a
     * mistake in runtimeArgs, so refuse rather than drop the option. */
    if (global && is_hardrun_opt(value))
      return hr_error_input(err, "%s: %.*s needs a value, not \"%.*s\"", p->where, QUOTE_MAX, s,
                            QUOTE_MAX, value);
  }
  if (def->type != FT_VALUE && !go_int_ok(value, def->type == FT_INT))
    return hr_error_input(err, "%s: invalid value \"%.*s\" for %.*s", p->where, QUOTE_MAX, value,
                          QUOTE_MAX, s);
  p->v.str[def->slot] = value;
  *ret_value = value;
  return 0;
}

static void record_flag(struct flag_parser *p, const struct flag_def *def, int at,
                        const char *value)
{
  if (p->rec == NULL)
    return;
  p->rec[p->n_rec++] = (struct hr_argv_flag){
      .name = def->name,
      .value = value,
      .index = p->base + (p->idx != NULL ? p->idx[at] : at),
      .n_words = p->pos - at,
      .value_index = p->pos - at < 2 ? -1 : p->base + (p->idx != NULL ? p->idx[at + 1] : at + 1),
  };
}

/* FlagSet.parseOne for the flag at args[pos]. */
static int parse_one(struct flag_parser *p, bool global, struct hr_error *err)
{
  const char *s = p->args[p->pos++];
  const char *name, *eq;
  const struct flag_def *def;
  const char *value;
  size_t len;
  int alias = 0, at = p->pos - 1;

  name = flag_name(s, &len);
  if (name[0] == '\0' || name[0] == '-' || name[0] == '=')
    return hr_error_input(err, "%s: bad flag syntax: %.*s", p->where, QUOTE_MAX, s);
  eq = name[len] == '=' ? name + len : NULL;
  def = find_flag(p->defs, p->n_defs, name, len, &alias);
  if (def == NULL && strncmp(name, "hardrun-", strlen("hardrun-")) == 0)
    return hr_error_input(err, "%s: %.*s is accepted only before the command", p->where, QUOTE_MAX,
                          s);
  if (def == NULL)
    return hr_error_input(err, "%s: flag provided but not defined: %.*s", p->where, QUOTE_MAX, s);
  if (mark_seen(p, def, alias, err) < 0)
    return -1;
  if (set_flag_value(p, def, s, eq, global, &value, err) < 0)
    return -1;
  record_flag(p, def, at, value);
  return 0;
}

static void hardrun_fail(struct hardrun_opts *h, const char *name, size_t len, const char *what)
{
  if (!h->failed)
    hr_error_input(&h->err, "--%.*s: %s", (int)(len < QUOTE_MAX ? len : QUOTE_MAX), name, what);
  h->failed = true;
}

static const char **hardrun_field(struct hr_argv *out, const char *name, size_t len)
{
  const char **fields[] = {&out->hardrun_profile, &out->hardrun_config, &out->hardrun_runtime};

  for (size_t i = 0; i < HR_ARRAY_SIZE(hardrun_names); i++) {
    if (name_is(hardrun_names[i], name, len))
      return fields[i];
  }
  return NULL;
}

/* "--hardrun-x=V", "--hardrun-x V", one dash or two.  The value must be a
 * separate word that does not look like a flag: "--hardrun-profile --root R"
 * is a broken runtimeArgs, and taking "--root" as the profile would turn R
 * into the command and skip the policy. */
static void hardrun_opt(struct flag_parser *p, struct hardrun_opts *h)
{
  const char *s = p->args[p->pos];
  size_t len;
  const char *name = flag_name(s, &len);
  const char **field = hardrun_field(h->out, name, len);
  const char *value = NULL;
  int at = p->pos++;

  if (name[len] == '=')
    value = name + len + 1;
  else if (p->pos < p->n && p->args[p->pos][0] != '-')
    value = p->args[p->pos++];
  if (field == NULL) {
    hardrun_fail(h, name, len, "unknown hardrun option");
  } else if (*field != NULL) {
    hardrun_fail(h, name, len, "given more than once");
  } else if (value == NULL || value[0] == '\0') {
    hardrun_fail(h, name, len, "needs a non-empty value");
  } else {
    *field = value;
    h->drop_at[h->n_drops] = h->base + at;
    h->drop_n[h->n_drops++] = p->pos - at;
  }
}

/* FlagSet.Parse: read flags from args[pos] on; stop at the first positional
 * (left at pos) or just after "--".  `h` is non-NULL for the global options. */
static int go_parse(struct flag_parser *p, struct hardrun_opts *h, struct hr_error *err)
{
  while (p->pos < p->n) {
    const char *s = p->args[p->pos];

    if (s[0] != '-' || s[1] == '\0')
      return 0;
    if (strcmp(s, "--") == 0) {
      p->pos++;
      return 0;
    }
    if (h != NULL && is_hardrun_opt(s))
      hardrun_opt(p, h);
    else if (parse_one(p, h != NULL, err) < 0)
      return -1;
  }
  return 0;
}

/* urfave/cli 1.22.9 argIsFlag: is `arg` one of the command's flags, in any
 * spelling?  Note it strips up to three dashes, so "---bundle" counts (and
 * then fails in Go's parser as bad syntax). */
static bool arg_is_flag(const struct cmd_def *c, const char *arg)
{
  const char *name = arg;
  size_t len;
  int alias;

  if (arg[0] != '-' || strcmp(arg, "-") == 0 || strcmp(arg, "--") == 0)
    return false;
  name += name[1] == '-' ? 2 : 1;
  if (name[0] == '-')
    name++;
  len = strcspn(name, "=");
  return find_flag(c->flags, c->n_flags, name, len, &alias) != NULL;
}

enum reorder_step { RO_MOVE, RO_STAY, RO_END };

/* One step of urfave/cli 1.22.9 reorderArgs.  After a flag without '=' the
 * next argument moves along as its possible value unless it is a known flag,
 * even after a boolean and even when it is "--". */
static enum reorder_step reorder_step(const struct cmd_def *c, const char *arg, bool *value_next)
{
  if (*value_next && !arg_is_flag(c, arg)) {
    *value_next = false;
    return RO_MOVE;
  }
  if (strcmp(arg, "--") == 0)
    return RO_END;
  if (arg_is_flag(c, arg)) {
    *value_next = strchr(arg, '=') == NULL;
    return RO_MOVE;
  }
  return RO_STAY;
}

/* Write into `out` the order runc's flag parser sees: the moved flags and
 * values, then "--" if one ended the reordering, then the rest.  out_idx[k]
 * is the index in `args` of out[k]. */
static int reorder(const struct cmd_def *c, char **args, int n, char **out, int *out_idx)
{
  bool value_next = false;
  int k = 0, end = n;

#define PUT(i) (out_idx[k] = (i), out[k++] = args[(i)])
  for (int i = 0; i < n && end == n; i++) {
    enum reorder_step st = reorder_step(c, args[i], &value_next);
    if (st == RO_MOVE)
      PUT(i);
    else if (st == RO_END)
      end = i;
  }
  if (end < n)
    PUT(end);
  value_next = false;
  for (int i = 0; i < end; i++) {
    if (reorder_step(c, args[i], &value_next) == RO_STAY)
      PUT(i);
  }
  for (int i = end + 1; i < n; i++)
    PUT(i);
#undef PUT
  return k;
}

static const struct cmd_def *find_command(const char *name)
{
  for (size_t i = 0; i < HR_ARRAY_SIZE(commands); i++) {
    if (strcmp(commands[i].name, name) == 0)
      return &commands[i];
  }
  return NULL;
}

/* runc treats an empty --bundle, --process, --log or id like an absent one. */
static const char *nonempty(const char *s)
{
  return s != NULL && s[0] != '\0' ? s : NULL;
}

/* Room for parsing the command: its reordered arguments with their
 * original indices, and the record of its flags. */
struct scratch {
  char **words;
  int *idx;
  struct hr_argv_flag *flags;
};

/* Read the command's flags and its container id.  args[0] is the caller's
 * argv[base]. */
static int parse_command(const struct cmd_def *c, char **args, int n, int base, struct scratch *sc,
                         struct hr_argv *a, struct hr_error *err)
{
  struct flag_parser p = {.defs = c->flags, .n_defs = c->n_flags, .where = c->name};
  int npos;

  p.args = c->reorder ? sc->words : args;
  p.n = c->reorder ? reorder(c, args, n, sc->words, sc->idx) : n;
  p.idx = c->reorder ? sc->idx : NULL;
  p.base = base;
  p.rec = sc->flags;
  if (go_parse(&p, NULL, err) < 0)
    return -1;
  a->n_flags = p.n_rec;
  /* With --help runc prints the command's help and runs nothing. */
  if (p.v.on[SLOT_HELP]) {
    a->cls = HR_CLASS_PASSTHROUGH;
    a->n_flags = 0;
    return 0;
  }
  npos = p.n - p.pos;
  /* All but exec take exactly one argument and runc refuses more; refuse
   * first, before any bundle is touched ("create id --bogus" lands here). */
  if (c->cls != HR_CLASS_EXEC && npos > 1)
    return hr_error_input(err, "%s: unexpected argument \"%.*s\" after the container id", c->name,
                          QUOTE_MAX, p.args[p.pos + 1]);
  a->id = npos > 0 ? nonempty(p.args[p.pos]) : NULL;
  a->bundle = nonempty(p.v.str[SLOT_BUNDLE]);
  a->process = nonempty(p.v.str[SLOT_PROCESS]);
  return 0;
}

/* argv[1..] minus hardrun's options; slot 0 is the caller's.  hardrun's
 * options stand only among the global options, so every index from the
 * command on moves down by the same number of dropped words. */
static void build_runtime_argv(int argc, char **argv, const struct hardrun_opts *h,
                               struct hr_argv *a)
{
  int k = 1, d = 0, dropped = 0;

  for (int i = 1; i < argc; i++) {
    if (d < h->n_drops && i == h->drop_at[d]) {
      dropped += h->drop_n[d];
      i += h->drop_n[d++] - 1;
      continue;
    }
    a->runtime_argv[k++] = argv[i];
  }
  a->runtime_argv[0] = NULL;
  a->runtime_argv[k] = NULL;
  a->runtime_argc = k;
  if (a->command_index > 0)
    a->command_index -= dropped;
  for (size_t i = 0; i < a->n_flags; i++) {
    a->flags[i].index -= dropped;
    if (a->flags[i].value_index >= 0)
      a->flags[i].value_index -= dropped;
  }
}

static void set_globals(struct hr_argv *a, const struct flag_values *v)
{
  a->log = nonempty(v->str[SLOT_LOG]);
  a->log_format = nonempty(v->str[SLOT_LOG_FORMAT]);
  /* not normalised: runc turns an empty --root into the current directory */
  a->root = v->str[SLOT_ROOT];
  a->debug = v->on[SLOT_DEBUG];
}

static int check_args(int argc, char **argv, struct hr_error *err)
{
  if (argc < 1 || argv == NULL)
    return hr_error_input(err, "empty argument list");
  for (int i = 0; i < argc; i++) {
    if (argv[i] == NULL)
      return hr_error_input(err, "argument %d is NULL", i);
  }
  return 0;
}

/* The global options, then the command; fills `a` except runtime_argv. */
static int parse_all(int argc, char **argv, struct scratch *sc, struct hardrun_opts *h,
                     struct hr_argv *a, struct hr_error *err)
{
  struct flag_parser p = {.defs = global_flags,
                          .n_defs = HR_ARRAY_SIZE(global_flags),
                          .where = "global options",
                          .args = argv + 1,
                          .n = argc - 1};
  const struct cmd_def *c;
  int ret = go_parse(&p, h, err);

  set_globals(a, &p.v);
  /* A hardrun option error comes first on the line, so report it first. */
  if (h->failed) {
    *err = h->err;
    return -1;
  }
  if (ret < 0)
    return -1;
  a->command = p.pos < p.n ? p.args[p.pos] : NULL;
  a->command_index = p.pos < p.n ? p.pos + 1 : 0;
  a->cls = HR_CLASS_PASSTHROUGH;
  /* With --help or --version runc prints and runs no command. */
  if (p.v.on[SLOT_HELP] || p.v.on[SLOT_VERSION])
    return 0;
  /* runc checks this next, before it looks for the command */
  if (a->log_format != NULL && strcmp(a->log_format, "text") != 0 &&
      strcmp(a->log_format, "json") != 0)
    return hr_error_input(err, "global options: invalid --log-format \"%.*s\"", QUOTE_MAX,
                          a->log_format);
  if (a->command == NULL)
    return 0;
  c = find_command(a->command);
  if (c == NULL)
    return 0;
  a->cls = c->cls;
  if (c->cls == HR_CLASS_HARDRUN)
    return 0;
  return parse_command(c, p.args + p.pos + 1, p.n - p.pos - 1, p.pos + 2, sc, a, err);
}

int hr_argv_parse(int argc, char **argv, struct hr_argv *ret, struct hr_error *err)
{
  struct hr_argv a = {0};
  struct hardrun_opts h = {.out = &a, .base = 1};
  cleanup_free char **block = NULL;
  cleanup_free int *idx = NULL;
  cleanup_free struct hr_argv_flag *flags = NULL;
  struct scratch sc;

  *ret = (struct hr_argv){0};
  if (check_args(argc, argv, err) < 0)
    return -1;
  /* runtime_argv (argc + 1 slots) and then room for the reordered command
   * arguments; every flag takes at least one word. */
  block = hr_calloc(2 * (size_t)argc + 1, sizeof(char *), err);
  idx = hr_calloc((size_t)argc, sizeof(int), err);
  flags = hr_calloc((size_t)argc, sizeof(*flags), err);
  if (block == NULL || idx == NULL || flags == NULL)
    return -1;
  sc = (struct scratch){.words = block + argc + 1, .idx = idx, .flags = flags};
  a.flags = flags;
  if (parse_all(argc, argv, &sc, &h, &a, err) < 0) {
    /* Keep what is known of --log so the error reaches containerd. */
    ret->log = a.log;
    ret->log_format = a.log_format;
    return -1;
  }
  a.runtime_argv = get_and_reset(&block);
  a.flags = get_and_reset(&flags);
  build_runtime_argv(argc, argv, &h, &a);
  *ret = a;
  return 0;
}

void hr_argv_free(struct hr_argv *a)
{
  if (a == NULL)
    return;
  free(a->runtime_argv);
  a->runtime_argv = NULL;
  a->runtime_argc = 0;
  free(a->flags);
  a->flags = NULL;
  a->n_flags = 0;
  for (size_t i = 0; i < a->n_owned; i++)
    free(a->owned[i]);
  free(a->owned);
  a->owned = NULL;
  a->n_owned = 0;
}

const struct hr_argv_flag *hr_argv_last_flag(const struct hr_argv *a, const char *name)
{
  for (size_t i = a->n_flags; i-- > 0;)
    if (strcmp(a->flags[i].name, name) == 0)
      return &a->flags[i];
  return NULL;
}

/* How many descriptors runc will take from above fd 2 of its own process
 * for the container: a negative count takes none. */
static int64_t passed_count(const char *s, bool base0)
{
  int64_t v = 0;

  if (s == NULL || hr_go_parse_int(s, base0, &v) < 0 || v < 0)
    return 0;
  return v;
}

int hr_argv_check_passed_fds(const struct hr_argv *a, const char *listen_pid,
                             const char *listen_fds, int64_t self_pid, struct hr_error *err)
{
  const struct hr_argv_flag *f = hr_argv_last_flag(a, "preserve-fds");
  int64_t listen = 0, preserve = f != NULL ? passed_count(f->value, true) : 0, pid = 0;

  /* go-systemd's activation.Files: strconv.Atoi of both, and LISTEN_PID
   * must be runc's pid, which after the exec is this one. */
  if (a->cls == HR_CLASS_SPEC && listen_fds != NULL && listen_fds[0] != '\0' &&
      listen_pid != NULL && hr_go_parse_int(listen_pid, false, &pid) == 0 && pid == self_pid)
    listen = passed_count(listen_fds, false);
  if (listen > INT_MAX - 3 || preserve > INT_MAX - 3 - listen)
    return hr_error_input(
        err, "argv: --preserve-fds %.64s%s: more descriptors than a process can hold",
        f != NULL && f->value != NULL ? f->value : "0", listen > 0 ? " after LISTEN_FDS" : "");
  for (int fd = 3; fd < 3 + (int)(listen + preserve); fd++) {
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0 && !(flags & FD_CLOEXEC))
      continue;
    return hr_error_input(err,
                          "argv: %s: fd %d is not open for runc to inherit: runc would pass the "
                          "container a descriptor of its own in its place (its --log file, or "
                          "the host's /sys/fs/cgroup, from which \"..\" reaches the host's /)",
                          fd - 3 < listen ? "LISTEN_FDS"
                          : listen > 0    ? "--preserve-fds (after LISTEN_FDS)"
                                          : "--preserve-fds",
                          fd);
  }
  return 0;
}

static bool in_list(const char *const *list, const char *s)
{
  for (; list != NULL && *list != NULL; list++)
    if (strcmp(*list, s) == 0)
      return true;
  return false;
}

/* Make, owned by `a`, each word of `add` ("--name" or "--name=value")
 * followed by a copy of its name, which `flags` points to. */
static int make_words(struct hr_argv *a, const struct hr_argv_set *add, size_t n_add,
                      struct hr_error *err)
{
  char **owned = reallocarray(a->owned, a->n_owned + 2 * n_add + 1, sizeof(char *));

  if (owned == NULL)
    return hr_error_oom(err);
  a->owned = owned;
  for (size_t i = 0; i < n_add; i++) {
    char *w = NULL, *name;
    if (add[i].value == NULL ? hr_asprintf(&w, err, "--%s", add[i].name) < 0
                             : hr_asprintf(&w, err, "--%s=%s", add[i].name, add[i].value) < 0)
      return -1;
    a->owned[a->n_owned++] = w;
    name = hr_strdup(add[i].name, err);
    if (name == NULL)
      return -1;
    a->owned[a->n_owned++] = name;
  }
  return 0;
}

int hr_argv_set_flags(struct hr_argv *a, const char *const *remove, const struct hr_argv_set *add,
                      size_t n_add, struct hr_error *err)
{
  size_t first = a->n_owned, n_words = (size_t)a->runtime_argc + n_add + 1, nf = 0;
  cleanup_free char **words = NULL;
  cleanup_free struct hr_argv_flag *flags = NULL;
  cleanup_free int *moved = NULL; /* each old word's new place, -1 when dropped */
  int k = 0;

  if (a->command_index <= 0 || a->command_index >= a->runtime_argc)
    return hr_error_input(err, "no command to set flags on");
  words = hr_calloc(n_words, sizeof(char *), err);
  flags = hr_calloc(a->n_flags + n_add + 1, sizeof(*flags), err);
  moved = hr_calloc((size_t)a->runtime_argc, sizeof(int), err);
  if (words == NULL || flags == NULL || moved == NULL || make_words(a, add, n_add, err) < 0)
    return -1;
  for (size_t i = 0; i < a->n_flags; i++)
    if (in_list(remove, a->flags[i].name)) {
      moved[a->flags[i].index] = -1;
      if (a->flags[i].value_index >= 0)
        moved[a->flags[i].value_index] = -1;
    }

  for (int i = 0; i <= a->command_index; i++)
    words[k++] = a->runtime_argv[i];
  for (size_t i = 0; i < n_add; i++) {
    char *w = a->owned[first + 2 * i];
    flags[nf++] = (struct hr_argv_flag){.name = a->owned[first + 2 * i + 1],
                                        .value = add[i].value ? strchr(w, '=') + 1 : NULL,
                                        .index = k,
                                        .n_words = 1,
                                        .value_index = -1};
    words[k++] = w;
  }
  for (int i = a->command_index + 1; i < a->runtime_argc; i++)
    if (moved[i] == 0) {
      moved[i] = k;
      words[k++] = a->runtime_argv[i];
    }
  /* the surviving flags keep their order, at their words' new places */
  for (int i = a->command_index + 1; i < a->runtime_argc; i++)
    for (size_t f = 0; f < a->n_flags && moved[i] > 0; f++)
      if (a->flags[f].index == i) {
        flags[nf] = a->flags[f];
        flags[nf].index = moved[i];
        if (flags[nf].value_index >= 0)
          flags[nf].value_index = moved[flags[nf].value_index];
        nf++;
      }
  words[k] = NULL;
  free(a->runtime_argv);
  a->runtime_argv = get_and_reset(&words);
  a->runtime_argc = k;
  free(a->flags);
  a->flags = get_and_reset(&flags);
  a->n_flags = nf;
  return 0;
}

/* ---- hardrun's own commands ----------------------------------------------- */

#define TOOL_EXPLAIN (1u << HR_TOOL_EXPLAIN)
#define TOOL_CHECK   (1u << HR_TOOL_CHECK)
#define TOOL_SHOW    (1u << HR_TOOL_SHOW)
#define TOOL_DOCTOR  (1u << HR_TOOL_DOCTOR)

struct tool_opt {
  const char *name;
  unsigned tools; /* which commands take it */
  size_t field;   /* offsetof the string in struct hr_tool_args */
};

/* --host-root is not called --root: that is runc's global option, and a
 * word that means one thing before the command and another after it
 * invites mistakes. */
static const struct tool_opt tool_opts[] = {
    {"profile", TOOL_EXPLAIN | TOOL_SHOW, offsetof(struct hr_tool_args, profile)},
    {"format", TOOL_EXPLAIN | TOOL_SHOW | TOOL_DOCTOR, 0},
    {"bundle", TOOL_EXPLAIN, offsetof(struct hr_tool_args, bundle)},
    {"host-root", TOOL_DOCTOR, offsetof(struct hr_tool_args, host_root)},
};

static const char *tool_name(enum hr_tool t)
{
  static const char *const names[] = {
      [HR_TOOL_USAGE] = "policy",       [HR_TOOL_EXPLAIN] = "policy explain",
      [HR_TOOL_CHECK] = "policy check", [HR_TOOL_SHOW] = "policy show",
      [HR_TOOL_DOCTOR] = "doctor",
  };
  return names[t];
}

static int tool_option(struct hr_tool_args *t, char **words, int n, int *i, const char **format,
                       struct hr_error *err)
{
  const char *w = words[*i], *name = w + (w[1] == '-' ? 2 : 1), *value = NULL;
  size_t len = strcspn(name, "=");
  const struct tool_opt *o = NULL;
  const char **slot;

  if (name_is("help", name, len) || name_is("h", name, len)) {
    t->help = true;
    return 0;
  }
  for (size_t k = 0; k < HR_ARRAY_SIZE(tool_opts); k++)
    if (name_is(tool_opts[k].name, name, len))
      o = &tool_opts[k];
  if (o == NULL || (o->tools & (1u << t->tool)) == 0)
    return hr_error_input(err, "%s: unknown option %.*s", tool_name(t->tool), QUOTE_MAX, w);
  if (name[len] == '=')
    value = name + len + 1;
  else if (*i + 1 < n)
    value = words[++*i];
  slot = o->field != 0 ? (const char **)((char *)t + o->field) : format;
  if (*slot != NULL)
    return hr_error_input(err, "%s: --%s given more than once", tool_name(t->tool), o->name);
  if (value == NULL || value[0] == '\0')
    return hr_error_input(err, "%s: --%s needs a value", tool_name(t->tool), o->name);
  *slot = value;
  return 0;
}

static int tool_subcommand(struct hr_tool_args *t, const struct hr_argv *a, int *first,
                           struct hr_error *err)
{
  static const char *const subs[] = {"explain", "check", "show"};
  static const enum hr_tool tools[] = {HR_TOOL_EXPLAIN, HR_TOOL_CHECK, HR_TOOL_SHOW};
  const char *w = *first < a->runtime_argc ? a->runtime_argv[*first] : NULL;

  if (strcmp(a->command, "doctor") == 0) {
    t->tool = HR_TOOL_DOCTOR;
    return 0;
  }
  t->tool = HR_TOOL_USAGE;
  if (w == NULL || w[0] == '-')
    return 0;
  for (size_t k = 0; k < HR_ARRAY_SIZE(subs); k++)
    if (strcmp(w, subs[k]) == 0) {
      t->tool = tools[k];
      ++*first;
      return 0;
    }
  return hr_error_input(err, "policy: unknown command \"%.*s\" (expected explain, check or show)",
                        QUOTE_MAX, w);
}

static int tool_check_args(struct hr_tool_args *t, const char *format, struct hr_error *err)
{
  const char *name = tool_name(t->tool);

  if (format != NULL && strcmp(format, "json") == 0)
    t->format = HR_FORMAT_JSON;
  else if (format != NULL && strcmp(format, "text") != 0)
    return hr_error_input(err, "%s: --format must be text or json, not \"%.*s\"", name, QUOTE_MAX,
                          format);
  if (t->help || t->tool == HR_TOOL_USAGE)
    return 0;
  if (t->tool == HR_TOOL_EXPLAIN && (t->n_args > 1 || (t->n_args == 1) == (t->bundle != NULL)))
    return hr_error_input(err, "%s: give either --bundle DIR or one FILE (\"-\" for stdin)", name);
  if (t->tool == HR_TOOL_CHECK && t->n_args == 0)
    return hr_error_input(err, "%s: no FILE given", name);
  if ((t->tool == HR_TOOL_SHOW || t->tool == HR_TOOL_DOCTOR) && t->n_args > 0)
    return hr_error_input(err, "%s: unexpected argument \"%.*s\"", name, QUOTE_MAX, t->args[0]);
  return 0;
}

int hr_argv_parse_tool(const struct hr_argv *a, struct hr_tool_args *ret, struct hr_error *err)
{
  struct hr_tool_args t = {0};
  cleanup_free const char **args = NULL;
  const char *format = NULL;
  bool options = true;
  int first = a->command_index + 1, n = a->runtime_argc;

  *ret = t;
  if (a->cls != HR_CLASS_HARDRUN || a->command == NULL || a->command_index <= 0)
    return hr_error_input(err, "not one of hardrun's commands");
  if (tool_subcommand(&t, a, &first, err) < 0)
    return -1;
  t.args = args = hr_calloc((size_t)(n - first) + 1, sizeof(*args), err);
  if (args == NULL)
    return -1;
  for (int i = first; i < n; i++) {
    const char *w = a->runtime_argv[i];
    if (options && strcmp(w, "--") == 0)
      options = false;
    else if (options && w[0] == '-' && w[1] != '\0' &&
             tool_option(&t, a->runtime_argv, n, &i, &format, err) < 0)
      return -1;
    else if (!options || w[0] != '-' || w[1] == '\0')
      args[t.n_args++] = w;
  }
  if (tool_check_args(&t, format, err) < 0)
    return -1;
  t.args = get_and_reset(&args);
  *ret = t;
  return 0;
}

void hr_tool_args_free(struct hr_tool_args *t)
{
  if (t == NULL)
    return;
  free(t->args);
  t->args = NULL;
  t->n_args = 0;
}
