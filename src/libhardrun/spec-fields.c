/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The runtime-spec's field names, for hr_json_check_go_keys().
 *
 * Every field name of runtime-spec's specs-go/config.go (up to v1.3, with
 * v1.1's intelRdt.enableCMT and enableMBM), spelled as its json tag.  runc
 * (Go) also reads a key that differs from one of these in case only, crun
 * reads the exact spelling alone: under crun, {"root": {"Readonly": true}}
 * is a writable rootfs that runc (and hardrun, reading as runc) takes for
 * read-only.  Such a key is refused, so that hardrun, runc and crun read
 * one document.  Names unique under ASCII case folding; sorted so. */
#include "config.h"

#include "hardrun/json.h"
#include "hardrun/policy.h"

/* clang-format off */
static const char *const spec_field_names[] = {
    "access", "action", "additionalGids", "affinity", "allow", "allowedAddress",
    "allowUnqualifiedDNSQuery", "ambient", "anet", "annotations", "apparmorProfile",
    "architectures", "args", "blockIO", "bounding", "bps", "burst", "capabilities", "cappedCPU",
    "cappedMemory", "cgroupsPath", "checkBeforeUpdate", "chflags", "class", "classID", "closID",
    "commandLine", "configureAllowedAddress", "consoleSize", "containerID", "count", "cpu",
    "cpus", "createContainer", "createRuntime", "credentialSpec", "cwd", "deadline",
    "defaultAction", "defaultErrnoRet", "defrouter", "destination", "devices", "deviceTree",
    "disableOOMKiller", "DNSSearchList", "domain", "domainname", "dtdevs", "effective",
    "enableCMT", "enableMBM", "enableMonitoring", "endpointList", "enforceStatfs", "env",
    "errnoRet", "execCPUAffinity", "fileMode", "final", "firstGFN", "firstMFN", "flags", "format",
    "freebsd", "gid", "gidMappings", "group", "hard", "hcaHandles", "hcaObjects", "height",
    "hooks", "host", "hostID", "hostname", "hugepageLimits", "hwconfig", "hyperv", "hypervisor",
    "id", "idle", "idType", "ignoreFlushesDuringBoot", "image", "index", "inheritable", "initial",
    "initrd", "intelRdt", "interface", "iomems", "ioPriority", "iops", "ip4", "ip4Addr", "ip6",
    "ip6Addr", "irqs", "jail", "kernel", "kernelTCP", "l3CacheSchema", "layerFolders",
    "leafWeight", "limit", "limitpriv", "linkname", "linkProtection", "linux", "listenerMetadata",
    "listenerPath", "lowerLink", "macAddress", "major", "mask", "maskedPaths", "maximum",
    "maxShmMemory", "memBwSchema", "memory", "memoryPolicy", "mems", "milestone", "minor",
    "mlock", "mode", "mount", "mountLabel", "mounts", "name", "names", "namespaces", "nanosecs",
    "ncpus", "netDevices", "network", "networkNamespace", "networkSharedContainerName", "nice",
    "nodes", "noNewPrivileges", "nrMFNs", "ociVersion", "oomScoreAdj", "op", "options",
    "pageSize", "parameters", "parent", "path", "period", "permitted", "personality", "physical",
    "pids", "policy", "poststart", "poststop", "prestart", "priorities", "priority", "process",
    "quota", "quotas", "rate", "rawSockets", "rdma", "readonly", "readonlyPaths",
    "realtimePeriod", "realtimeRuntime", "reservation", "reservedPorts", "resources", "rlimits",
    "root", "rootfsPropagation", "runtime", "sandboxSize", "scheduler", "schemata", "seccomp",
    "secs", "selinuxLabel", "servicing", "setHostname", "shares", "size", "socketAf", "soft",
    "solaris", "source", "startContainer", "storage", "suser", "swap", "swappiness", "syscalls",
    "sysctl", "sysvmsg", "sysvsem", "sysvshm", "terminal", "throttleReadBpsDevice",
    "throttleReadIOPSDevice", "throttleWriteBpsDevice", "throttleWriteIOPSDevice", "timeOffsets",
    "timeout", "type", "uid", "uidMappings", "umask", "unified", "useHierarchy", "user",
    "username", "utilityVMPath", "value", "valueTwo", "vcpus", "vm", "vnet", "vnetInterfaces",
    "weight", "weightDevice", "width", "windows", "zos", NULL,
};
/* clang-format on */

