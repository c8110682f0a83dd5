#!/usr/bin/python3
"""A hand-written subset of the Kubernetes API schemas (about v1.29) and its validation.

The kinds StreamSpace creates or ships (see KINDS), checked the way the API server does in
its three stages, so that a client tested against kube_contract_server meets the same
answers a cluster would give:

  * decoding: JSON types (400 BadRequest on a cluster), quantities, base64;
  * unknown fields, kept apart because the server's fieldValidation decides what they cost;
  * validation: required values, enums, names, labels, ports, cross-field rules (422 Invalid).

Messages follow apimachinery's field.Error wording, e.g.
  spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive

As a command: /usr/bin/python3 kube_schema.py MANIFESTS.yaml   (or - for stdin)
prints one line per problem and exits 1 if there is any.
"""
import base64
import binascii
import ipaddress
import json
import re
import sys
from decimal import ROUND_CEILING, Decimal, InvalidOperation

# ----------------------------------------------------------------------------- errors


class GoLiteral:
    """A value that field errors print as Go source (%#v) rather than as JSON."""

    def __init__(self, text):
        self.text = text


def go_repr(v):
    """How field.Error prints a bad value: %q for strings, %v for numbers, %#v otherwise."""
    if isinstance(v, GoLiteral):
        return v.text
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dict) and all(isinstance(x, str) for x in v.values()):
        return "map[string]string{" + ", ".join(
            f"{json.dumps(k)}:{json.dumps(x)}" for k, x in sorted(v.items())) + "}"
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return "[]string{" + ", ".join(json.dumps(x) for x in v) + "}"
    text = json.dumps(v, sort_keys=True)
    return text if len(text) <= 200 else text[:200] + "..."


class FieldError:
    TITLES = {"Required": "Required value", "Invalid": "Invalid value", "NotSupported": "Unsupported value",
              "Duplicate": "Duplicate value", "Forbidden": "Forbidden", "NotFound": "Not found",
              "TooLong": "Too long"}

    def __init__(self, type_, field, value=None, detail=""):
        self.type, self.field, self.value, self.detail = type_, field, value, detail

    @property
    def reason(self):
        return "FieldValue" + self.type

    def body(self):
        s = self.TITLES[self.type]
        if self.type not in ("Required", "Forbidden", "TooLong"):
            s += ": " + go_repr(self.value)
        return s + (": " + self.detail if self.detail else "")

    def __str__(self):
        return f"{self.field}: {self.body()}"


class DecodeError:
    """A value the API server's decoder refuses: the request fails with 400 before validation."""

    def __init__(self, field, value, message):
        self.field, self.value, self.message = field, value, message

    def __str__(self):
        return f"{self.field}: Invalid value: {go_repr(self.value)}: {self.message}"


class Report:
    def __init__(self):
        self.decode = []   # DecodeError
        self.errors = []   # FieldError
        self.unknown = []  # paths of fields the schema does not know

    def add(self, type_, field, value=None, detail=""):
        self.errors.append(FieldError(type_, field, value, detail))

    def messages(self):
        return ([str(e) for e in self.decode] + [str(e) for e in self.errors]
                + [f'unknown field "{p}"' for p in self.unknown])


def sub(path, key):
    return f"{path}.{key}" if path else key


def supported(values):
    return "supported values: " + ", ".join(json.dumps(v) for v in values)


# ----------------------------------------------------------------------------- names and quantities

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_QNAME = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
DNS1123_LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
                     "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used "
                     "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
DNS1123_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
                         "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
                         "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
DNS1035_LABEL_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
                     "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
                     "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
QNAME_MSG = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
             "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
             "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
LABEL_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
                   "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
                   "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
ENV_NAME_MSG = ("a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', "
                "and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex "
                "used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')")
CONFIG_KEY_MSG = ("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or "
                  "'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')")
