#!/usr/bin/env python3
# Copies the inputs of the unit tests' case tables (configs, profiles,
# process and resources bodies, seccomp profiles, hardrun.conf texts and
# command lines, malformed ones included) into the seed corpus, one file per
# distinct input, named after its test file and content.  Run from the
# source tree after adding unit cases:  python3 tests/fuzz/extract-seeds.py
# Real files (fixtures, shipped profiles) are copied by hand; see README.
import hashlib
import json
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(TOP, "tests", "fuzz", "corpus")

COMMANDS = {"create", "run", "exec", "update", "delete", "start", "kill", "state", "ps",
            "restore", "pause", "resume", "list", "events", "checkpoint", "spec", "features",
            "policy", "doctor", "ps"}
CONF_KEYS = {"defaultProfile", "profileDirs", "stateDir", "auditSocket", "auditFile", "runtime",
             "profileRules", "profileAnnotation", "runtimeSeccompBpf"}
SECCOMP_KEYS = {"defaultAction", "syscalls", "architectures", "defaultErrnoRet", "archMap", "flags"}
SPEC_KEYS = {"ociVersion", "process", "root", "mounts", "linux", "hooks", "annotations", "hostname",
             "domainname"}
PROCESS_KEYS = {"args", "env", "cwd", "user", "terminal", "capabilities", "noNewPrivileges",
                "rlimits", "apparmorProfile", "selinuxLabel", "oomScoreAdj", "consoleSize",
                "commandLine"}
RESOURCE_KEYS = {"memory", "cpu", "pids", "blockIO", "hugepageLimits", "unified", "devices",
                 "network", "rdma"}
PROFILE_INNER = {"default", "ceiling", "allow", "mode", "enabled", "profile", "tmpfs", "root",
                 "pool", "require", "rootfs", "shares", "period", "deny"}
PROFILE_KEYS = {"description", "extends", "enforce", "privileged", "hostNamespaces", "hostMounts",
                "hostDevices", "sysctls", "hooks", "runtimeAnnotations", "images", "readonlyRootfs",
                "noNewPrivileges",
                "capabilities", "user", "pids", "memory", "cpu", "mountPropagation", "rlimits",
                "oom", "secretEnv", "sshd", "seccomp", "apparmor", "selinux", "userNamespace"}
BY_FILE = {"test-exec.c": "exec", "test-update.c": "update", "test-seccomp.c": "seccomp",
           "test-images.c": "policy", "test-policy.c": "policy"}

ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a", "b": "\b",
           "\\": "\\", "'": "'", '"': '"', "?": "?", "0": "\0"}


def decode(lit):
    out = bytearray()
    i = 0
    while i < len(lit):
        c = lit[i]
        if c != "\\":
            out += c.encode()
            i += 1
            continue
        n = lit[i + 1]
        if n == "x":
            m = re.match(r"[0-9a-fA-F]+", lit[i + 2:])
            out.append(int(m.group(0), 16) & 0xff)
            i += 2 + len(m.group(0))
        elif n in "01234567":
            m = re.match(r"[0-7]{1,3}", lit[i + 1:])
            out.append(int(m.group(0), 8) & 0xff)
            i += 1 + len(m.group(0))
        else:
            out += ESCAPES.get(n, n).encode()
            i += 2
    return bytes(out)


TOKEN = re.compile(r'"((?:[^"\\\n]|\\.)*)"|([A-Za-z_]\w*)|(\S)')


def strip_comments(src):
    src = re.sub(r"/\*.*?\*/", " ", src, flags=re.S)
    return re.sub(r'//[^\n]*|("(?:[^"\\\n]|\\.)*")', lambda m: m.group(1) or "", src)


def groups(src):
    """Adjacent string literals and object-like string macros, concatenated."""
    src = src.replace("\\\n", " ")
    macros = {}
    for m in re.finditer(r"^#define\s+(\w+)\s+(.*)$", src, flags=re.M):
        body = bytearray()
        ok = False
        for t in TOKEN.finditer(m.group(2)):
            if t.group(1) is not None:
                body += decode(t.group(1))
                ok = True
            elif t.group(2) in macros:
                body += macros[t.group(2)]
            else:
                ok = False
                break
        if ok:
            macros[m.group(1)] = bytes(body)
    src = re.sub(r"^#.*$", "", src, flags=re.M)
    cur = None
    prev = None
    for t in TOKEN.finditer(src):
        piece = None
        if t.group(1) is not None:
            piece = decode(t.group(1))
        elif t.group(2) in macros and prev != "(":
            piece = macros[t.group(2)]
        if piece is not None:
            cur = piece if cur is None else cur + piece
        else:
            if cur is not None:
                yield cur
            cur = None
        prev = t.group(3)
    if cur is not None:
        yield cur


def classify_json(data, fname):
    try:
        doc = json.loads(data.decode("utf-8"))
    except Exception:
        return [BY_FILE.get(fname, "spec")]
    if not isinstance(doc, dict):
        return [BY_FILE.get(fname, "spec")]
    keys = set(doc)
    inner = set()
    for v in doc.values():
        if isinstance(v, dict):
            inner |= set(v)
    if keys & CONF_KEYS:
        return ["policy"]  # hardrun.conf: the policy mode parses both
    if keys & SECCOMP_KEYS:
        return ["seccomp"]
    if keys & SPEC_KEYS:
        return ["spec"]
    if keys and keys <= PROCESS_KEYS and keys & {"args", "env", "cwd", "user", "terminal"}:
        return ["exec"]
    if keys and keys <= RESOURCE_KEYS and not inner & PROFILE_INNER:
        return ["update"]
    if keys & PROFILE_KEYS or (not keys and fname == "test-policy.c"):
        return ["policy"]
    # fragments (a capabilities object, a mount) are still JSON to mutate
    return [BY_FILE.get(fname, "spec")]


def classify(data, fname):
    text = data.lstrip()
    if text.startswith(b"{") or text.startswith(b"//") or text.startswith(b"/*"):
        return classify_json(data, fname)
    if b"\n" in data or b'"' in data or b": " in data:
        return []
    words = data.split(b" ")
    if any(w.decode("latin-1") in COMMANDS for w in words) and len(words) > 1:
        return ["argv"]
    return []


def main():
    n = 0
    unit = os.path.join(TOP, "tests", "unit")
    for fname in sorted(os.listdir(unit)):
        if not fname.startswith("test-") or not fname.endswith(".c"):
            continue
        src = strip_comments(open(os.path.join(unit, fname), encoding="utf-8").read())
        for data in groups(src):
            for mode in classify(data, fname):
                if mode == "argv":
                    data = b"\0".join(b"" if w == b"''" else w for w in data.split(b" "))
                digest = hashlib.sha1(data).hexdigest()[:12]
                d = os.path.join(OUT, mode)
                os.makedirs(d, exist_ok=True)
                path = os.path.join(d, "unit-%s-%s" % (fname[5:-2], digest))
                if not os.path.exists(path):
                    with open(path, "wb") as f:
                        f.write(data)
                    n += 1
    print("%d new seeds" % n, file=sys.stderr)


if __name__ == "__main__":
    main()