/* The hash table json-keys.c would fill on first use (FNV-1a of the
 * ASCII-lower-cased name, linear probing, in the order above), made
 * beforehand: filling it costs every create more than the check itself.
 * tests/unit/test-json.c fills a copy and compares. */
/* clang-format off */
struct hr_json_fields hr_spec_fields = {
    .names = spec_field_names,
    .slot = {
        [5] = 3, [6] = 58, [7] = 174, [8] = 7, [13] = 40, [18] = 127, [19] = 45, [26] = 181, [29] =
        49, [30] = 109, [48] = 172, [50] = 5, [55] = 227, [78] = 51, [85] = 176, [86] = 207, [90] =
        141, [91] = 192, [96] = 94, [99] = 35, [103] = 166, [105] = 134, [109] = 15, [113] = 6, [114]
        = 19, [125] = 124, [129] = 21, [133] = 182, [142] = 33, [143] = 90, [144] = 99, [145] = 102,
        [154] = 213, [161] = 17, [162] = 22, [164] = 52, [165] = 147, [170] = 48, [171] = 146, [180] =
        11, [181] = 38, [182] = 191, [191] = 42, [195] = 190, [197] = 185, [214] = 144, [215] = 200,
        [222] = 97, [226] = 135, [232] = 87, [234] = 57, [235] = 8, [241] = 168, [242] = 50, [245] =
        93, [253] = 150, [260] = 225, [264] = 46, [284] = 142, [285] = 110, [286] = 145, [287] = 224,
        [292] = 54, [293] = 67, [295] = 216, [299] = 179, [303] = 44, [304] = 91, [305] = 219, [306] =
        25, [308] = 39, [309] = 106, [310] = 151, [311] = 9, [312] = 62, [317] = 98, [320] = 129,
        [321] = 37, [328] = 83, [329] = 214, [333] = 211, [334] = 78, [335] = 187, [338] = 64, [341] =
        171, [344] = 114, [348] = 178, [349] = 189, [360] = 165, [361] = 116, [364] = 76, [367] = 74,
        [378] = 120, [379] = 163, [393] = 32, [395] = 164, [396] = 80, [399] = 104, [400] = 132, [410]
        = 14, [411] = 66, [415] = 159, [416] = 34, [417] = 138, [427] = 86, [429] = 215, [430] = 121,
        [433] = 77, [434] = 113, [440] = 95, [441] = 218, [444] = 117, [447] = 208, [459] = 199, [463]
        = 126, [468] = 55, [472] = 193, [473] = 26, [475] = 73, [477] = 180, [481] = 183, [483] = 88,
        [485] = 30, [486] = 131, [489] = 170, [500] = 31, [506] = 85, [508] = 140, [529] = 188, [538]
        = 203, [543] = 228, [550] = 119, [553] = 133, [556] = 63, [557] = 223, [562] = 206, [566] =
        205, [568] = 53, [578] = 108, [581] = 177, [587] = 20, [588] = 59, [590] = 198, [592] = 122,
        [594] = 84, [601] = 4, [602] = 222, [608] = 155, [614] = 195, [619] = 130, [625] = 201, [628]
        = 65, [639] = 157, [640] = 139, [641] = 10, [642] = 118, [643] = 156, [645] = 161, [652] = 68,
        [665] = 167, [672] = 27, [674] = 75, [675] = 12, [682] = 112, [686] = 125, [689] = 204, [693]
        = 71, [694] = 61, [695] = 60, [697] = 173, [698] = 128, [699] = 194, [700] = 226, [703] = 18,
        [709] = 137, [711] = 153, [717] = 212, [723] = 184, [725] = 89, [728] = 101, [729] = 149,
        [736] = 81, [738] = 115, [746] = 229, [747] = 1, [754] = 217, [759] = 123, [767] = 2, [772] =
        111, [773] = 152, [777] = 162, [783] = 230, [787] = 29, [795] = 96, [803] = 154, [813] = 103,
        [814] = 107, [817] = 100, [828] = 13, [829] = 79, [834] = 72, [846] = 197, [872] = 221, [877]
        = 158, [883] = 136, [887] = 148, [891] = 28, [896] = 43, [904] = 210, [905] = 105, [906] =
        143, [915] = 82, [921] = 41, [933] = 196, [948] = 16, [949] = 56, [951] = 186, [955] = 92,
        [964] = 209, [969] = 23, [970] = 220, [979] = 36, [988] = 69, [998] = 160, [1003] = 202,
        [1006] = 70, [1009] = 47, [1010] = 175, [1015] = 169, [1023] = 24
    },
    .ready = true,
};
/* clang-format on */