QUANTITY_RE = re.compile(r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")
QUANTITY_MSG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"


def dns1123_label(v):
    errs = ["must be no more than 63 characters"] if len(v) > 63 else []
    return errs + ([] if re.fullmatch(_LABEL, v) else [DNS1123_LABEL_MSG])


def dns1123_subdomain(v):
    errs = ["must be no more than 253 characters"] if len(v) > 253 else []
    return errs + ([] if re.fullmatch(rf"{_LABEL}(\.{_LABEL})*", v) else [DNS1123_SUBDOMAIN_MSG])


def dns1035_label(v):
    errs = ["must be no more than 63 characters"] if len(v) > 63 else []
    return errs + ([] if re.fullmatch(r"[a-z]([-a-z0-9]*[a-z0-9])?", v) else [DNS1035_LABEL_MSG])


def path_segment_name(v):
    if v in (".", ".."):
        return [f"may not be '{v}'"]
    return [f"may not contain '{c}'" for c in "/%" if c in v]


def qualified_name(v):
    parts = v.split("/")
    if len(parts) > 2:
        return ["a qualified name " + QNAME_MSG + " with an optional DNS subdomain prefix and '/' (e.g. "
                "'example.com/MyName')"]
    errs, name = [], parts[-1]
    if len(parts) == 2:
        errs += ["prefix part must be non-empty"] if not parts[0] else \
            ["prefix part " + m for m in dns1123_subdomain(parts[0])]
    if not name:
        return errs + ["name part must be non-empty"]
    if len(name) > 63:
        errs.append("name part must be no more than 63 characters")
    return errs + ([] if re.fullmatch(_QNAME, name) else ["name part " + QNAME_MSG])


def label_value(v):
    errs = ["must be no more than 63 characters"] if len(v) > 63 else []
    return errs + ([] if re.fullmatch(rf"({_QNAME})?", v) else [LABEL_VALUE_MSG])


def iana_svc_name(v):
    errs = ["must be no more than 15 characters"] if len(v) > 15 else []
    if not re.fullmatch(r"[-a-z0-9]+", v):
        errs.append("must contain only alphanumeric characters (a-z, 0-9), and hyphens (-)")
    if "--" in v:
        errs.append("must not contain consecutive hyphens")
    if not re.search(r"[a-z]", v):
        errs.append("must contain at least one letter (a-z)")
    if v.startswith("-") or v.endswith("-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def env_var_name(v):
    return [] if re.fullmatch(r"[-._a-zA-Z][-._a-zA-Z0-9]*", v) else [ENV_NAME_MSG]


def config_key(v):
    errs = ["must be no more than 253 characters"] if len(v) > 253 else []
    if not re.fullmatch(r"[-._a-zA-Z0-9]+", v):
        errs.append(CONFIG_KEY_MSG)
    if v in (".", ".."):
        errs.append(f"must not be '{v}'")
    elif v.startswith(".."):
        errs.append("must not start with '..'")
    return errs


_SUFFIXES = {"": 0, "n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}


def _parse_quantity(v):
    """(value, format) with format 'DecimalSI', 'BinarySI' or 'DecimalExponent'; ValueError otherwise."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        v = repr(v)
    if not isinstance(v, str):
        raise ValueError(QUANTITY_MSG)
    m = QUANTITY_RE.match(v.strip() if v.strip() == v else "\x00")
    if not m:
        raise ValueError(QUANTITY_MSG)
    number, suffix = m.groups()
    try:
        num = Decimal(number)
    except InvalidOperation:
        raise ValueError(QUANTITY_MSG) from None
    if suffix in _SUFFIXES:
        return num.scaleb(_SUFFIXES[suffix]), "DecimalSI"
    if suffix in _BINARY:
        return num * (1024 ** _BINARY[suffix]), "BinarySI"
    if re.fullmatch(r"[eE][-+]?[0-9]+", suffix):
        return num.scaleb(int(suffix[1:])), "DecimalExponent"
    raise ValueError("unable to parse quantity's suffix")


def parse_quantity(v):
    """The quantity's value as a Decimal (bytes, cores, ...); ValueError with the API's message."""
    return _parse_quantity(v)[0]


def canonical_quantity(v):
    """The form the API server stores and answers with: '1000m' -> '1', '2048Ki' -> '2Mi', '0.5' -> '500m'."""
    value, fmt = _parse_quantity(v)
    # Quantities keep at most nano precision, rounded up, as resource.Quantity does.
    value = (value.scaleb(9)).to_integral_value(ROUND_CEILING).scaleb(-9)
    sign, value = ("-" if value < 0 else ""), abs(value)
    if fmt == "BinarySI" and value == value.to_integral_value():
        n, power = int(value), 0
        while power < 6 and n >= 1024 and n % 1024 == 0:
            n, power = n // 1024, power + 1
        if power or n < 1024:
            return sign + str(n) + ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][power]
    exp = -9
    while exp < 18 and (value.scaleb(-(exp + 3))) == (value.scaleb(-(exp + 3))).to_integral_value():
        exp += 3
    if value == 0:
        exp = 0
    mantissa = int(value.scaleb(-exp))
    if fmt == "DecimalExponent":
        return f"{sign}{mantissa}" + (f"e{exp}" if exp else "")
    return sign + str(mantissa) + {v: k for k, v in _SUFFIXES.items()}[exp]


# ----------------------------------------------------------------------------- schema types


def _json_kind(v):
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(v), "value")


def _empty(v):
    return v is None or v == "" or v == [] or v == {} or (type(v) is int and v == 0)


class Type:
    go = "interface {}"

    def walk(self, v, path, go_path, owner, rep):
        pass

    def mismatch(self, v, path, go_path, owner, rep):
        rep.decode.append(DecodeError(path, v, f"json: cannot unmarshal {_json_kind(v)} into Go struct field "
                                               f"{owner}.{go_path} of type {self.go}"))


ANY = Type()


class Str(Type):
    go = "string"

    def __init__(self, *enum):
        self.enum = enum

    def walk(self, v, path, go_path, owner, rep):
        if not isinstance(v, str):
            self.mismatch(v, path, go_path, owner, rep)
        elif self.enum and v not in self.enum:
            rep.add("NotSupported", path, v, supported(self.enum))


class Int(Type):
    def __init__(self, lo=None, hi=None, bits=32):
        self.lo, self.hi, self.go = lo, hi, f"int{bits}"

    def walk(self, v, path, go_path, owner, rep):
        if type(v) is not int:
            self.mismatch(v, path, go_path, owner, rep)
        elif self.hi is not None and not self.lo <= v <= self.hi:
            rep.add("Invalid", path, v, f"must be between {self.lo} and {self.hi}, inclusive")
        elif self.lo is not None and v < self.lo:
            rep.add("Invalid", path, v, f"must be greater than or equal to {self.lo}")


class Bool(Type):
    go = "bool"

    def walk(self, v, path, go_path, owner, rep):
        if not isinstance(v, bool):
            self.mismatch(v, path, go_path, owner, rep)


class IntOrStr(Type):
    go = "intstr.IntOrString"

    def walk(self, v, path, go_path, owner, rep):
        if not (isinstance(v, str) or type(v) is int):
            self.mismatch(v, path, go_path, owner, rep)


class Qty(Type):
    go = "resource.Quantity"

    def walk(self, v, path, go_path, owner, rep):
        try:
            parse_quantity(v)
        except ValueError as e:
            rep.decode.append(DecodeError(path, v, str(e)))


class B64(Type):
    go = "[]uint8"

    def walk(self, v, path, go_path, owner, rep):
        if not isinstance(v, str):
            return self.mismatch(v, path, go_path, owner, rep)
        # Go's decoder skips line breaks, which YAML tools leave in long values.
        text = v.replace("\r", "").replace("\n", "")
        bad = re.search(r"[^A-Za-z0-9+/=]", text)
        try:
            if bad:
                raise binascii.Error()
            base64.b64decode(text, validate=True)
        except binascii.Error:
            at = bad.start() if bad else (len(text) // 4) * 4
            rep.decode.append(DecodeError(path, v, f"illegal base64 data at input byte {at}"))


class ListOf(Type):
    def __init__(self, item):
        self.item, self.go = item, "[]" + item.go

    def walk(self, v, path, go_path, owner, rep):
        if not isinstance(v, list):
            return self.mismatch(v, path, go_path, owner, rep)
        for i, x in enumerate(v):
            if x is not None:
                self.item.walk(x, f"{path}[{i}]", go_path, owner, rep)


class MapOf(Type):
    def __init__(self, value):
        self.value, self.go = value, "map[string]" + value.go

    def walk(self, v, path, go_path, owner, rep):
        if not isinstance(v, dict):
            return self.mismatch(v, path, go_path, owner, rep)
        for k, x in v.items():
            if x is not None:
                self.value.walk(x, sub(path, k), go_path, owner, rep)


class Struct(Type):
    def __init__(self, name, fields, required=(), pkg="v1"):
        self.name, self.fields, self.required, self.go = name, fields, required, f"{pkg}.{name}"

    def walk(self, v, path, go_path, owner, rep):
        if not isinstance(v, dict):
            return self.mismatch(v, path, go_path, owner, rep)
        for k, x in v.items():
            t = self.fields.get(k)
            if t is None:
                rep.unknown.append(sub(path, k))
            elif x is not None:
                t.walk(x, sub(path, k), sub(go_path, k), self.name, rep)
        for r in self.required:
            if _empty(v.get(r)):
                rep.add("Required", sub(path, r))


S, B, I32, I64, Q, IOS = Str(), Bool(), Int(), Int(bits=64), Qty(), IntOrStr()
STRMAP, STRLIST, QMAP = MapOf(S), ListOf(S), MapOf(Q)
PROTOCOL = Str("SCTP", "TCP", "UDP")

OWNER_REF = Struct("OwnerReference", {"apiVersion": S, "kind": S, "name": S, "uid": S, "controller": B,
                                      "blockOwnerDeletion": B}, ("apiVersion", "kind", "name", "uid"))
OBJECT_META = Struct("ObjectMeta", {
    "name": S, "generateName": S, "namespace": S, "selfLink": S, "uid": S, "resourceVersion": S,
    "generation": I64, "creationTimestamp": ANY, "deletionTimestamp": S, "deletionGracePeriodSeconds": I64,
    "labels": STRMAP, "annotations": STRMAP, "ownerReferences": ListOf(OWNER_REF), "finalizers": STRLIST,
    "managedFields": ListOf(ANY)})
LABEL_SELECTOR = Struct("LabelSelector", {"matchLabels": STRMAP, "matchExpressions": ListOf(Struct(
    "LabelSelectorRequirement", {"key": S, "operator": Str("In", "NotIn", "Exists", "DoesNotExist"),
                                 "values": STRLIST}, ("key", "operator")))})
LOCAL_REF = Struct("LocalObjectReference", {"name": S})

EXEC = Struct("ExecAction", {"command": STRLIST})
HTTP_GET = Struct("HTTPGetAction", {"path": S, "port": IOS, "host": S, "scheme": Str("HTTP", "HTTPS"),
                                    "httpHeaders": ListOf(Struct("HTTPHeader", {"name": S, "value": S}, ("name",)))})
TCP_SOCKET = Struct("TCPSocketAction", {"port": IOS, "host": S})
PROBE = Struct("Probe", {
    "exec": EXEC, "httpGet": HTTP_GET, "tcpSocket": TCP_SOCKET,
    "grpc": Struct("GRPCAction", {"port": I32, "service": S}), "initialDelaySeconds": Int(0),
    "timeoutSeconds": Int(0), "periodSeconds": Int(0), "successThreshold": Int(0), "failureThreshold": Int(0),
    "terminationGracePeriodSeconds": I64})
HANDLER = Struct("LifecycleHandler", {"exec": EXEC, "httpGet": HTTP_GET, "tcpSocket": TCP_SOCKET,
                                      "sleep": Struct("SleepAction", {"seconds": I64}, ("seconds",))})
SECCOMP = Struct("SeccompProfile", {"type": Str("RuntimeDefault", "Unconfined", "Localhost"),
                                    "localhostProfile": S}, ("type",))
SELINUX = Struct("SELinuxOptions", {"user": S, "role": S, "type": S, "level": S})
UID = Int(0, 2147483647, bits=64)
CONTAINER_SC = Struct("SecurityContext", {
    "capabilities": Struct("Capabilities", {"add": STRLIST, "drop": STRLIST}), "privileged": B,
    "seLinuxOptions": SELINUX, "windowsOptions": ANY, "runAsUser": UID, "runAsGroup": UID, "runAsNonRoot": B,
    "readOnlyRootFilesystem": B, "allowPrivilegeEscalation": B, "procMount": Str("Default", "Unmasked"),
    "seccompProfile": SECCOMP})
POD_SC = Struct("PodSecurityContext", {
    "seLinuxOptions": SELINUX, "windowsOptions": ANY, "runAsUser": UID, "runAsGroup": UID, "runAsNonRoot": B,
    "supplementalGroups": ListOf(UID), "fsGroup": UID, "fsGroupChangePolicy": Str("OnRootMismatch", "Always"),
    "sysctls": ListOf(Struct("Sysctl", {"name": S, "value": S}, ("name", "value"))), "seccompProfile": SECCOMP})
KEY_SELECTOR = {"name": S, "key": S, "optional": B}
ENV_VAR = Struct("EnvVar", {"name": S, "value": S, "valueFrom": Struct("EnvVarSource", {
    "fieldRef": Struct("ObjectFieldSelector", {"apiVersion": S, "fieldPath": S}, ("fieldPath",)),
    "resourceFieldRef": Struct("ResourceFieldSelector", {"containerName": S, "resource": S, "divisor": Q},
                               ("resource",)),
    "configMapKeyRef": Struct("ConfigMapKeySelector", KEY_SELECTOR, ("key",)),
    "secretKeyRef": Struct("SecretKeySelector", KEY_SELECTOR, ("key",))})}, ("name",))
ENV_FROM = Struct("EnvFromSource", {"prefix": S,
                                    "configMapRef": Struct("ConfigMapEnvSource", {"name": S, "optional": B}),
                                    "secretRef": Struct("SecretEnvSource", {"name": S, "optional": B})})
CONTAINER = Struct("Container", {
    "name": S, "image": S, "command": STRLIST, "args": STRLIST, "workingDir": S,
    "ports": ListOf(Struct("ContainerPort", {"name": S, "hostPort": I32, "containerPort": I32,
                                             "protocol": PROTOCOL, "hostIP": S}, ("containerPort",))),
    "envFrom": ListOf(ENV_FROM), "env": ListOf(ENV_VAR),
    "resources": Struct("ResourceRequirements", {"limits": QMAP, "requests": QMAP,
                                                 "claims": ListOf(Struct("ResourceClaim", {"name": S}))}),
    "resizePolicy": ListOf(ANY), "restartPolicy": Str("Always"),
    "volumeMounts": ListOf(Struct("VolumeMount", {
        "name": S, "readOnly": B, "mountPath": S, "subPath": S, "subPathExpr": S,
        "mountPropagation": Str("None", "HostToContainer", "Bidirectional")}, ("name", "mountPath"))),
    "volumeDevices": ListOf(ANY), "livenessProbe": PROBE, "readinessProbe": PROBE, "startupProbe": PROBE,
    "lifecycle": Struct("Lifecycle", {"postStart": HANDLER, "preStop": HANDLER}),
    "terminationMessagePath": S, "terminationMessagePolicy": Str("File", "FallbackToLogsOnError"),
    "imagePullPolicy": Str("Always", "IfNotPresent", "Never"), "securityContext": CONTAINER_SC,
    "stdin": B, "stdinOnce": B, "tty": B}, ("name", "image"))
KEY_TO_PATH = ListOf(Struct("KeyToPath", {"key": S, "path": S, "mode": I32}, ("key", "path")))
VOLUME_SOURCES = {
    "persistentVolumeClaim": Struct("PersistentVolumeClaimVolumeSource", {"claimName": S, "readOnly": B},
                                    ("claimName",)),
    "emptyDir": Struct("EmptyDirVolumeSource", {"medium": Str("", "Memory", "HugePages"), "sizeLimit": Q}),
    "secret": Struct("SecretVolumeSource", {"secretName": S, "items": KEY_TO_PATH, "defaultMode": I32,
                                            "optional": B}, ("secretName",)),
    "configMap": Struct("ConfigMapVolumeSource", {"name": S, "items": KEY_TO_PATH, "defaultMode": I32,
                                                  "optional": B}, ("name",)),
    "hostPath": Struct("HostPathVolumeSource", {"path": S, "type": S}, ("path",)),
    "projected": Struct("ProjectedVolumeSource", {"sources": ListOf(ANY), "defaultMode": I32}),
    "downwardAPI": ANY, "ephemeral": ANY, "csi": ANY, "nfs": ANY,
}
TOLERATION = Struct("Toleration", {"key": S, "operator": Str("Exists", "Equal"), "value": S,
                                   "effect": Str("NoSchedule", "PreferNoSchedule", "NoExecute"),
                                   "tolerationSeconds": I64})
POD_SPEC = Struct("PodSpec", {
    "volumes": ListOf(Struct("Volume", dict(name=S, **VOLUME_SOURCES), ("name",))),
    "initContainers": ListOf(CONTAINER), "containers": ListOf(CONTAINER), "ephemeralContainers": ListOf(ANY),
    "restartPolicy": Str("Always", "OnFailure", "Never"), "terminationGracePeriodSeconds": Int(0, bits=64),
    "activeDeadlineSeconds": Int(1, bits=64),
    "dnsPolicy": Str("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"), "nodeSelector": STRMAP,
    "serviceAccountName": S, "serviceAccount": S, "automountServiceAccountToken": B, "nodeName": S,
    "hostNetwork": B, "hostPID": B, "hostIPC": B, "shareProcessNamespace": B, "securityContext": POD_SC,
    "imagePullSecrets": ListOf(LOCAL_REF), "hostname": S, "subdomain": S, "affinity": ANY, "schedulerName": S,
    "tolerations": ListOf(TOLERATION), "hostAliases": ListOf(ANY), "priorityClassName": S, "priority": I32,
    "dnsConfig": ANY, "readinessGates": ListOf(ANY), "runtimeClassName": S, "enableServiceLinks": B,
    "preemptionPolicy": S, "overhead": QMAP, "topologySpreadConstraints": ListOf(ANY), "setHostnameAsFQDN": B,
    "os": ANY, "hostUsers": B, "schedulingGates": ListOf(ANY), "resourceClaims": ListOf(ANY)}, ("containers",))
POD_TEMPLATE = Struct("PodTemplateSpec", {"metadata": OBJECT_META, "spec": POD_SPEC})
PVC_SPEC = Struct("PersistentVolumeClaimSpec", {
    "accessModes": ListOf(Str("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")),
    "selector": LABEL_SELECTOR,
    "resources": Struct("VolumeResourceRequirements", {"limits": QMAP, "requests": QMAP}),
    "volumeName": S, "storageClassName": S, "volumeMode": Str("Block", "Filesystem"), "dataSource": ANY,
    "dataSourceRef": ANY, "volumeAttributesClassName": S})


def _top(kind, fields, pkg="v1"):
    return Struct(kind, dict(apiVersion=S, kind=S, metadata=OBJECT_META, **fields), pkg=pkg)


PVC = _top("PersistentVolumeClaim", {"spec": PVC_SPEC, "status": ANY})
STRATEGY_DEPLOYMENT = Struct("DeploymentStrategy", {
    "type": Str("Recreate", "RollingUpdate"),
    "rollingUpdate": Struct("RollingUpdateDeployment", {"maxUnavailable": IOS, "maxSurge": IOS})})
DEPLOYMENT = _top("Deployment", {"spec": Struct("DeploymentSpec", {
    "replicas": Int(0), "selector": LABEL_SELECTOR, "template": POD_TEMPLATE, "strategy": STRATEGY_DEPLOYMENT,
    "minReadySeconds": Int(0), "revisionHistoryLimit": Int(0), "paused": B, "progressDeadlineSeconds": I32},
    ("selector",)), "status": ANY})
STATEFULSET = _top("StatefulSet", {"spec": Struct("StatefulSetSpec", {
    "replicas": Int(0), "selector": LABEL_SELECTOR, "template": POD_TEMPLATE, "volumeClaimTemplates": ListOf(PVC),
    "serviceName": S, "podManagementPolicy": Str("OrderedReady", "Parallel"),
    "updateStrategy": Struct("StatefulSetUpdateStrategy", {
        "type": Str("RollingUpdate", "OnDelete"),
        "rollingUpdate": Struct("RollingUpdateStatefulSetStrategy", {"partition": Int(0), "maxUnavailable": IOS})}),
    "revisionHistoryLimit": Int(0), "minReadySeconds": Int(0),
    "persistentVolumeClaimRetentionPolicy": Struct("StatefulSetPersistentVolumeClaimRetentionPolicy", {
        "whenDeleted": Str("Retain", "Delete"), "whenScaled": Str("Retain", "Delete")}),
    "ordinals": Struct("StatefulSetOrdinals", {"start": Int(0)})}, ("selector",)), "status": ANY})
SERVICE = _top("Service", {"spec": Struct("ServiceSpec", {
    "ports": ListOf(Struct("ServicePort", {"name": S, "protocol": PROTOCOL, "appProtocol": S, "port": I32,
                                           "targetPort": IOS, "nodePort": I32})),
    "selector": STRMAP, "clusterIP": S, "clusterIPs": STRLIST,
    "type": Str("ClusterIP", "ExternalName", "LoadBalancer", "NodePort"), "externalIPs": STRLIST,
    "sessionAffinity": Str("ClientIP", "None"), "loadBalancerIP": S, "loadBalancerSourceRanges": STRLIST,
    "externalName": S, "externalTrafficPolicy": Str("Cluster", "Local"), "healthCheckNodePort": I32,
    "publishNotReadyAddresses": B, "sessionAffinityConfig": ANY, "ipFamilies": ListOf(Str("IPv4", "IPv6")),
    "ipFamilyPolicy": Str("SingleStack", "PreferDualStack", "RequireDualStack"),
    "allocateLoadBalancerNodePorts": B, "loadBalancerClass": S, "internalTrafficPolicy": Str("Cluster", "Local")}),
    "status": ANY})
POLICY_RULE = Struct("PolicyRule", {"verbs": STRLIST, "apiGroups": STRLIST, "resources": STRLIST,
                                    "resourceNames": STRLIST, "nonResourceURLs": STRLIST})
ROLE_REF = Struct("RoleRef", {"apiGroup": S, "kind": S, "name": S}, ("kind", "name"))
SUBJECT = Struct("Subject", {"kind": S, "apiGroup": S, "name": S, "namespace": S}, ("kind", "name"))
NETPOL_PEER = Struct("NetworkPolicyPeer", {"podSelector": LABEL_SELECTOR, "namespaceSelector": LABEL_SELECTOR,
                                           "ipBlock": Struct("IPBlock", {"cidr": S, "except": STRLIST}, ("cidr",))})
NETPOL_PORT = Struct("NetworkPolicyPort", {"protocol": PROTOCOL, "port": IOS, "endPort": I32})
NETWORK_POLICY = _top("NetworkPolicy", {"spec": Struct("NetworkPolicySpec", {
    "podSelector": LABEL_SELECTOR,
    "ingress": ListOf(Struct("NetworkPolicyIngressRule", {"ports": ListOf(NETPOL_PORT), "from": ListOf(NETPOL_PEER)})),
    "egress": ListOf(Struct("NetworkPolicyEgressRule", {"ports": ListOf(NETPOL_PORT), "to": ListOf(NETPOL_PEER)})),
    "policyTypes": ListOf(Str("Ingress", "Egress"))}), "status": ANY})
DELETE_OPTIONS = Struct("DeleteOptions", {
    "apiVersion": S, "kind": S, "gracePeriodSeconds": I64,
    "preconditions": Struct("Preconditions", {"uid": S, "resourceVersion": S}), "orphanDependents": B,
    "propagationPolicy": Str("Foreground", "Background", "Orphan"), "dryRun": ListOf(Str("All"))})

# ----------------------------------------------------------------------------- semantic validation


def _names(v, path, rep, check):
    for msg in check(v):
        rep.add("Invalid", path, v, msg)


def validate_labels(labels, path, rep):
    for k, v in (labels or {}).items():
        _names(k, path, rep, qualified_name)
        if isinstance(v, str):
            _names(v, path, rep, label_value)


def validate_meta(meta, path, rep, namespaced, name_rule):
    name, generate = meta.get("name"), meta.get("generateName")
    if not name and not generate:
        rep.add("Required", sub(path, "name"), detail="name or generateName is required")
    if name:
        _names(name, sub(path, "name"), rep, name_rule)
    if generate:
        _names(generate.rstrip("-") or generate, sub(path, "generateName"), rep, name_rule)
    ns = meta.get("namespace")
    if ns and not namespaced:
        rep.add("Forbidden", sub(path, "namespace"), detail="not allowed on this type")
    elif ns:
        _names(ns, sub(path, "namespace"), rep, dns1123_label)
    validate_labels(meta.get("labels"), sub(path, "labels"), rep)
    annotations = meta.get("annotations") or {}
    for k in annotations:
        _names(k.lower(), sub(path, "annotations"), rep, qualified_name)
    if sum(len(k) + len(v or "") for k, v in annotations.items()) > 262144:
        rep.add("TooLong", sub(path, "annotations"), detail="must have at most 262144 bytes")


def validate_selector(sel, path, rep):
    validate_labels(sel.get("matchLabels"), sub(path, "matchLabels"), rep)
    for i, req in enumerate(sel.get("matchExpressions") or []):
        p = f"{path}.matchExpressions[{i}]"
        op, values = req.get("operator"), req.get("values") or []
        if op in ("In", "NotIn") and not values:
            rep.add("Required", sub(p, "values"), detail="must be specified when `operator` is 'In' or 'NotIn'")
        if op in ("Exists", "DoesNotExist") and values:
            rep.add("Forbidden", sub(p, "values"),
                    detail="may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
        _names(req.get("key") or "", sub(p, "key"), rep, qualified_name)


def selector_matches(sel, labels):
    labels = labels or {}
    if any(labels.get(k) != v for k, v in (sel.get("matchLabels") or {}).items()):
        return False
    for req in sel.get("matchExpressions") or []:
        key, op, values = req.get("key"), req.get("operator"), req.get("values") or []
        has = key in labels
        if (op == "In" and not (has and labels[key] in values)) or (op == "NotIn" and has and labels[key] in values) \
                or (op == "Exists" and not has) or (op == "DoesNotExist" and has):
            return False
    return True


def selector_literal(sel):
    def strmap(m):
        return "map[string]string(nil)" if m is None else go_repr(m)
    exprs = sel.get("matchExpressions")
    exprs_text = "[]v1.LabelSelectorRequirement(nil)" if exprs is None else \
        "[]v1.LabelSelectorRequirement{" + ", ".join(
            f'v1.LabelSelectorRequirement{{Key:{json.dumps(e.get("key", ""))}, Operator:'
            f'{json.dumps(e.get("operator", ""))}, Values:{go_repr(e.get("values") or [])}}}' for e in exprs) + "}"
    return GoLiteral(f"v1.LabelSelector{{MatchLabels:{strmap(sel.get('matchLabels'))}, "
                     f"MatchExpressions:{exprs_text}}}")


def validate_port_num_or_name(port, path, rep):
    if type(port) is int:
        if not 1 <= port <= 65535:
            rep.add("Invalid", path, port, "must be between 1 and 65535, inclusive")
    elif isinstance(port, str):
        _names(port, path, rep, iana_svc_name)


def validate_probe(probe, path, rep, liveness_like):
    handlers = [h for h in ("exec", "httpGet", "tcpSocket", "grpc") if probe.get(h) is not None]
    if not handlers:
        rep.add("Required", path, detail="must specify a handler type")
    for h in handlers[1:]:
        rep.add("Forbidden", sub(path, h), detail="may not specify more than 1 handler type")
    for h in ("httpGet", "tcpSocket"):
        if probe.get(h) is not None:
            validate_port_num_or_name(probe[h].get("port", 0), f"{path}.{h}.port", rep)
    if liveness_like and probe.get("successThreshold", 1) != 1:
        rep.add("Invalid", sub(path, "successThreshold"), probe["successThreshold"], "must be 1")


FIELD_PATHS = ["metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName",
               "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"]


def validate_env(c, path, rep):
    for i, e in enumerate(c.get("env") or []):
        p = f"{path}.env[{i}]"
        if e.get("name"):
            _names(e["name"], sub(p, "name"), rep, env_var_name)
        src = e.get("valueFrom")
        if src is None:
            continue
        given = [k for k in ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef") if src.get(k)]
        if e.get("value"):
            rep.add("Invalid", sub(p, "valueFrom"), "", "may not be specified when `value` is not empty")
        if not given:
            rep.add("Invalid", sub(p, "valueFrom"), "",
                    "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`")
        elif len(given) > 1:
            rep.add("Invalid", sub(p, "valueFrom"), "", "may not have more than one field specified at a time")
        fp = (src.get("fieldRef") or {}).get("fieldPath")
        if fp and fp not in FIELD_PATHS and not re.fullmatch(r"metadata\.(labels|annotations)\['[^']+'\]", fp):
            rep.add("NotSupported", f"{p}.valueFrom.fieldRef.fieldPath", fp, supported(FIELD_PATHS))
        for ref in ("configMapKeyRef", "secretKeyRef"):
            if src.get(ref) and src[ref].get("key"):
                _names(src[ref]["key"], f"{p}.valueFrom.{ref}.key", rep, config_key)
    for i, e in enumerate(c.get("envFrom") or []):
        if e.get("configMapRef") and e.get("secretRef"):
            rep.add("Invalid", f"{path}.envFrom[{i}]", "", "may not have more than one field specified at a time")
        if e.get("prefix"):
            _names(e["prefix"], f"{path}.envFrom[{i}].prefix", rep, env_var_name)


def _resource_name_ok(name):
    return name in ("cpu", "memory", "ephemeral-storage", "storage") or name.startswith("hugepages-") \
        or ("/" in name and not qualified_name(name))


def validate_resources(res, path, rep):
    limits, requests = res.get("limits") or {}, res.get("requests") or {}
    for key, values in (("limits", limits), ("requests", requests)):
        for name, q in values.items():
            p = f"{path}.{key}[{name}]"
            if not _resource_name_ok(name):
                rep.add("Invalid", p, name, "must be a standard resource type or fully qualified")
            if parse_quantity(q) < 0:
                rep.add("Invalid", p, str(q), "must be greater than or equal to 0")
    for name, q in requests.items():
        if name in limits and parse_quantity(q) > parse_quantity(limits[name]):
            rep.add("Invalid", f"{path}.requests", str(q),
                    f"must be less than or equal to {name} limit of {limits[name]}")


def validate_security_context(sc, path, rep):
    if sc.get("privileged") is True and sc.get("allowPrivilegeEscalation") is False:
        rep.add("Invalid", path, False, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true")
    validate_seccomp(sc.get("seccompProfile"), sub(path, "seccompProfile"), rep)


def validate_seccomp(profile, path, rep):
    if not profile:
        return
    if profile.get("type") == "Localhost" and not profile.get("localhostProfile"):
        rep.add("Required", sub(path, "localhostProfile"), detail="must be set when seccomp type is Localhost")
    if profile.get("type") != "Localhost" and profile.get("localhostProfile"):
        rep.add("Invalid", sub(path, "localhostProfile"), profile["localhostProfile"],
                "can only be set when seccomp type is Localhost")


def validate_container(c, path, rep, volumes, init):
    if c.get("name"):
        _names(c["name"], sub(path, "name"), rep, dns1123_label)
    port_names = set()
    for i, port in enumerate(c.get("ports") or []):
        p = f"{path}.ports[{i}]"
        if port.get("name"):
            _names(port["name"], sub(p, "name"), rep, iana_svc_name)
            if port["name"] in port_names:
                rep.add("Duplicate", sub(p, "name"), port["name"])
            port_names.add(port["name"])
        if port.get("containerPort") and not 1 <= port["containerPort"] <= 65535:
            rep.add("Invalid", sub(p, "containerPort"), port["containerPort"], "must be between 1 and 65535, inclusive")
        if port.get("hostPort") and not 1 <= port["hostPort"] <= 65535:
            rep.add("Invalid", sub(p, "hostPort"), port["hostPort"], "must be between 1 and 65535, inclusive")
    validate_env(c, path, rep)
    validate_resources(c.get("resources") or {}, sub(path, "resources"), rep)
    mount_paths = set()
    for i, m in enumerate(c.get("volumeMounts") or []):
        p = f"{path}.volumeMounts[{i}]"
        if m.get("name") and m["name"] not in volumes:
            rep.add("NotFound", sub(p, "name"), m["name"])
        if m.get("mountPath") in mount_paths:
            rep.add("Invalid", sub(p, "mountPath"), m["mountPath"], "must be unique")
        mount_paths.add(m.get("mountPath"))
        sp = m.get("subPath") or ""
        if sp.startswith("/"):
            rep.add("Invalid", sub(p, "subPath"), sp, "must be a relative path")
        if ".." in sp.split("/"):
            rep.add("Invalid", sub(p, "subPath"), sp, "must not contain '..'")
    sidecar = init and c.get("restartPolicy") == "Always"
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        if c.get(probe) is None:
            continue
        if init and (not sidecar or probe == "readinessProbe"):
            rep.add("Forbidden", sub(path, probe), detail="may not be set for init containers without "
                                                          "restartPolicy=Always")
        else:
            validate_probe(c[probe], sub(path, probe), rep, probe != "readinessProbe")
    if c.get("securityContext"):
        validate_security_context(c["securityContext"], sub(path, "securityContext"), rep)


def validate_pod_spec(spec, path, rep, workload=False, extra_volumes=()):
    volumes = set(extra_volumes)
    for i, v in enumerate(spec.get("volumes") or []):
        p = f"{path}.volumes[{i}]"
        if v.get("name"):
            _names(v["name"], sub(p, "name"), rep, dns1123_label)
            if v["name"] in volumes:
                rep.add("Duplicate", sub(p, "name"), v["name"])
            volumes.add(v["name"])
        sources = [k for k in VOLUME_SOURCES if v.get(k) is not None]
        if not sources:
            rep.add("Required", p, detail="must specify a volume type")
        for s in sources[1:]:
            rep.add("Forbidden", sub(p, s), detail="may not specify more than 1 volume type")
    names = set()
    for kind in ("initContainers", "containers"):
        for i, c in enumerate(spec.get(kind) or []):
            p = f"{path}.{kind}[{i}]"
            if c.get("name") in names:
                rep.add("Duplicate", sub(p, "name"), c["name"])
            names.add(c.get("name"))
            validate_container(c, p, rep, volumes, kind == "initContainers")
    if workload and spec.get("restartPolicy", "Always") != "Always":
        rep.add("NotSupported", sub(path, "restartPolicy"), spec["restartPolicy"], supported(["Always"]))
    for key in ("serviceAccountName", "serviceAccount"):
        if spec.get(key):
            _names(spec[key], sub(path, key), rep, dns1123_subdomain)
    if spec.get("hostname"):
        _names(spec["hostname"], sub(path, "hostname"), rep, dns1123_label)
    validate_labels(spec.get("nodeSelector"), sub(path, "nodeSelector"), rep)
    for i, t in enumerate(spec.get("tolerations") or []):
        p = f"{path}.tolerations[{i}]"
        if t.get("key"):
            _names(t["key"], sub(p, "key"), rep, qualified_name)
        if t.get("operator") == "Exists" and t.get("value"):
            rep.add("Invalid", sub(p, "operator"), t["value"], "value must be empty when `operator` is 'Exists'")
        if not t.get("key") and t.get("operator", "Equal") == "Equal":
            rep.add("Invalid", sub(p, "operator"), t.get("operator", ""),
                    'operator must be Exists when `key` is empty, which means "match all values and all keys"')
    sc = spec.get("securityContext") or {}
    validate_seccomp(sc.get("seccompProfile"), f"{path}.securityContext.seccompProfile", rep)


def validate_pvc_spec(spec, path, rep):
    if not spec.get("accessModes"):
        rep.add("Required", sub(path, "accessModes"), detail="at least 1 access mode is required")
    storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
    if storage is None:
        rep.add("Required", f"{path}.resources[storage]")
    elif parse_quantity(storage) <= 0:
        rep.add("Invalid", f"{path}.resources[storage]", str(storage), "must be greater than zero")
    if spec.get("storageClassName"):
        _names(spec["storageClassName"], sub(path, "storageClassName"), rep, dns1123_subdomain)


def _percent_or_int(v, path, rep):
    if isinstance(v, str) and not re.fullmatch(r"[0-9]+%", v):
        rep.add("Invalid", path, v, "a valid percent string must be a numeric string followed by an ending '%' "
                                    "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")
    elif type(v) is int and v < 0:
        rep.add("Invalid", path, v, "must be greater than or equal to 0")
    return 0 if v in (0, "0%") else 1


def validate_workload(obj, path, rep, kind):
    spec = obj.get("spec") or {}
    p = sub(path, "spec")
    if "spec" not in obj:
        rep.add("Required", f"{p}.selector")
    sel = spec.get("selector")
    template = spec.get("template") or {}
    tlabels = (template.get("metadata") or {}).get("labels")
    if sel is not None:
        if not sel.get("matchLabels") and not sel.get("matchExpressions"):
            rep.add("Invalid", f"{p}.selector", selector_literal(sel), f"empty selector is invalid for {kind}")
        else:
            validate_selector(sel, f"{p}.selector", rep)
            if not selector_matches(sel, tlabels):
                rep.add("Invalid", f"{p}.template.metadata.labels", tlabels if tlabels is not None else
                        GoLiteral("map[string]string(nil)"), "`selector` does not match template `labels`")
    tmeta = template.get("metadata") or {}
    validate_labels(tlabels, f"{p}.template.metadata.labels", rep)
    for k in tmeta.get("annotations") or {}:
        _names(k.lower(), f"{p}.template.metadata.annotations", rep, qualified_name)
    claims = []
    for i, t in enumerate(spec.get("volumeClaimTemplates") or []):
        tp = f"{p}.volumeClaimTemplates[{i}]"
        meta = t.get("metadata") or {}
        if not meta.get("name"):
            rep.add("Required", f"{tp}.metadata.name", detail="name or generateName is required")
        claims.append(meta.get("name"))
        validate_pvc_spec(t.get("spec") or {}, f"{tp}.spec", rep)
    if "spec" in template or "template" not in spec:
        validate_pod_spec(template.get("spec") or {}, f"{p}.template.spec", rep, True, claims)
        if "spec" not in template:
            rep.add("Required", f"{p}.template.spec.containers")
    strategy = spec.get("strategy") or {}
    if strategy.get("type") == "Recreate" and strategy.get("rollingUpdate") is not None:
        rep.add("Forbidden", f"{p}.strategy.rollingUpdate", detail="may not be specified when strategy `type` is "
                                                                   "'Recreate'")
    ru = strategy.get("rollingUpdate") or {}
    surge = _percent_or_int(ru.get("maxSurge", "25%"), f"{p}.strategy.rollingUpdate.maxSurge", rep)
    unavailable = _percent_or_int(ru.get("maxUnavailable", "25%"), f"{p}.strategy.rollingUpdate.maxUnavailable", rep)
    if not surge and not unavailable:
        rep.add("Invalid", f"{p}.strategy.rollingUpdate.maxUnavailable", ru.get("maxUnavailable"),
                "may not be 0 when `maxSurge` is 0")
    pds = spec.get("progressDeadlineSeconds")
    if pds is not None and pds <= spec.get("minReadySeconds", 0):
        rep.add("Invalid", f"{p}.progressDeadlineSeconds", pds, "must be greater than minReadySeconds")
    us = spec.get("updateStrategy") or {}
    if us.get("type") == "OnDelete" and us.get("rollingUpdate") is not None:
        rep.add("Invalid", f"{p}.updateStrategy.rollingUpdate", GoLiteral("apps.RollingUpdateStatefulSetStrategy{}"),
                "only allowed for updateStrategy 'RollingUpdate'")


def validate_deployment(obj, path, rep):
    validate_workload(obj, path, rep, "deployment")


def validate_statefulset(obj, path, rep):
    validate_workload(obj, path, rep, "statefulset")


def validate_pod(obj, path, rep):
    validate_pod_spec(obj.get("spec") or {}, sub(path, "spec"), rep)
    if "spec" not in obj:
        rep.add("Required", sub(path, "spec.containers"))


def validate_service(obj, path, rep):
    p = sub(path, "spec")
    spec = obj.get("spec") or {}
    kind = spec.get("type", "ClusterIP")
    ports = spec.get("ports") or []
    if kind == "ExternalName":
        if not spec.get("externalName"):
            rep.add("Required", f"{p}.externalName")
    elif not ports and spec.get("clusterIP") != "None":
        rep.add("Required", f"{p}.ports")
    names, pairs = set(), set()
    for i, port in enumerate(ports):
        pp = f"{p}.ports[{i}]"
        name = port.get("name")
        if len(ports) > 1 and not name:
            rep.add("Required", sub(pp, "name"))
        elif name:
            _names(name, sub(pp, "name"), rep, dns1123_label)
            if name in names:
                rep.add("Duplicate", sub(pp, "name"), name)
            names.add(name)
        number = port.get("port", 0)
        if not 1 <= number <= 65535:
            rep.add("Invalid", sub(pp, "port"), number, "must be between 1 and 65535, inclusive")
        if (number, port.get("protocol", "TCP")) in pairs:
            rep.add("Duplicate", pp, GoLiteral(f"core.ServicePort{{Name:{json.dumps(name or '')}, Protocol:"
                                               f"{json.dumps(port.get('protocol', 'TCP'))}, Port:{number}}}"))
        pairs.add((number, port.get("protocol", "TCP")))
        if port.get("targetPort") not in (None, 0):
            validate_port_num_or_name(port["targetPort"], sub(pp, "targetPort"), rep)
        if port.get("nodePort"):
            if kind == "ClusterIP":
                rep.add("Forbidden", sub(pp, "nodePort"), detail="may not be used when `type` is 'ClusterIP'")
            elif not 30000 <= port["nodePort"] <= 32767:
                rep.add("Invalid", sub(pp, "nodePort"), port["nodePort"], "provided port is not in the valid range. "
                                                                          "The range of valid ports is 30000-32767")
    validate_labels(spec.get("selector"), f"{p}.selector", rep)
    ip = spec.get("clusterIP")
    if ip and ip != "None":
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            rep.add("Invalid", f"{p}.clusterIPs[0]", ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")


def validate_pvc(obj, path, rep):
    validate_pvc_spec(obj.get("spec") or {}, sub(path, "spec"), rep)


def _validate_rules(obj, path, rep, namespaced):
    for i, rule in enumerate(obj.get("rules") or []):
        p = sub(path, f"rules[{i}]")
        if not rule.get("verbs"):
            rep.add("Required", sub(p, "verbs"), detail="verbs must contain at least one value")
        urls = rule.get("nonResourceURLs") or []
        if urls and namespaced:
            rep.add("Invalid", sub(p, "nonResourceURLs"), urls, "namespaced rules cannot apply to non-resource URLs")
        elif urls and (rule.get("apiGroups") or rule.get("resources")):
            rep.add("Invalid", sub(p, "nonResourceURLs"), urls,
                    "rules cannot apply to both regular resources and non-resource URLs")
        elif not urls:
            if not rule.get("apiGroups"):
                rep.add("Required", sub(p, "apiGroups"), detail="resource rules must supply at least one api group")
            if not rule.get("resources"):
                rep.add("Required", sub(p, "resources"), detail="resource rules must supply at least one resource")


def validate_role(obj, path, rep):
    _validate_rules(obj, path, rep, True)


def validate_cluster_role(obj, path, rep):
    _validate_rules(obj, path, rep, False)


def _validate_binding(obj, path, rep, kinds):
    ref = obj.get("roleRef")
    if ref is None:
        rep.add("Required", sub(path, "roleRef"))
        ref = {}
    if ref.get("apiGroup") != "rbac.authorization.k8s.io":
        rep.add("NotSupported", sub(path, "roleRef.apiGroup"), ref.get("apiGroup", ""),
                supported(["rbac.authorization.k8s.io"]))
    if ref.get("kind") and ref["kind"] not in kinds:
        rep.add("NotSupported", sub(path, "roleRef.kind"), ref["kind"], supported(kinds))
    if ref.get("name"):
        _names(ref["name"], sub(path, "roleRef.name"), rep, path_segment_name)
    for i, s in enumerate(obj.get("subjects") or []):
        p = sub(path, f"subjects[{i}]")
        kind, group = s.get("kind"), s.get("apiGroup", "")
        if kind == "ServiceAccount":
            if group:
                rep.add("NotSupported", sub(p, "apiGroup"), group, supported([""]))
            if s.get("name"):
                _names(s["name"], sub(p, "name"), rep, dns1123_subdomain)
            if len(kinds) == 1 and not s.get("namespace"):
                rep.add("Required", sub(p, "namespace"))
        elif kind in ("User", "Group"):
            if group != "rbac.authorization.k8s.io":
                rep.add("NotSupported", sub(p, "apiGroup"), group, supported(["rbac.authorization.k8s.io"]))
        elif kind:
            rep.add("NotSupported", sub(p, "kind"), kind, supported(["ServiceAccount", "User", "Group"]))


def validate_role_binding(obj, path, rep):
    _validate_binding(obj, path, rep, ["Role", "ClusterRole"])


def validate_cluster_role_binding(obj, path, rep):
    _validate_binding(obj, path, rep, ["ClusterRole"])


SECRET_REQUIRED_KEYS = {"kubernetes.io/dockerconfigjson": [".dockerconfigjson"], "kubernetes.io/dockercfg":
                        [".dockercfg"], "kubernetes.io/tls": ["tls.crt", "tls.key"]}


def validate_secret(obj, path, rep):
    data = dict(obj.get("data") or {})
    data.update({k: "" for k in obj.get("stringData") or {}})
    size = 0
    for k, v in (obj.get("data") or {}).items():
        size += len(k) + len(v) * 3 // 4
    for k in data:
        _names(k, sub(path, f"data[{k}]"), rep, config_key)
    for k in SECRET_REQUIRED_KEYS.get(obj.get("type"), []):
        if k not in data:
            rep.add("Required", sub(path, f"data[{k}]"))
    if obj.get("type") == "kubernetes.io/service-account-token" and \
            not ((obj.get("metadata") or {}).get("annotations") or {}).get("kubernetes.io/service-account.name"):
        rep.add("Required", sub(path, "metadata.annotations[kubernetes.io/service-account.name]"))
    if size > 1048576:
        rep.add("TooLong", sub(path, "data"), detail="must have at most 1048576 bytes")


def validate_config_map(obj, path, rep):
    data, binary = obj.get("data") or {}, obj.get("binaryData") or {}
    for field, values in (("data", data), ("binaryData", binary)):
        for k in values:
            _names(k, sub(path, f"{field}[{k}]"), rep, config_key)
    for k in set(data) & set(binary):
        rep.add("Invalid", sub(path, f"data[{k}]"), k, "duplicate of key present in binaryData")
    if sum(len(k) + len(v) for k, v in data.items()) > 1048576:
        rep.add("TooLong", path or "<root>", detail="must have at most 1048576 bytes")


def validate_network_policy(obj, path, rep):
    p = sub(path, "spec")
    spec = obj.get("spec") or {}
    validate_selector(spec.get("podSelector") or {}, f"{p}.podSelector", rep)
    for direction, peers_key in (("ingress", "from"), ("egress", "to")):
        for i, rule in enumerate(spec.get(direction) or []):
            rp = f"{p}.{direction}[{i}]"
            for j, port in enumerate(rule.get("ports") or []):
                pp = f"{rp}.ports[{j}]"
                if port.get("port") is not None:
                    validate_port_num_or_name(port["port"], sub(pp, "port"), rep)
                if port.get("endPort") is not None:
                    if type(port.get("port")) is not int:
                        rep.add("Required", sub(pp, "port"), detail="must be specified when endPort is specified")
                    elif port["endPort"] < port["port"]:
                        rep.add("Invalid", sub(pp, "endPort"), port["endPort"],
                                "must be greater than or equal to `port`")
            for j, peer in enumerate(rule.get(peers_key) or []):
                pp = f"{rp}.{peers_key}[{j}]"
                kinds = [k for k in ("podSelector", "namespaceSelector", "ipBlock") if peer.get(k) is not None]
                if not kinds:
                    rep.add("Required", pp, detail="must specify a peer")
                elif "ipBlock" in kinds and len(kinds) > 1:
                    rep.add("Forbidden", pp, detail="may not specify more than 1 peer type")
                for k in ("podSelector", "namespaceSelector"):
                    if peer.get(k) is not None:
                        validate_selector(peer[k], sub(pp, k), rep)
                cidr = (peer.get("ipBlock") or {}).get("cidr")
                if cidr:
                    try:
                        ipaddress.ip_network(cidr, strict=False)
                    except ValueError:
                        rep.add("Invalid", f"{pp}.ipBlock.cidr", cidr,
                                "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)")


def validate_delete_options(obj, path, rep):
    if obj.get("orphanDependents") is not None and obj.get("propagationPolicy"):
        rep.add("Invalid", sub(path, "propagationPolicy"), obj["propagationPolicy"],
                "orphanDependents and deletionPropagation cannot be both set")


# ----------------------------------------------------------------------------- kinds


class Kind:
    def __init__(self, api_version, kind, schema, validate=None, namespaced=True, name_rule=dns1123_subdomain,
                 has_meta=True):
        self.api_version, self.kind, self.schema, self.validate = api_version, kind, schema, validate
        self.namespaced, self.name_rule, self.has_meta = namespaced, name_rule, has_meta


RBAC = "rbac.authorization.k8s.io/v1"
KINDS = {(k.api_version, k.kind): k for k in [
    Kind("v1", "Namespace", _top("Namespace", {"spec": Struct("NamespaceSpec", {"finalizers": STRLIST}),
                                               "status": ANY}), namespaced=False, name_rule=dns1123_label),
    Kind("v1", "ServiceAccount", _top("ServiceAccount", {"secrets": ListOf(ANY), "imagePullSecrets":
                                                         ListOf(LOCAL_REF), "automountServiceAccountToken": B})),
    Kind("v1", "Secret", _top("Secret", {"immutable": B, "data": MapOf(B64()), "stringData": STRMAP, "type": S}),
         validate_secret),
    Kind("v1", "ConfigMap", _top("ConfigMap", {"immutable": B, "data": STRMAP, "binaryData": MapOf(B64())}),
         validate_config_map),
    Kind("v1", "Service", SERVICE, validate_service, name_rule=dns1035_label),
    Kind("v1", "PersistentVolumeClaim", PVC, validate_pvc),
    Kind("v1", "Pod", _top("Pod", {"spec": POD_SPEC, "status": ANY}), validate_pod),
    Kind("apps/v1", "Deployment", DEPLOYMENT, validate_deployment),
    Kind("apps/v1", "StatefulSet", STATEFULSET, validate_statefulset),
    Kind("autoscaling/v1", "Scale", _top("Scale", {"spec": Struct("ScaleSpec", {"replicas": Int(0)}),
                                                   "status": ANY})),
    Kind("networking.k8s.io/v1", "NetworkPolicy", NETWORK_POLICY, validate_network_policy),
    Kind(RBAC, "Role", _top("Role", {"rules": ListOf(POLICY_RULE)}), validate_role, name_rule=path_segment_name),
    Kind(RBAC, "ClusterRole", _top("ClusterRole", {"rules": ListOf(POLICY_RULE), "aggregationRule": ANY}),
         validate_cluster_role, namespaced=False, name_rule=path_segment_name),
    Kind(RBAC, "RoleBinding", _top("RoleBinding", {"subjects": ListOf(SUBJECT), "roleRef": ROLE_REF}),
         validate_role_binding, name_rule=path_segment_name),
    Kind(RBAC, "ClusterRoleBinding", _top("ClusterRoleBinding", {"subjects": ListOf(SUBJECT), "roleRef": ROLE_REF}),
         validate_cluster_role_binding, namespaced=False, name_rule=path_segment_name),
    Kind("v1", "DeleteOptions", DELETE_OPTIONS, validate_delete_options, has_meta=False),
    Kind("meta.k8s.io/v1", "DeleteOptions", DELETE_OPTIONS, validate_delete_options, has_meta=False),
]}


def check_object(obj, path=""):
    """Every problem with obj, sorted into Report.decode / .errors / .unknown."""
    rep = Report()
    if not isinstance(obj, dict):
        rep.decode.append(DecodeError(path or "<root>", obj, "expected a JSON object"))
        return rep
    kind = KINDS.get((obj.get("apiVersion"), obj.get("kind")))
    if kind is None:
        if not obj.get("kind"):
            rep.add("Required", sub(path, "kind"))
        elif not obj.get("apiVersion"):
            rep.add("Required", sub(path, "apiVersion"))
        else:
            rep.add("Invalid", sub(path, "kind"), obj["kind"],
                    f"no schema for {obj['apiVersion']}, Kind={obj['kind']} in this subset")
        return rep
    kind.schema.walk(obj, path, "", kind.kind, rep)
    if rep.decode:
        return rep
    if kind.has_meta:
        validate_meta(obj.get("metadata") or {}, sub(path, "metadata"), rep, kind.namespaced, kind.name_rule)
    if kind.validate:
        kind.validate(obj, path, rep)
    return rep


def validate_object(obj, path=""):
    """Human readable problems with one object (decoding, unknown fields, validation); [] if none."""
    return check_object(obj, path).messages()


def validate_manifests(text):
    """Problems in a multi-document YAML stream (e.g. `kubectl kustomize` output), each prefixed by Kind/name."""
    import yaml
    out = []
    for i, doc in enumerate(yaml.safe_load_all(text)):
        if doc is None:
            continue
        if isinstance(doc, dict) and doc.get("kind", "").endswith("List") and isinstance(doc.get("items"), list):
            docs = doc["items"]
        else:
            docs = [doc]
        for d in docs:
            name = (d.get("metadata") or {}).get("name", f"#{i}") if isinstance(d, dict) else f"#{i}"
            label = f"{d.get('kind', '?')}/{name}" if isinstance(d, dict) else name
            out += [f"{label}: {m}" for m in validate_object(d)]
    return out


def main(argv):
    if len(argv) != 2:
        print("usage: kube_schema.py MANIFESTS.yaml|-", file=sys.stderr)
        return 2
    text = sys.stdin.read() if argv[1] == "-" else open(argv[1], encoding="utf-8").read()
    problems = validate_manifests(text)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
