#!/usr/bin/python3
"""A minimal CRI client for tests/e2e/cri.bats: what the kubelet would ask
containerd's CRI plugin (runtime.v1), without a kubelet or crictl.

The few protobuf messages it needs are encoded and decoded by hand (varints
and length-delimited fields); grpc only carries the bytes.  Run it with
Debian's /usr/bin/python3 and python3-grpcio.

    cri-client.py SOCKET COMMAND [ARG...]

    version                       runtime name and version
    runp POD-JSON                 RunPodSandbox; prints the sandbox id
    create POD-ID POD-JSON CTR-JSON
                                  CreateContainer; prints the container id
    start ID                      StartContainer
    exec ID TIMEOUT CMD...        ExecSync: the command's stdout, stderr and
                                  exit status become ours
    update ID RESOURCES-JSON      UpdateContainerResources: {"cpu_period",
                                  "cpu_quota", "cpu_shares",
                                  "memory_limit_in_bytes"}
    inspect ID                    ContainerStatus (verbose) as JSON
    inspectp POD-ID               PodSandboxStatus (verbose) as JSON
    stopp POD-ID / rmp POD-ID     StopPodSandbox / RemovePodSandbox
    pods                          the ids of every sandbox, one a line

POD-JSON: {"name", "namespace", "uid", "hostname", "log_directory",
"cgroup_parent", "handler", "host_network", "host_pid", "host_ipc",
"share_pid", "privileged", "dns_servers", "dns_searches", "annotations"}.
CTR-JSON: {"name", "image", "command", "args", "log_path", "privileged",
"run_as_user", "target_id", "env", "mounts": [{"container_path",
"host_path", "readonly"}]}.  A gRPC error ends the command with status 1
and "cri-client: METHOD: CODE: DETAILS" on stderr.
"""

import json
import sys

import grpc

RUNTIME = "/runtime.v1.RuntimeService/"

# NamespaceMode
POD, CONTAINER, NODE, TARGET = 0, 1, 2, 3


# ---- encoding -----------------------------------------------------------


def varint(n):
    if n < 0:
        n += 1 << 64  # int64 fields: two's complement in ten bytes
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def f_bytes(field, data):
    if isinstance(data, str):
        data = data.encode()
    return varint(field << 3 | 2) + varint(len(data)) + data


def f_int(field, n):
    return varint(field << 3) + varint(n) if n else b""


def f_str(field, s):
    return f_bytes(field, s) if s else b""


def f_msg(field, body):
    return f_bytes(field, body)


def f_strs(field, items):
    return b"".join(f_bytes(field, s) for s in items or [])


def f_map(field, d):
    return b"".join(f_msg(field, f_str(1, k) + f_str(2, v)) for k, v in sorted((d or {}).items()))


# ---- decoding -----------------------------------------------------------


