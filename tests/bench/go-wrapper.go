// A reference point for `make bench`, not part of hardrun: the rewrite of
// hardrun's shipped default profile done in Go with encoding/json, standing
// in for the Go-based shims and wrappers that sites run in front of runc.
// bench.sh builds it with the Go toolchain when there is one.
//
//	go-wrapper [--ref-runtime=PATH] [--ref-seccomp=FILE] RUNC-ARGV...
//
// It does what tests/bench/jq-wrapper.sh does, with the same policy written
// in: for `create` and `run`, read <bundle>/config.json into generic maps
// (UseNumber, so integers stay exact and unknown fields survive), refuse what
// the default profile refuses, apply its fixes, write a temporary file in the
// bundle, fsync it, rename it over config.json, then exec the runtime.  Like
// the jq wrapper it does not resolve symlinks or ".." in bind sources,
// validate the seccomp profile, write an audit or state record, or handle
// exec, update, user namespaces, AppArmor or SELinux.  A shim built on the
// runtime-spec Go types would decode into structs instead, which is faster
// but drops the fields those types do not know.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
)

type obj = map[string]any

var (
	allowedCaps = set("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
		"CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT")
	sensitive = []string{"/etc", "/proc", "/sys", "/dev", "/boot", "/usr", "/lib", "/lib32",
		"/lib64", "/libx32", "/root", "/var/lib/docker", "/var/lib/containerd",
		"/run/containerd", "/var/run", "/var/spool/cron"}
	socket      = regexp.MustCompile(`(docker|containerd)\.sock$`)
	safeSysctls = set("kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
		"net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies",
		"net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
		"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
		"net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes")
	safeDevices = set("c 1:3", "c 1:5", "c 1:7", "c 1:8", "c 1:9", "c 5:0", "c 5:1", "c 5:2")
	masked      = []any{"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
		"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
		"/sys/firmware", "/proc/scsi"}
	readonly = []any{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}
)

func set(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

// child returns m[key] as an object, creating it when missing.
func child(m obj, key string) obj {
	if c, ok := m[key].(obj); ok {
		return c
	}
	c := obj{}
	m[key] = c
	return c
}

func list(v any) []any { l, _ := v.([]any); return l }
func str(v any) string { s, _ := v.(string); return s }

// num returns an integer field exactly (json.Number), or nil when absent.
func num(v any) *big.Int {
	n, ok := v.(json.Number)
	if !ok {
		return nil
	}
	b, ok := new(big.Int).SetString(n.String(), 10)
	if !ok {
		return nil
	}
	return b
}

func number(b *big.Int) json.Number { return json.Number(b.String()) }

// clamp sets m[key] to def when it is absent or not positive, and to ceil
// when it is above it.
func clamp(m obj, key string, def, ceil *big.Int) {
	v := num(m[key])
	switch {
	case v == nil || v.Sign() <= 0:
		m[key] = number(def)
	case v.Cmp(ceil) > 0:
		m[key] = number(ceil)
	}
}

func isBind(m obj) bool {
	if str(m["type"]) == "bind" {
		return true
	}
	for _, o := range list(m["options"]) {
		if o == "bind" || o == "rbind" {
			return true
		}
	}
	return false
}

func sensitiveSource(s string) bool {
	if s == "/" || socket.MatchString(s) {
		return true
	}
	for _, p := range sensitive {
		if s == p || strings.HasPrefix(s, p+"/") {
			return true
		}
	}
	return false
}

func device(m obj) string {
	return fmt.Sprintf("%s %s:%s", str(m["type"]), m["major"], m["minor"])
}

// wildcard: a device rule's major or minor that is absent or -1.
func wildcard(v any) bool {
	n := num(v)
	return v == nil || (n != nil && n.Sign() < 0)
}

func refusals(spec obj) error {
	linux := child(spec, "linux")
	own := map[string]bool{}
	for _, n := range list(linux["namespaces"]) {
		if ns, ok := n.(obj); ok && str(ns["path"]) == "" {
			own[str(ns["type"])] = true
		}
	}
	for _, t := range []string{"pid", "ipc", "uts", "network"} {
		if !own[t] {
			return fmt.Errorf("host namespace: %s", t)
		}
	}
	for _, d := range list(child(linux, "resources")["devices"]) {
		rule, _ := d.(obj)
		if rule == nil || rule["allow"] != true {
			continue
		}
		t := str(rule["type"])
		if (t == "" || t == "a") && wildcard(rule["major"]) && wildcard(rule["minor"]) {
			return errors.New("a device rule allows every device (--privileged)")
		}
		if !safeDevices[device(rule)] {
			return errors.New("a device rule beyond the harmless ones")
		}
	}
	for _, d := range list(linux["devices"]) {
		if dev, _ := d.(obj); dev == nil || !safeDevices[device(dev)] {
			return errors.New("a host device node")
		}
	}
	for _, m := range list(spec["mounts"]) {
		if mnt, _ := m.(obj); mnt != nil && isBind(mnt) && sensitiveSource(str(mnt["source"])) {
			return errors.New("a sensitive bind mount")
		}
	}
	if sc, _ := linux["sysctl"].(obj); sc != nil {
		for k := range sc {
			if !safeSysctls[k] {
				return errors.New("a host sysctl")
			}
		}
	}
	if h, _ := spec["hooks"].(obj); len(h) > 0 {
		return errors.New("hooks")
	}
	return nil
}

func limits(res obj) {
	clamp(child(res, "pids"), "limit", big.NewInt(1024), big.NewInt(16384))
	mem := child(res, "memory")
	clamp(mem, "limit", big.NewInt(2<<30), big.NewInt(32<<30))
	if mem["disableOOMKiller"] == true {
		mem["disableOOMKiller"] = false
	}
	cpu := child(res, "cpu")
	period := num(cpu["period"])
	if period == nil || period.Sign() == 0 {
		period = big.NewInt(100000)
		cpu["period"] = number(period)
	}
	clamp(cpu, "quota", new(big.Int).Mul(period, big.NewInt(2)),
		new(big.Int).Mul(period, big.NewInt(16)))
	if s := num(cpu["shares"]); s != nil && s.Cmp(big.NewInt(10240)) > 0 {
		cpu["shares"] = json.Number("10240")
	}
}

func process(proc obj) {
	proc["noNewPrivileges"] = true
	if caps, ok := proc["capabilities"].(obj); ok {
		for set, v := range caps {
			if v == nil {
				continue
			}
			kept := []any{}
			for _, c := range list(v) {
				if allowedCaps[str(c)] {
					kept = append(kept, c)
				}
			}
			caps[set] = kept
		}
	}
	if a := num(proc["oomScoreAdj"]); a != nil && a.Sign() < 0 {
		proc["oomScoreAdj"] = json.Number("0")
	}
	for _, r := range list(proc["rlimits"]) {
		rl, _ := r.(obj)
		if rl == nil {
			continue
		}
		ceil := map[string]int64{"RLIMIT_NOFILE": 1048576, "RLIMIT_NPROC": 65536}[str(rl["type"])]
		for _, k := range []string{"hard", "soft"} {
			if v := num(rl[k]); ceil > 0 && v != nil && v.Cmp(big.NewInt(ceil)) > 0 {
				rl[k] = json.Number(fmt.Sprint(ceil))
			}
		}
	}
}

func mounts(spec obj) {
	have := map[string]bool{}
	ms := list(spec["mounts"])
	for _, m := range ms {
		mnt, _ := m.(obj)
		if mnt == nil {
			continue
		}
		have[str(mnt["destination"])] = true
		if !isBind(mnt) {
			continue
		}
		for i, o := range list(mnt["options"]) {
			switch o {
			case "shared", "rshared", "slave", "rslave":
				list(mnt["options"])[i] = "rprivate"
			}
		}
	}
	for _, d := range []string{"/tmp", "/run", "/var/tmp"} {
		if !have[d] {
			ms = append(ms, obj{"destination": d, "type": "tmpfs", "source": "tmpfs",
				"options": []any{"nosuid", "nodev", "mode=1777", "size=65536k", "tmpcopyup"}})
		}
	}
	spec["mounts"] = ms
}

func unconfined(v any) bool {
	sc, _ := v.(obj)
	if sc == nil {
		return true
	}
	allowing := func(a string) bool { return a == "SCMP_ACT_ALLOW" || a == "SCMP_ACT_LOG" }
	if !allowing(str(sc["defaultAction"])) {
		return false
	}
	for _, r := range list(sc["syscalls"]) {
		if rule, _ := r.(obj); rule == nil || !allowing(str(rule["action"])) {
			return false
		}
	}
	return true
}

func decode(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	return d.Decode(v)
}

func rewrite(config, seccompFile string) error {
	data, err := os.ReadFile(config)
	if err != nil {
		return err
	}
	var spec obj
	if err := decode(data, &spec); err != nil {
		return err
	}
	if err := refusals(spec); err != nil {
		return fmt.Errorf("refused: %w", err)
	}
	child(spec, "root")["readonly"] = true
	process(child(spec, "process"))
	linux := child(spec, "linux")
	limits(child(linux, "resources"))
	linux["rootfsPropagation"] = "rprivate"
	mounts(spec)
	if len(list(linux["maskedPaths"])) == 0 {
		linux["maskedPaths"] = masked
	}
	if len(list(linux["readonlyPaths"])) == 0 {
		linux["readonlyPaths"] = readonly
	}
	if unconfined(linux["seccomp"]) {
		prof, err := os.ReadFile(seccompFile)
		if err != nil {
			return err
		}
		var sc obj
		if err := decode(prof, &sc); err != nil {
			return fmt.Errorf("%s: %w", seccompFile, err)
		}
		linux["seccomp"] = sc
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(spec); err != nil {
		return err
	}
	return writeAtomic(config, out.Bytes())
}

func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".config.json.")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// command returns runc's command and the bundle it names (default ".").
func command(args []string) (string, string) {
	cmd, bundle := "", "."
	for i := 0; i < len(args); i++ {
		a := args[i]
		if cmd == "" {
			switch strings.TrimLeft(a, "-") {
			case "log", "log-format", "root", "criu", "rootless":
				i++
				continue
			}
			if !strings.HasPrefix(a, "-") {
				cmd = a
			}
			continue
		}
		switch {
		case (a == "--bundle" || a == "-bundle" || a == "-b") && i+1 < len(args):
			bundle = args[i+1]
			i++
		case strings.HasPrefix(a, "--bundle=") || strings.HasPrefix(a, "-bundle=") ||
			strings.HasPrefix(a, "-b="):
			bundle = a[strings.IndexByte(a, '=')+1:]
		}
	}
	return cmd, bundle
}

func main() {
	runtime, seccomp := "runc", "/usr/share/hardrun/profiles/seccomp/default.json"
	args := os.Args[1:]
	for len(args) > 0 {
		if strings.HasPrefix(args[0], "--ref-runtime=") {
			runtime = strings.TrimPrefix(args[0], "--ref-runtime=")
		} else if strings.HasPrefix(args[0], "--ref-seccomp=") {
			seccomp = strings.TrimPrefix(args[0], "--ref-seccomp=")
		} else {
			break
		}
		args = args[1:]
	}
	if cmd, bundle := command(args); cmd == "create" || cmd == "run" {
		config := filepath.Join(bundle, "config.json")
		if err := rewrite(config, seccomp); err != nil {
			fmt.Fprintf(os.Stderr, "go-wrapper: %s: %v\n", config, err)
			os.Exit(1)
		}
	}
	argv := append([]string{runtime}, args...)
	path, err := exec.LookPath(runtime)
	if err == nil {
		err = syscall.Exec(path, argv, os.Environ())
	}
	fmt.Fprintf(os.Stderr, "go-wrapper: exec %s: %v\n", runtime, err)
	os.Exit(127)
}