def fields(data):
    """The fields of a message: {number: [value, ...]}, values as int or bytes."""
    out = {}
    i = 0
    while i < len(data):
        key, i = read_varint(data, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            val, i = read_varint(data, i)
        elif wt == 2:
            n, i = read_varint(data, i)
            val, i = data[i:i + n], i + n
        elif wt == 1:
            val, i = data[i:i + 8], i + 8
        elif wt == 5:
            val, i = data[i:i + 4], i + 4
        else:
            raise ValueError("unsupported wire type %d" % wt)
        out.setdefault(num, []).append(val)
    return out


def read_varint(data, i):
    n = shift = 0
    while True:
        b = data[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def one(f, num, default=b""):
    return f.get(num, [default])[-1]


def text(f, num):
    return one(f, num).decode()


def signed32(n):
    n &= 0xFFFFFFFF
    return n - (1 << 32) if n & 0x80000000 else n


def decode_map(f, num):
    out = {}
    for entry in f.get(num, []):
        e = fields(entry)
        out[text(e, 1)] = text(e, 2)
    return out


# ---- messages -----------------------------------------------------------


def namespace_options(p, target=""):
    # The kubelet's defaults, given to the sandbox and to each container:
    # the pod's network and IPC namespaces, a PID namespace per container
    # (the pod's with shareProcessNamespace, another container's for an
    # ephemeral container with a target, as kubectl debug --target makes).
    net = NODE if p.get("host_network") else POD
    pid = NODE if p.get("host_pid") else POD if p.get("share_pid") else CONTAINER
    if target:
        pid = TARGET
    ipc = NODE if p.get("host_ipc") else POD
    return f_int(1, net) + f_int(2, pid) + f_int(3, ipc) + f_str(4, target)


def pod_config(p):
    secctx = f_msg(1, namespace_options(p)) + f_int(6, 1 if p.get("privileged") else 0)
    linux = f_str(1, p.get("cgroup_parent", "")) + f_msg(2, secctx)
    meta = f_str(1, p["name"]) + f_str(2, p.get("uid", p["name"])) + \
        f_str(3, p.get("namespace", "default"))
    dns = f_strs(1, p.get("dns_servers")) + f_strs(2, p.get("dns_searches"))
    return (f_msg(1, meta) + f_str(2, p.get("hostname", p["name"])) +
            f_str(3, p.get("log_directory", "")) + (f_msg(4, dns) if dns else b"") +
            f_map(7, p.get("annotations")) + f_msg(8, linux))


def container_config(c, p):
    env = b"".join(f_msg(6, f_str(1, k) + f_str(2, v)) for k, v in sorted(c.get("env", {}).items()))
    mounts = b"".join(
        f_msg(7, f_str(1, m["container_path"]) + f_str(2, m["host_path"]) +
              f_int(3, 1 if m.get("readonly") else 0)) for m in c.get("mounts", []))
    secctx = f_int(2, 1 if c.get("privileged") else 0) + \
        f_msg(3, namespace_options(p, c.get("target_id", "")))
    if "run_as_user" in c:
        secctx += f_msg(5, f_int(1, c["run_as_user"]))
    linux = f_msg(2, secctx)
    return (f_msg(1, f_str(1, c["name"])) + f_msg(2, f_str(1, c["image"])) +
            f_strs(3, c.get("command")) + f_strs(4, c.get("args")) + env + mounts +
            f_str(11, c.get("log_path", "")) + f_msg(15, linux))


# ---- commands -----------------------------------------------------------


class Client:
    def __init__(self, socket):
        self.channel = grpc.insecure_channel("unix://" + socket)

    def call(self, method, body, timeout=60):
        rpc = self.channel.unary_unary(RUNTIME + method, request_serializer=None,
                                       response_deserializer=None)
        try:
            return fields(rpc(body, timeout=timeout))
        except grpc.RpcError as e:
            sys.stderr.write("cri-client: %s: %s: %s\n" % (method, e.code().name, e.details()))
            sys.exit(1)


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    cli = Client(argv[1])
    cmd, args = argv[2], argv[3:]
    if cmd == "version":
        r = cli.call("Version", f_str(1, "v1"))
        print("%s %s %s" % (text(r, 2), text(r, 3), text(r, 4)))
    elif cmd == "runp":
        p = json.loads(args[0])
        r = cli.call("RunPodSandbox", f_msg(1, pod_config(p)) + f_str(2, p.get("handler", "")),
                     timeout=120)
        print(text(r, 1))
    elif cmd == "create":
        p, c = json.loads(args[1]), json.loads(args[2])
        r = cli.call("CreateContainer",
                     f_str(1, args[0]) + f_msg(2, container_config(c, p)) + f_msg(3, pod_config(p)))
        print(text(r, 1))
    elif cmd == "start":
        cli.call("StartContainer", f_str(1, args[0]))
    elif cmd == "exec":
        timeout = int(args[1])
        r = cli.call("ExecSync", f_str(1, args[0]) + f_strs(2, args[2:]) + f_int(3, timeout),
                     timeout=timeout + 30)
        sys.stdout.write(one(r, 1).decode(errors="replace"))
        sys.stderr.write(one(r, 2).decode(errors="replace"))
        return signed32(one(r, 3, 0))
    elif cmd == "update":
        r = json.loads(args[1])
        res = (f_int(1, r.get("cpu_period", 0)) + f_int(2, r.get("cpu_quota", 0)) +
               f_int(3, r.get("cpu_shares", 0)) + f_int(4, r.get("memory_limit_in_bytes", 0)))
        cli.call("UpdateContainerResources", f_str(1, args[0]) + f_msg(2, res))
    elif cmd == "inspect":
        r = cli.call("ContainerStatus", f_str(1, args[0]) + f_int(2, 1))
        st = fields(one(r, 1))
        info = decode_map(r, 2)
        print(json.dumps({
            "id": text(st, 1),
            "state": ["CREATED", "RUNNING", "EXITED", "UNKNOWN"][one(st, 3, 0)],
            "exit_code": signed32(one(st, 7, 0)),
            "reason": text(st, 10),
            "message": text(st, 11),
            "log_path": text(st, 15),
            "info": json.loads(info["info"]) if "info" in info else None,
        }))
    elif cmd == "inspectp":
        r = cli.call("PodSandboxStatus", f_str(1, args[0]) + f_int(2, 1))
        st = fields(one(r, 1))
        info = decode_map(r, 2)
        print(json.dumps({
            "id": text(st, 1),
            "state": ["READY", "NOTREADY"][one(st, 3, 0)],
            "runtime_handler": text(st, 9),
            "info": json.loads(info["info"]) if "info" in info else None,
        }))
    elif cmd == "stopp":
        cli.call("StopPodSandbox", f_str(1, args[0]))
    elif cmd == "rmp":
        cli.call("RemovePodSandbox", f_str(1, args[0]))
    elif cmd == "pods":
        r = cli.call("ListPodSandbox", b"")
        for item in r.get(1, []):
            print(text(fields(item), 1))
    else:
        sys.stderr.write("cri-client: unknown command %s\n" % cmd)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
