#!/usr/bin/python3
"""A local stand-in for the Kubernetes API server, for testing clients without a cluster.

It serves the REST API over HTTPS for the resources StreamSpace uses, checks every request
against kube_schema's hand-written schemas, and answers as a v1.29 API server does: the
same status codes, Status bodies, resourceVersion preconditions, defaults, immutable fields.
A control loop plays the controllers (Deployments, StatefulSets, claim binding, garbage
collection), the scheduler and a kubelet: with --runtime none pods become Ready after a
delay; with --runtime docker they run as containers of a podman service's Docker API, and
each Service's cluster IP forwards to its ready pods the way kube-proxy would.

  /usr/bin/python3 kube_contract_server.py --state-dir DIR [--port 0] [--token T]
      [--namespace NS] [--runtime none|docker] [--docker-host unix:///path.sock]
      [--ready-delay-ms 300] [--image-prefix PREFIX] [--rbac MANIFEST.yaml] [--admin-token T]

prints `READY https://127.0.0.1:PORT` once DIR/kubeconfig, DIR/ca.crt and DIR/token exist.
With --rbac, the Roles in MANIFEST.yaml are all the kubeconfig's token may do (403 otherwise);
DIR/admin-token is never restricted.
"""
import argparse
import atexit
import base64
import calendar
import collections
import copy
import hashlib
import http.client
import http.server
import ipaddress
import json
import math
import os
import random
import re
import secrets
import select
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import traceback
import uuid
from urllib.parse import parse_qs, quote, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kube_schema as ks  # noqa: E402

SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # what Kubernetes uses for generated name suffixes
NODE_NAME = "contract-node"
POD_NET = ipaddress.ip_network("127.0.16.0/20")
SERVICE_NET = ipaddress.ip_network("127.0.32.0/19")


def now_rfc3339(t=None):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def random_suffix(n=5):
    return "".join(random.choice(SAFE_ALPHABET) for _ in range(n))


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- errors and resources


class ApiError(Exception):
    def __init__(self, code, reason, message, details=None):
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details

    def status(self):
        body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": self.message, "reason": self.reason}
        if self.details:
            body["details"] = self.details
        body["code"] = self.code
        return body


def bad_request(message):
    return ApiError(400, "BadRequest", message)


def not_found_path():
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


class Rbac:
    """The Roles of a manifest file, enforced for the kubeconfig's token as the API server's RBAC
    authorizer would for a service account bound to them in --namespace: a request no rule allows
    is 403 Forbidden. What the agent does and what deploy/kubernetes grants it are checked together."""

    def __init__(self, path, namespace, user):
        import yaml
        with open(path) as f:
            docs = [d for d in yaml.safe_load_all(f) if isinstance(d, dict)]
        self.rules = [r for d in docs if d.get("kind") == "Role" for r in d.get("rules") or []]
        self.namespace, self.user = namespace, user

    @staticmethod
    def _has(values, wanted):
        return "*" in values or wanted in values

    def allows(self, verb, group, resource, ns, name):
        if ns != self.namespace:
            return False
        for rule in self.rules:
            names = rule.get("resourceNames") or []
            if (self._has(rule.get("apiGroups") or [], group) and self._has(rule.get("resources") or [], resource)
                    and self._has(rule.get("verbs") or [], verb) and (not names or name in names)):
                return True
        return False

    def check(self, verb, res, subresource, ns, name):
        resource = f"{res.plural}/{subresource}" if subresource else res.plural
        if self.allows(verb, res.group, resource, ns, name):
            return
        what = f'{res.qualified} "{name}"' if name else res.qualified
        where = f' in the namespace "{ns}"' if ns else " at the cluster scope"
        raise ApiError(403, "Forbidden", f'{what} is forbidden: User "{self.user}" cannot {verb} resource '
                                         f'"{resource}" in API group "{res.group}"{where}',
                       {"name": name or "", "group": res.group, "kind": res.plural})


def request_verb(method, name, query):
    """The RBAC verb of a request, as the API server's request info resolver names it."""
    if method == "GET":
        if query.get("watch") in ("true", "1"):
            return "watch"
        return "get" if name else "list"
    if method == "DELETE" and not name:
        return "deletecollection"
    return {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}.get(method, method.lower())


class Resource:
    def __init__(self, plural, group, kind, namespaced=True, create_on_update=False, scale=False,
                 status=False, generation=False):
        self.plural, self.group, self.kind, self.version = plural, group, kind, "v1"
        self.namespaced, self.create_on_update, self.scale = namespaced, create_on_update, scale
        self.has_status, self.has_generation = status, generation
        self.api_version = f"{group}/v1" if group else "v1"
        self.qualified = f"{plural}.{group}" if group else plural
        self.qualified_kind = f"{kind}.{group}" if group else kind

    def details(self, name, kind=None):
        d = {"name": name}
        if self.group:
            d["group"] = self.group
        d["kind"] = kind or self.plural
        return d

    def not_found(self, name):
        return ApiError(404, "NotFound", f'{self.qualified} "{name}" not found', self.details(name))

    def conflict(self, name, why="the object has been modified; please apply your changes to the latest "
                                 "version and try again"):
        return ApiError(409, "Conflict", f'Operation cannot be fulfilled on {self.qualified} "{name}": {why}',
                        self.details(name))

    def invalid(self, name, errors, kind=None, qualified_kind=None):
        texts = list(dict.fromkeys(str(e) for e in errors))
        summary = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
        details = self.details(name, kind or self.kind)
        details["causes"] = [{"reason": e.reason, "message": e.body(), "field": e.field} for e in errors]
        return ApiError(422, "Invalid", f'{qualified_kind or self.qualified_kind} "{name}" is invalid: {summary}',
                        details)


RBAC = "rbac.authorization.k8s.io"
RESOURCES = [
    Resource("namespaces", "", "Namespace", namespaced=False, status=True),
    Resource("pods", "", "Pod", status=True),
    Resource("services", "", "Service", status=True),
    Resource("persistentvolumeclaims", "", "PersistentVolumeClaim", status=True),
    Resource("secrets", "", "Secret"),
    Resource("configmaps", "", "ConfigMap"),
    Resource("serviceaccounts", "", "ServiceAccount"),
    Resource("deployments", "apps", "Deployment", scale=True, status=True, generation=True),
    Resource("statefulsets", "apps", "StatefulSet", scale=True, status=True, generation=True),
    Resource("networkpolicies", "networking.k8s.io", "NetworkPolicy", generation=True),
    Resource("roles", RBAC, "Role", create_on_update=True),
    Resource("rolebindings", RBAC, "RoleBinding", create_on_update=True),
    Resource("clusterroles", RBAC, "ClusterRole", namespaced=False, create_on_update=True),
    Resource("clusterrolebindings", RBAC, "ClusterRoleBinding", namespaced=False, create_on_update=True),
]
BY_PATH = {(r.group, r.plural): r for r in RESOURCES}
BY_KIND = {r.kind: r for r in RESOURCES}
PODS, SERVICES, PVCS = BY_KIND["Pod"], BY_KIND["Service"], BY_KIND["PersistentVolumeClaim"]
DEPLOYMENTS, STATEFULSETS, NAMESPACES = BY_KIND["Deployment"], BY_KIND["StatefulSet"], BY_KIND["Namespace"]
SECRETS, CONFIGMAPS = BY_KIND["Secret"], BY_KIND["ConfigMap"]


# ----------------------------------------------------------------------------- selectors


def parse_label_selector(text):
    """[(key, op, values)] for the string syntax of labels.Parse; BadRequest if malformed."""
    reqs, depth, start = [], 0, 0
    parts = []
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    for part in (p.strip() for p in parts):
        if not part:
            if text.strip():
                raise bad_request(f"unable to parse requirement: found '', expected: identifier in {text!r}")
            continue
        m = re.fullmatch(r"(\S+?)\s+(in|notin)\s*\(([^)]*)\)", part)
        if m:
            req = (m.group(1), m.group(2), [v.strip() for v in m.group(3).split(",") if v.strip()])
        elif (m := re.fullmatch(r"([^=!<>\s]+)\s*(==|=|!=|<|>)\s*([^=!\s]*)", part)):
            req = (m.group(1), {"==": "=", "<": "lt", ">": "gt"}.get(m.group(2), m.group(2)), [m.group(3)])
        elif (m := re.fullmatch(r"!\s*([^=!\s]+)", part)):
            req = (m.group(1), "!", [])
        elif re.fullmatch(r"[^=!\s()]+", part):
            req = (part, "exists", [])
        else:
            raise bad_request(f"unable to parse requirement: invalid label selector: {part!r}")
        for msg in ks.qualified_name(req[0]):
            raise bad_request(f'unable to parse requirement: key: Invalid value: "{req[0]}": {msg}')
        for v in req[2]:
            for msg in ks.label_value(v):
                raise bad_request(f'unable to parse requirement: values[0][{req[0]}]: Invalid value: "{v}": {msg}')
        reqs.append(req)
    return reqs


def labels_match(reqs, labels):
    labels = labels or {}
    for key, op, values in reqs:
        has, v = key in labels, labels.get(key)
        if op == "exists":
            ok = has
        elif op == "!":
            ok = not has
        elif op == "=":
            ok = has and v == values[0]
        elif op == "!=":
            ok = not has or v != values[0]
        elif op == "in":
            ok = has and v in values
        elif op == "notin":
            ok = not has or v not in values
        else:
            ok = has and v.isdigit() and values[0].isdigit() and \
                (int(v) > int(values[0]) if op == "gt" else int(v) < int(values[0]))
        if not ok:
            return False
    return True


FIELD_SELECTABLE = {"pods": ["metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy",
                             "spec.schedulerName", "spec.serviceAccountName", "status.phase", "status.podIP"]}


def parse_field_selector(res, text):
    reqs = []
    allowed = FIELD_SELECTABLE.get(res.plural, ["metadata.name", "metadata.namespace"])
    for part in filter(None, (p.strip() for p in text.split(","))):
        m = re.fullmatch(r"([^=!]+?)\s*(==|=|!=)\s*(.*)", part)
        if not m:
            raise bad_request(f"invalid field selector: {part!r}")
        if m.group(1) not in allowed:
            raise bad_request(f'"{m.group(1)}" is not a known field selector: only '
                              + ", ".join(f'"{a}"' for a in allowed))
        reqs.append((m.group(1).split("."), m.group(2) != "!=", m.group(3)))
    return reqs


def fields_match(reqs, obj):
    for path, equal, want in reqs:
        v = obj
        for p in path:
            v = v.get(p) if isinstance(v, dict) else None
        if ((v or "") == want) != equal:
            return False
    return True


def selector_string(sel):
    parts = [(k, f"{k}={v}") for k, v in (sel.get("matchLabels") or {}).items()]
    for e in sel.get("matchExpressions") or []:
        op, key, vals = e.get("operator"), e.get("key"), ",".join(sorted(e.get("values") or []))
        parts.append((key, {"In": f"{key} in ({vals})", "NotIn": f"{key} notin ({vals})", "Exists": key,
                            "DoesNotExist": f"!{key}"}[op]))
    return ",".join(p for _, p in sorted(parts))


# ----------------------------------------------------------------------------- patches


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            result.pop(k, None)
        else:
            result[k] = merge_patch(result.get(k), v)
    return result


def json_patch(doc, ops):
    doc = copy.deepcopy(doc)

    def walk(path):
        if not path.startswith("/"):
            raise ValueError(f"invalid JSON pointer: {path!r}")
        tokens = [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]
        parent = doc
        for t in tokens[:-1]:
            parent = parent[int(t)] if isinstance(parent, list) else parent[t]
        return parent, tokens[-1]

    def get(path):
        if path == "":
            return doc
        parent, key = walk(path)
        return parent[int(key)] if isinstance(parent, list) else parent[key]

    def put(path, value, replace):
        parent, key = walk(path)
        if isinstance(parent, list):
            if key == "-":
                parent.append(value)
            elif replace:
                parent[int(key)] = value
            else:
                parent.insert(int(key), value)
        else:
            if replace and key not in parent:
                raise KeyError(key)
            parent[key] = value

    def remove(path):
        parent, key = walk(path)
        return parent.pop(int(key) if isinstance(parent, list) else key)

    if not isinstance(ops, list):
        raise ValueError("json patch must be a list of operations")
    for op in ops:
        kind, path = op.get("op"), op.get("path", "")
        try:
            if kind == "add":
                put(path, copy.deepcopy(op["value"]), False)
            elif kind == "remove":
                remove(path)
            elif kind == "replace":
                put(path, copy.deepcopy(op["value"]), True)
            elif kind == "move":
                put(path, remove(op["from"]), False)
            elif kind == "copy":
                put(path, copy.deepcopy(get(op["from"])), False)
            elif kind == "test":
                if get(path) != op.get("value"):
                    raise ValueError(f"testing value {path} failed")
            else:
                raise ValueError(f"Unexpected kind: {kind}")
        except (KeyError, IndexError, TypeError) as e:
            raise ValueError(f"jsonpatch {kind} operation does not apply: doc is missing path: {path}: {e}")
    return doc


# ----------------------------------------------------------------------------- defaults


def _canon(m):
    for k, v in list((m or {}).items()):
        m[k] = ks.canonical_quantity(v)


def default_container(c):
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    if "imagePullPolicy" not in c:
        last = c.get("image", "").split("@")[0].split("/")[-1]
        tag = last.split(":")[1] if ":" in last else ""
        c["imagePullPolicy"] = "Always" if (tag in ("", "latest") and "@" not in c.get("image", "")) \
            else "IfNotPresent"
    res = c.setdefault("resources", {})
    _canon(res.get("limits"))
    _canon(res.get("requests"))
    for p in c.get("ports") or []:
        p.setdefault("protocol", "TCP")
    for name in ("readinessProbe", "livenessProbe", "startupProbe"):
        probe = c.get(name)
        if probe is not None:
            for k, v in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
                         ("failureThreshold", 3)):
                probe.setdefault(k, v)
            if probe.get("httpGet") is not None:
                probe["httpGet"].setdefault("scheme", "HTTP")
                probe["httpGet"].setdefault("path", "/")
    for e in c.get("env") or []:
        ref = (e.get("valueFrom") or {}).get("fieldRef")
        if ref is not None:
            ref.setdefault("apiVersion", "v1")


def default_pod_spec(spec, for_pod):
    for k, v in (("restartPolicy", "Always"), ("terminationGracePeriodSeconds", 30), ("dnsPolicy", "ClusterFirst"),
                 ("securityContext", {}), ("schedulerName", "default-scheduler"), ("enableServiceLinks", True)):
        spec.setdefault(k, v)
    for c in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        default_container(c)
    for v in spec.get("volumes") or []:
        for src in ("secret", "configMap", "projected"):
            if v.get(src) is not None:
                v[src].setdefault("defaultMode", 420)
        if v.get("emptyDir") is not None and v["emptyDir"].get("sizeLimit") is not None:
            v["emptyDir"]["sizeLimit"] = ks.canonical_quantity(v["emptyDir"]["sizeLimit"])
    if not for_pod:
        return
    spec.setdefault("serviceAccountName", spec.get("serviceAccount") or "default")
    spec["serviceAccount"] = spec["serviceAccountName"]
    spec.setdefault("priority", 0)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    tolerations = spec.setdefault("tolerations", [])
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
        if not any(t.get("key") == key for t in tolerations):
            tolerations.append({"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300})
    for c in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        res = c["resources"]
        if res.get("limits"):
            res.setdefault("requests", {})
            for k, v in res["limits"].items():
                res["requests"].setdefault(k, v)
    has_token = any(v.get("name", "").startswith("kube-api-access-") for v in spec.get("volumes") or [])
    if spec.get("automountServiceAccountToken") is not False and not has_token:
        # What the ServiceAccount admission plugin adds: the projected API credentials.
        vol = "kube-api-access-" + random_suffix()
        spec.setdefault("volumes", []).append({"name": vol, "projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1",
                                                                          "fieldPath": "metadata.namespace"}}]}}]}})
        for c in spec.get("containers") or []:
            c.setdefault("volumeMounts", []).append({"name": vol, "readOnly": True,
                                                     "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"})


def default_object(res, obj):
    kind = res.kind
    spec = obj.setdefault("spec", {}) if kind in ("Deployment", "StatefulSet", "Service", "PersistentVolumeClaim",
                                                  "NetworkPolicy", "Pod") else obj.get("spec")
    if kind in ("Deployment", "StatefulSet"):
        spec.setdefault("replicas", 1)
        spec.setdefault("revisionHistoryLimit", 10)
        template = spec.setdefault("template", {})
        template.setdefault("metadata", {}).setdefault("creationTimestamp", None)
        default_pod_spec(template.setdefault("spec", {}), False)
    if kind == "Deployment":
        spec.setdefault("progressDeadlineSeconds", 600)
        strategy = spec.setdefault("strategy", {})
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            ru = strategy.setdefault("rollingUpdate", {})
            ru.setdefault("maxUnavailable", "25%")
            ru.setdefault("maxSurge", "25%")
    elif kind == "StatefulSet":
        spec.setdefault("podManagementPolicy", "OrderedReady")
        us = spec.setdefault("updateStrategy", {"type": "RollingUpdate"})
        if us.get("type") == "RollingUpdate":
            us.setdefault("rollingUpdate", {}).setdefault("partition", 0)
        spec.setdefault("persistentVolumeClaimRetentionPolicy", {"whenDeleted": "Retain", "whenScaled": "Retain"})
        for t in spec.get("volumeClaimTemplates") or []:
            t.setdefault("apiVersion", "v1")
            t.setdefault("kind", "PersistentVolumeClaim")
            t.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
            _canon((t["spec"].get("resources") or {}).get("requests"))
            t.setdefault("status", {"phase": "Pending"})
    elif kind == "Pod":
        default_pod_spec(obj.setdefault("spec", {}), True)
    elif kind == "Service":
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        for p in spec.get("ports") or []:
            p.setdefault("protocol", "TCP")
            if p.get("targetPort") in (None, 0, ""):
                p["targetPort"] = p.get("port")
        if spec.get("type") != "ExternalName":
            spec.setdefault("ipFamilies", ["IPv4"])
            spec.setdefault("ipFamilyPolicy", "SingleStack")
            spec.setdefault("internalTrafficPolicy", "Cluster")
    elif kind == "PersistentVolumeClaim":
        spec.setdefault("volumeMode", "Filesystem")
        spec.setdefault("storageClassName", "standard")  # what the DefaultStorageClass admission sets
        _canon((spec.get("resources") or {}).get("requests"))
        _canon((spec.get("resources") or {}).get("limits"))
    elif kind == "Secret":
        obj.setdefault("type", "Opaque")
        string_data = obj.pop("stringData", None) or {}
        if string_data:
            data = obj.setdefault("data", {})
            for k, v in string_data.items():
                data[k] = base64.b64encode(v.encode()).decode()
    elif kind == "NetworkPolicy":
        types = ["Ingress"] + (["Egress"] if spec.get("egress") else [])
        spec.setdefault("policyTypes", types)
        for rule in (spec.get("ingress") or []) + (spec.get("egress") or []):
            for p in rule.get("ports") or []:
                p.setdefault("protocol", "TCP")
    elif kind == "Namespace":
        obj.setdefault("spec", {"finalizers": ["kubernetes"]})
        obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = obj["metadata"]["name"]


def prune_unknown(obj, paths):
    """The decoder drops fields its Go types lack; so must we before storing."""
    for path in paths:
        tokens = []
        for part in path.split("."):
            m = re.fullmatch(r"([^\[]*)((?:\[\d+\])*)", part)
            if m.group(1):
                tokens.append(m.group(1))
            tokens += [int(i) for i in re.findall(r"\[(\d+)\]", m.group(2))]
        node = obj
        try:
            for t in tokens[:-1]:
                node = node[t]
            del node[tokens[-1]]
        except (KeyError, IndexError, TypeError):
            pass


def template_hash(template):
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).digest()
    return "".join(SAFE_ALPHABET[b % len(SAFE_ALPHABET)] for b in digest[:10])


def resolve_int_or_percent(v, total, round_up):
    if isinstance(v, str) and v.endswith("%"):
        x = int(v[:-1]) * total / 100
        return math.ceil(x) if round_up else math.floor(x)
    return int(v or 0)


def controller_of(obj):
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def pod_ready(pod):
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


def set_condition(conditions, ctype, status, reason=None, message=None, with_update_time=False):
    now = now_rfc3339()
    old = next((c for c in conditions if c["type"] == ctype), None)
    cond = {"type": ctype, "status": status}
    if with_update_time:
        same = old is not None and old.get("reason") == reason and old.get("message") == message \
            and old.get("status") == status
        cond["lastUpdateTime"] = old["lastUpdateTime"] if same else now
    cond["lastProbeTime"] = None
    cond["lastTransitionTime"] = old["lastTransitionTime"] if old and old["status"] == status else now
    if with_update_time:
        del cond["lastProbeTime"]
    if reason:
        cond["reason"] = reason
    if message:
        cond["message"] = message
    return cond


# ----------------------------------------------------------------------------- store


class Store:
    """Every object by (resource, namespace, name); one global resourceVersion counter."""

    def __init__(self):
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.objects = {}
        self.rv = 0
        self.events = collections.deque(maxlen=20000)  # (rv, type, resource, namespace, object, previous)

    def get(self, res, ns, name):
        return self.objects.get((res.qualified, ns if res.namespaced else "", name))

    def list(self, res, ns=None):
        return [o for (q, n, _), o in sorted(self.objects.items()) if q == res.qualified and ns in (None, n)]

    def _event(self, etype, res, obj, prev):
        self.events.append((self.rv, etype, res.qualified, obj["metadata"].get("namespace", ""), obj, prev))
        self.changed.notify_all()

    def write(self, res, obj):
        meta = obj["metadata"]
        key = (res.qualified, meta.get("namespace", "") if res.namespaced else "", meta["name"])
        prev = self.objects.get(key)
        self.rv += 1
        meta["resourceVersion"] = str(self.rv)
        self.objects[key] = obj
        self._event("MODIFIED" if prev else "ADDED", res, obj, prev)
        return obj

    def write_if_changed(self, res, obj):
        cur = self.get(res, obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
        if cur is not None and strip_rv(cur) == strip_rv(obj):
            return cur
        return self.write(res, obj)

    def remove(self, res, obj):
        meta = obj["metadata"]
        key = (res.qualified, meta.get("namespace", "") if res.namespaced else "", meta["name"])
        cur = self.objects.pop(key, None)
        if cur is None:
            return None
        final = copy.deepcopy(cur)
        self.rv += 1
        final["metadata"]["resourceVersion"] = str(self.rv)
        self._event("DELETED", res, final, cur)
        return final


def strip_rv(obj):
    o = dict(obj)
    o["metadata"] = {k: v for k, v in obj["metadata"].items() if k not in ("resourceVersion", "managedFields")}
    return o


def upsert_managed(meta, manager, api_version, subresource=None):
    entries = [e for e in meta.get("managedFields") or []
               if not (e.get("manager") == manager and e.get("subresource") == subresource)]
    entry = {"manager": manager, "operation": "Update", "apiVersion": api_version, "time": now_rfc3339(),
             "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {}}}
    if subresource:
        entry["subresource"] = subresource
    meta["managedFields"] = entries + [entry]


# ----------------------------------------------------------------------------- the API


class Reply:
    def __init__(self, code, body, ctype="application/json", headers=()):
        self.code, self.body, self.ctype, self.headers = code, body, ctype, list(headers)


class WatchReply:
    def __init__(self, events):
        self.code, self.events, self.headers = 200, events, []


class Api:
    rbac = None  # Rbac: set by main() with --rbac

    def __init__(self, args, runtime):
        self.args, self.runtime = args, runtime
        self.store = Store()
        self.lock = self.store.lock
        self.conflicts = {}
        self.requests = []
        self.port = 0
        self.next_cluster_ip = int(SERVICE_NET.network_address) + 1
        with self.lock:
            for ns in sorted({"default", "kube-system", args.namespace}):
                ns_obj = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
                self.create(NAMESPACES, "", {}, ns_obj, "Ignore", False, "kube-apiserver")

    # --- plumbing

    def handle(self, method, path, query, headers, raw, admin=False):
        parts = [p for p in path.split("/") if p]
        if parts in (["api"], ["apis"]) or (len(parts) == 2 and parts[0] == "api") or \
                (len(parts) == 3 and parts[0] == "apis"):
            if method != "GET":
                raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested "
                                                        "resource", {})
            return Reply(200, self.discovery(parts))
        if parts[:2] == ["api", "v1"]:
            group, rest = "", parts[2:]
        elif len(parts) >= 3 and parts[0] == "apis":
            group, rest = parts[1], parts[3:]
            if parts[2] != "v1":
                raise not_found_path()
        else:
            raise not_found_path()
        ns = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            ns, rest = rest[1], rest[2:]
        res = BY_PATH.get((group, rest[0])) if rest else None
        if res is None or len(rest) > 3 or (ns is not None and not res.namespaced):
            raise not_found_path()
        name = rest[1] if len(rest) > 1 else None
        subresource = rest[2] if len(rest) > 2 else None
        if self.rbac is not None and not admin:
            self.rbac.check(request_verb(method, name, query), res, subresource, ns, name)
        ctype = headers.get("Content-Type", "")
        fv = query.get("fieldValidation", "Warn") or "Warn"
        if fv not in ("Strict", "Warn", "Ignore"):
            raise bad_request(f"fieldValidation must be one of Ignore, Warn, Strict, not {fv!r}")
        dry = query.get("dryRun") == "All"
        if "dryRun" in query and not dry:
            raise bad_request(f"dryRun: Unsupported value: \"{query['dryRun']}\": supported values: \"All\"")
        manager = query.get("fieldManager") or (headers.get("User-Agent") or "unknown").split("/")[0]
        scope = ns if res.namespaced else ""
        with self.lock:
            if name is None:
                if method == "GET":
                    if query.get("watch") in ("true", "1"):
                        return WatchReply(self.watch(res, ns, query))
                    return Reply(200, self.list(res, ns, query))
                if ns is None and res.namespaced:
                    raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the "
                                                            "requested resource", {})
                if method == "POST":
                    obj = self.decode(raw, ctype)
                    return self.create(res, scope, query, obj, fv, dry, manager)
                if method == "DELETE":
                    return self.delete_collection(res, scope, query, raw, ctype)
            elif ns is None and res.namespaced:
                raise not_found_path()
            elif subresource is None:
                if method == "GET":
                    return Reply(200, self.get(res, scope, name))
                if method == "PUT":
                    return self.update(res, scope, name, self.decode(raw, ctype), fv, dry, manager)
                if method == "PATCH":
                    return self.patch(res, scope, name, raw, ctype, fv, dry, manager)
                if method == "DELETE":
                    return self.delete(res, scope, name, query, raw, ctype, dry)
            elif subresource == "scale" and res.scale:
                if method == "GET":
                    return Reply(200, self.scale_of(res, self.get(res, scope, name)))
                if method in ("PUT", "PATCH"):
                    return self.update_scale(res, scope, name, method, raw, ctype, fv, dry, manager)
            elif subresource == "status" and res.has_status and method == "GET":
                return Reply(200, self.get(res, scope, name))
            elif subresource == "log" and res is PODS and method == "GET":
                pod = copy.deepcopy(self.get(res, scope, name))
            else:
                raise not_found_path()
            if subresource != "log":
                raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested "
                                                        "resource", {})
        return self.pod_log(pod, query)

    def discovery(self, parts):
        if parts == ["api"]:
            return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": f"127.0.0.1:{self.port}"}]}
        groups = sorted({r.group for r in RESOURCES if r.group} | {"autoscaling"})
        if parts == ["apis"]:
            return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": g, "versions": [{"groupVersion": f"{g}/v1", "version": "v1"}],
                 "preferredVersion": {"groupVersion": f"{g}/v1", "version": "v1"}} for g in groups]}
        group = "" if parts[0] == "api" else parts[1]
        if parts[-1] != "v1" or (group and group not in groups):
            raise not_found_path()
        out = []
        for r in RESOURCES:
            if r.group == group:
                verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
                out.append({"name": r.plural, "singularName": r.kind.lower(), "namespaced": r.namespaced,
                            "kind": r.kind, "verbs": verbs})
                if r.scale:
                    out.append({"name": f"{r.plural}/scale", "singularName": "", "namespaced": True,
                                "group": "autoscaling", "version": "v1", "kind": "Scale",
                                "verbs": ["get", "patch", "update"]})
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": f"{group}/v1" if group else "v1",
                "resources": out}

    @staticmethod
    def decode(raw, ctype):
        ct = (ctype or "application/json").split(";")[0].strip().lower()
        if ct in ("application/json", "*/*", ""):
            try:
                return json.loads(raw.decode("utf-8") if raw else "null")
            except (ValueError, UnicodeDecodeError) as e:
                raise bad_request(f"couldn't get version/kind; json parse error: {e}")
        if ct == "application/yaml":
            import yaml
            try:
                return yaml.safe_load(raw)
            except yaml.YAMLError as e:
                raise bad_request(f"error converting YAML to JSON: {e}")
        raise ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted "
                                                    "media types include: application/json, application/yaml")

    @staticmethod
    def check_kind(res, obj, kind=None, api_version=None):
        kind, api_version = kind or res.kind, api_version or res.api_version
        if not isinstance(obj, dict):
            raise bad_request(f"Object 'Kind' is missing in '{json.dumps(obj)}'")
        if not obj.get("kind"):
            raise bad_request(f"Object 'Kind' is missing in '{json.dumps(obj, separators=(',', ':'))}'")
        if obj.get("apiVersion") != api_version:
            raise bad_request(f"the API version in the data ({obj.get('apiVersion', '')}) does not match the "
                              f"expected API version ({api_version})")
        if obj["kind"] != kind:
            raise bad_request(f"the kind in the data ({obj['kind']}) does not match the expected kind ({kind})")

    @staticmethod
    def schema(obj, fv, kind, version="v1"):
        """The decoding stage: 400 for what the decoder refuses; warnings for unknown fields."""
        rep = ks.check_object(obj)
        prefix = f'{kind} in version "{version}" cannot be handled as a {kind}: '
        if rep.decode:
            raise bad_request(prefix + rep.decode[0].message)
        unknown = [f'unknown field "{p}"' for p in rep.unknown]
        if unknown and fv == "Strict":
            raise bad_request(prefix + "strict decoding error: " + ", ".join(unknown))
        prune_unknown(obj, rep.unknown)
        return rep, (unknown if fv == "Warn" else [])

    @staticmethod
    def warning_headers(warnings):
        return [("Warning", "299 - " + json.dumps(w)) for w in warnings]

    def take_conflict_hook(self, res, ns, name):
        key = (res.plural, name)
        if self.conflicts.get(key, 0) <= 0:
            return
        self.conflicts[key] -= 1
        cur = self.store.get(res, ns, name)
        if cur is not None:
            other = copy.deepcopy(cur)
            other["metadata"].setdefault("annotations", {})["kube-contract/other-writer"] = str(self.store.rv + 1)
            self.store.write(res, other)
        raise res.conflict(name)

    # --- verbs

    def get(self, res, ns, name):
        obj = self.store.get(res, ns, name)
        if obj is None:
            raise res.not_found(name)
        return obj

    def list(self, res, ns, query):
        labels = parse_label_selector(query.get("labelSelector", ""))
        fields = parse_field_selector(res, query.get("fieldSelector", ""))
        items = [o for o in self.store.list(res, ns if res.namespaced else None)
                 if labels_match(labels, o["metadata"].get("labels")) and fields_match(fields, o)]
        meta = {"resourceVersion": str(self.store.rv)}
        if query.get("continue"):
            try:
                after = json.loads(base64.urlsafe_b64decode(query["continue"]))["after"]
            except (ValueError, KeyError, TypeError):
                raise ApiError(400, "BadRequest", "continue key is not valid: incorrect encoded start "
                                                  "resourceVersion (version meta.k8s.io/v1)")
            items = [o for o in items if [o["metadata"].get("namespace", ""), o["metadata"]["name"]] > after]
        limit = int(query.get("limit") or 0)
        if 0 < limit < len(items):
            last = items[limit - 1]["metadata"]
            meta["continue"] = base64.urlsafe_b64encode(json.dumps(
                {"after": [last.get("namespace", ""), last["name"]]}).encode()).decode()
            meta["remainingItemCount"] = len(items) - limit
            items = items[:limit]
        out = []
        for o in items:
            item = {k: v for k, v in o.items() if k not in ("kind", "apiVersion")}
            out.append(item)
        return {"kind": res.kind + "List", "apiVersion": res.api_version, "metadata": meta, "items": out}

    def create(self, res, ns, query, obj, fv, dry, manager):
        self.check_kind(res, obj)
        rep, warnings = self.schema(obj, fv, res.kind)
        meta = obj.setdefault("metadata", {})
        if res.namespaced:
            if meta.get("namespace") and meta["namespace"] != ns:
                raise bad_request("the namespace of the provided object does not match the namespace sent on the "
                                  "request")
            meta["namespace"] = ns
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + random_suffix()
        if meta.get("resourceVersion"):
            raise bad_request("resourceVersion should not be set on objects to be created")
        default_object(res, obj)
        errors = list(rep.errors)
        if res is SERVICES and not errors:
            errors += self.allocate_cluster_ip(obj["spec"], dry)
        if errors:
            raise res.invalid(meta.get("name", ""), errors)
        if self.store.get(res, ns, meta["name"]) is not None:
            raise ApiError(409, "AlreadyExists", f'{res.qualified} "{meta["name"]}" already exists',
                           res.details(meta["name"]))
        for k in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"):
            meta.pop(k, None)
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = now_rfc3339()
        if res.has_generation:
            meta["generation"] = 1
        upsert_managed(meta, manager, res.api_version)
        self.init_status(res, obj)
        if dry:
            return Reply(201, obj, headers=self.warning_headers(warnings))
        return Reply(201, self.store.write(res, obj), headers=self.warning_headers(warnings))

    def init_status(self, res, obj):
        if res is DEPLOYMENTS or res is STATEFULSETS:
            obj["status"] = {}
        elif res is SERVICES:
            obj["status"] = {"loadBalancer": {}}
        elif res is PVCS:
            obj["status"] = {"phase": "Pending"}
            obj["metadata"]["finalizers"] = sorted(set(obj["metadata"].get("finalizers") or []) |
                                                   {"kubernetes.io/pvc-protection"})
        elif res is PODS:
            obj["status"] = {"phase": "Pending", "qosClass": qos_class(obj["spec"])}
        elif res is NAMESPACES:
            obj["status"] = {"phase": "Active"}

    def allocate_cluster_ip(self, spec, dry):
        if spec.get("type") == "ExternalName" or spec.get("clusterIP") == "None":
            if spec.get("clusterIP") == "None":
                spec["clusterIPs"] = ["None"]
            return []
        used = {s["spec"].get("clusterIP") for s in self.store.list(SERVICES)}
        ip = spec.get("clusterIP")
        if ip:
            if ipaddress.ip_address(ip) not in SERVICE_NET:
                return [ks.FieldError("Invalid", "spec.clusterIPs", [ip], f"failed to allocate IP {ip}: the provided "
                                      f"IP ({ip}) is not in the valid range. The range of valid IPs is {SERVICE_NET}")]
            if ip in used:
                return [ks.FieldError("Invalid", "spec.clusterIPs", [ip],
                                      f"failed to allocate IP {ip}: provided IP is already allocated")]
        else:
            n = self.next_cluster_ip
            while str(ipaddress.ip_address(n)) in used or n % 256 in (0, 255):
                n += 1
            if not dry:
                self.next_cluster_ip = n + 1
            ip = str(ipaddress.ip_address(n))
        spec["clusterIP"], spec["clusterIPs"] = ip, [ip]
        return []

    def update(self, res, ns, name, obj, fv, dry, manager, hook=True):
        self.check_kind(res, obj)
        rep, warnings = self.schema(obj, fv, res.kind)
        meta = obj.setdefault("metadata", {})
        if meta.get("name", "") != name:
            raise bad_request(f"the name of the object ({meta.get('name', '')}) does not match the name on the URL "
                              f"({name})")
        if res.namespaced and meta.get("namespace", ns) != ns:
            raise bad_request("the namespace of the provided object does not match the namespace sent on the request")
        if hook:
            self.take_conflict_hook(res, ns, name)
        cur = self.store.get(res, ns, name)
        if cur is None:
            if res.create_on_update:
                meta.pop("resourceVersion", None)
                return self.create(res, ns, {}, obj, fv, dry, manager)
            raise res.not_found(name)
        if meta.get("resourceVersion") and meta["resourceVersion"] != cur["metadata"]["resourceVersion"]:
            raise res.conflict(name)
        if meta.get("uid") and meta["uid"] != cur["metadata"]["uid"]:
            raise res.conflict(name, f"Precondition failed: UID in precondition: {meta['uid']}, UID in object "
                                     f"meta: {cur['metadata']['uid']}")
        if res.namespaced:
            meta["namespace"] = ns
        if res is SERVICES and not (obj.get("spec") or {}).get("clusterIP"):
            # Since 1.20 an update that leaves the allocated IP out keeps it.
            obj.setdefault("spec", {})["clusterIP"] = cur["spec"].get("clusterIP")
            obj["spec"]["clusterIPs"] = cur["spec"].get("clusterIPs")
        default_object(res, obj)
        errors = list(rep.errors) + self.update_errors(res, cur, obj)
        if errors:
            raise res.invalid(name, errors)
        for k in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"):
            if k in cur["metadata"]:
                meta[k] = cur["metadata"][k]
            else:
                meta.pop(k, None)
        meta["managedFields"] = copy.deepcopy(cur["metadata"].get("managedFields") or [])
        if res.has_status:
            obj["status"] = copy.deepcopy(cur.get("status"))
            if obj["status"] is None:
                obj.pop("status")
        if res.has_generation and obj.get("spec") != cur.get("spec"):
            meta["generation"] = cur["metadata"].get("generation", 1) + 1
        meta["resourceVersion"] = cur["metadata"]["resourceVersion"]
        if strip_rv(obj) == strip_rv(cur):
            return Reply(200, cur, headers=self.warning_headers(warnings))
        upsert_managed(meta, manager, res.api_version)
        if dry:
            return Reply(200, obj, headers=self.warning_headers(warnings))
        if meta.get("deletionTimestamp") and not meta.get("finalizers"):
            self.store.remove(res, obj)
            return Reply(200, obj, headers=self.warning_headers(warnings))
        return Reply(200, self.store.write(res, obj), headers=self.warning_headers(warnings))

    def update_errors(self, res, cur, new):
        errs = []
        old_spec, new_spec = cur.get("spec") or {}, new.get("spec") or {}
        if res in (DEPLOYMENTS, STATEFULSETS) and old_spec.get("selector") != new_spec.get("selector"):
            errs.append(ks.FieldError("Invalid", "spec.selector", ks.selector_literal(new_spec.get("selector") or {}),
                                      "field is immutable"))
        if res is STATEFULSETS:
            mutable = ("replicas", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy",
                       "minReadySeconds", "ordinals", "selector")
            if {k: v for k, v in old_spec.items() if k not in mutable} != \
                    {k: v for k, v in new_spec.items() if k not in mutable}:
                errs.append(ks.FieldError("Forbidden", "spec", detail="updates to statefulset spec for fields other "
                                          "than 'replicas', 'ordinals', 'template', 'updateStrategy', "
                                          "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"))
        if res is PVCS:
            def without_storage(spec):
                s = copy.deepcopy(spec)
                s.get("resources", {}).get("requests", {}).pop("storage", None)
                return s
            if without_storage(old_spec) != without_storage(new_spec):
                errs.append(ks.FieldError("Forbidden", "spec", detail="spec is immutable after creation except "
                                          "resources.requests and volumeAttributesClassName for bound claims"))
            old_q = old_spec.get("resources", {}).get("requests", {}).get("storage", "0")
            new_q = new_spec.get("resources", {}).get("requests", {}).get("storage", "0")
            if ks.parse_quantity(new_q) < ks.parse_quantity(old_q):
                errs.append(ks.FieldError("Forbidden", "spec.resources.requests.storage",
                                          detail="field can not be less than previous value"))
        if res is SERVICES and old_spec.get("clusterIP") != new_spec.get("clusterIP"):
            errs.append(ks.FieldError("Invalid", "spec.clusterIPs[0]", new_spec.get("clusterIPs") or
                                      [new_spec.get("clusterIP") or ""], "may not change once set"))
        if res.kind in ("RoleBinding", "ClusterRoleBinding") and cur.get("roleRef") != new.get("roleRef"):
            errs.append(ks.FieldError("Invalid", "roleRef", new.get("roleRef"), "cannot change roleRef"))
        if res in (SECRETS, CONFIGMAPS) and cur.get("immutable"):
            if not new.get("immutable"):
                errs.append(ks.FieldError("Forbidden", "immutable", detail="field is immutable when `immutable` is set"))
            for field in ("data", "binaryData"):
                if cur.get(field) != new.get(field):
                    errs.append(ks.FieldError("Forbidden", field, detail="field is immutable when `immutable` is set"))
        if res is PODS:
            def masked(spec):
                s = copy.deepcopy(spec)
                for c in (s.get("containers") or []) + (s.get("initContainers") or []):
                    c.pop("image", None)
                for k in ("activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds"):
                    s.pop(k, None)
                return s
            if masked(old_spec) != masked(new_spec):
                errs.append(ks.FieldError("Forbidden", "spec", detail="pod updates may not change fields other than "
                                          "`spec.containers[*].image`,`spec.initContainers[*].image`,"
                                          "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing "
                                          "tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 "
                                          "if it was previously negative)"))
        return errs

    def apply_patch(self, target, raw, ctype):
        ct = (ctype or "").split(";")[0].strip().lower()
        if ct not in ("application/merge-patch+json", "application/json-patch+json"):
            raise ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
                                                        "accepted media types include: application/json-patch+json, "
                                                        "application/merge-patch+json")
        try:
            patch = json.loads(raw.decode("utf-8") if raw else "null")
        except (ValueError, UnicodeDecodeError) as e:
            raise bad_request(f"error decoding patch: {e}")
        if ct == "application/merge-patch+json":
            if not isinstance(patch, dict):
                raise bad_request("json: cannot unmarshal into Go value of type map[string]interface {}")
            return merge_patch(target, patch)
        try:
            return json_patch(target, patch)
        except ValueError as e:
            raise ApiError(422, "Invalid", str(e))

    def patch(self, res, ns, name, raw, ctype, fv, dry, manager):
        self.take_conflict_hook(res, ns, name)
        cur = self.get(res, ns, name)
        patched = self.apply_patch(copy.deepcopy(cur), raw, ctype)
        return self.update(res, ns, name, patched, fv, dry, manager, hook=False)

    def scale_of(self, res, obj):
        replicas = obj["spec"].get("replicas", 1)
        meta = {k: obj["metadata"][k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")}
        return {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": meta,
                "spec": {"replicas": replicas} if replicas else {},
                "status": {"replicas": (obj.get("status") or {}).get("replicas", 0),
                           "selector": selector_string(obj["spec"].get("selector") or {})}}

    def update_scale(self, res, ns, name, method, raw, ctype, fv, dry, manager):
        self.take_conflict_hook(res, ns, name)
        if method == "PATCH":
            scale = self.apply_patch(self.scale_of(res, self.get(res, ns, name)), raw, ctype)
        else:
            scale = self.decode(raw, ctype)
        self.check_kind(res, scale, "Scale", "autoscaling/v1")
        rep, warnings = self.schema(scale, fv, "Scale")
        meta = scale.get("metadata") or {}
        if meta.get("name", "") != name:
            raise bad_request(f"the name of the object ({meta.get('name', '')}) does not match the name on the URL "
                              f"({name})")
        cur = self.get(res, ns, name)
        if rep.errors:
            raise res.invalid(name, rep.errors, "Scale", "Scale.autoscaling")
        if meta.get("resourceVersion") and meta["resourceVersion"] != cur["metadata"]["resourceVersion"]:
            raise res.conflict(name)
        replicas = (scale.get("spec") or {}).get("replicas", 0)
        new = copy.deepcopy(cur)
        if new["spec"].get("replicas") != replicas:
            new["spec"]["replicas"] = replicas
            new["metadata"]["generation"] = cur["metadata"].get("generation", 1) + 1
            upsert_managed(new["metadata"], manager, "autoscaling/v1", "scale")
            if not dry:
                new = self.store.write(res, new)
        return Reply(200, self.scale_of(res, new), headers=self.warning_headers(warnings))

    def delete_options(self, query, raw, ctype):
        opts = {}
        if raw and raw.strip():
            opts = self.decode(raw, ctype)
            if not isinstance(opts, dict):
                raise bad_request("DeleteOptions must be an object")
            opts.setdefault("kind", "DeleteOptions")
            opts.setdefault("apiVersion", "v1")
            rep = ks.check_object(opts)
            if rep.decode:
                raise bad_request(rep.decode[0].message)
            if rep.errors:
                raise ApiError(422, "Invalid", "DeleteOptions.meta.k8s.io \"\" is invalid: " +
                               ", ".join(str(e) for e in rep.errors))
        if query.get("propagationPolicy"):
            opts["propagationPolicy"] = query["propagationPolicy"]
            if opts["propagationPolicy"] not in ("Foreground", "Background", "Orphan"):
                raise ApiError(422, "Invalid", f'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: '
                                               f'Unsupported value: "{opts["propagationPolicy"]}": supported values: '
                                               f'"Foreground", "Background", "Orphan", "nil"')
        if query.get("gracePeriodSeconds"):
            opts["gracePeriodSeconds"] = int(query["gracePeriodSeconds"])
        return opts

    def delete(self, res, ns, name, query, raw, ctype, dry):
        opts = self.delete_options(query, raw, ctype)
        cur = self.get(res, ns, name)
        pre = opts.get("preconditions") or {}
        if pre.get("uid") and pre["uid"] != cur["metadata"]["uid"]:
            raise res.conflict(name, f"Precondition failed: UID in precondition: {pre['uid']}, UID in object meta: "
                                     f"{cur['metadata']['uid']}")
        if pre.get("resourceVersion") and pre["resourceVersion"] != cur["metadata"]["resourceVersion"]:
            raise res.conflict(name, f"Precondition failed: ResourceVersion in precondition: "
                                     f"{pre['resourceVersion']}, ResourceVersion in object meta: "
                                     f"{cur['metadata']['resourceVersion']}")
        dry = dry or "All" in (opts.get("dryRun") or [])
        policy = opts.get("propagationPolicy")
        if policy is None and opts.get("orphanDependents") is not None:
            policy = "Orphan" if opts["orphanDependents"] else "Background"
        code = 202 if opts.get("orphanDependents") is False else 200
        obj = copy.deepcopy(cur)
        meta = obj["metadata"]
        if res is PODS:
            grace = opts.get("gracePeriodSeconds", obj["spec"].get("terminationGracePeriodSeconds", 30))
            if meta.get("deletionTimestamp"):
                return Reply(code, cur)
            if obj["spec"].get("nodeName") and grace > 0:
                meta["deletionTimestamp"] = now_rfc3339(time.time() + grace)
                meta["deletionGracePeriodSeconds"] = grace
                return Reply(code, obj if dry else self.store.write(res, obj))
            return Reply(code, obj if dry else self.store.remove(res, obj))
        if policy == "Foreground" and res in (DEPLOYMENTS, STATEFULSETS, NAMESPACES):
            meta["finalizers"] = sorted(set(meta.get("finalizers") or []) | {"foregroundDeletion"})
        if res is NAMESPACES:
            meta["finalizers"] = meta.get("finalizers") or []
            obj["status"] = {"phase": "Terminating"}
        if meta.get("finalizers") or res is NAMESPACES:
            if not meta.get("deletionTimestamp"):
                meta["deletionTimestamp"] = now_rfc3339()
                meta["deletionGracePeriodSeconds"] = 0
                if res.has_generation:
                    meta["generation"] = meta.get("generation", 1) + 1
                if not dry:
                    obj = self.store.write(res, obj)
            return Reply(code, obj)
        if not dry:
            self.store.remove(res, obj)
            if policy == "Orphan":
                for pod in self.store.list(PODS, ns):
                    refs = pod["metadata"].get("ownerReferences") or []
                    if any(r.get("uid") == meta["uid"] for r in refs):
                        p = copy.deepcopy(pod)
                        p["metadata"]["ownerReferences"] = [r for r in refs if r.get("uid") != meta["uid"]]
                        if not p["metadata"]["ownerReferences"]:
                            del p["metadata"]["ownerReferences"]
                        self.store.write(PODS, p)
        details = res.details(name)
        details["uid"] = meta["uid"]
        return Reply(code, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                            "details": details})

    def delete_collection(self, res, ns, query, raw, ctype):
        listed = self.list(res, ns, query)
        for item in listed["items"]:
            self.delete(res, ns, item["metadata"]["name"], {}, raw, ctype, query.get("dryRun") == "All")
        return Reply(200, listed)

    def watch(self, res, ns, query):
        """Events as the watch endpoint streams them; a generator that takes the lock itself."""
        labels = parse_label_selector(query.get("labelSelector", ""))
        fields = parse_field_selector(res, query.get("fieldSelector", ""))
        timeout = min(int(query.get("timeoutSeconds") or 1800), 1800)
        rv = query.get("resourceVersion") or "0"
        store = self.store

        def matches(o):
            return o is not None and labels_match(labels, o["metadata"].get("labels")) and fields_match(fields, o)

        def full(o):
            return dict(o, kind=res.kind, apiVersion=res.api_version)

        def events():
            with self.lock:
                if rv == "0":
                    initial = [("ADDED", full(o)) for o in store.list(res, ns) if matches(o)]
                    since = store.rv
                else:
                    since = int(rv) if rv.isdigit() else -1
                    oldest = store.events[0][0] if store.events else store.rv + 1
                    if since < 0 or (since < oldest - 1 and store.rv > since):
                        yield ("ERROR", {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                         "message": f"too old resource version: {rv} ({store.rv})",
                                         "reason": "Expired", "code": 410})
                        return
                    initial = []
            yield from initial
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                batch = []
                with store.changed:
                    if store.rv <= since:
                        store.changed.wait(min(1.0, max(0.0, deadline - time.monotonic())))
                    for erv, etype, q, ens, obj, prev in store.events:
                        if erv <= since or q != res.qualified or (ns is not None and ens != ns):
                            continue
                        now_match, was = matches(obj), matches(prev)
                        if etype == "DELETED":
                            if was or now_match:
                                batch.append(("DELETED", full(obj)))
                        elif now_match:
                            batch.append(("MODIFIED" if was else "ADDED", full(obj)))
                        elif was:
                            batch.append(("DELETED", full(obj)))
                    since = store.rv
                yield from batch
        return events()

    def pod_log(self, pod, query):
        name = query.get("container") or pod["spec"]["containers"][0]["name"]
        if name not in [c["name"] for c in pod["spec"]["containers"]]:
            raise bad_request(f'container {name} is not valid for pod {pod["metadata"]["name"]}')
        statuses = {c["name"]: c for c in (pod.get("status") or {}).get("containerStatuses") or []}
        state = (statuses.get(name) or {}).get("state") or {"waiting": {"reason": "ContainerCreating"}}
        if "waiting" in state and not statuses.get(name, {}).get("restartCount"):
            raise bad_request(f'container "{name}" in pod "{pod["metadata"]["name"]}" is waiting to start: '
                              f'{state["waiting"].get("reason", "")}')
        tail = int(query["tailLines"]) if query.get("tailLines") else None
        text = self.runtime.logs(pod, name, tail)
        return Reply(200, text.encode(), "text/plain")

    # --- test hooks

    def hook(self, method, path, raw):
        with self.lock:
            if path == "/_contract/requests":
                if method == "DELETE":
                    self.requests.clear()
                return Reply(200, list(self.requests))
            if path == "/_contract/objects" and method == "GET":
                return Reply(200, [o for _, o in sorted(self.store.objects.items())])
            body = json.loads(raw or b"{}")
            if path == "/_contract/conflict" and method == "POST":
                key = (body["resource"], body["name"])
                self.conflicts[key] = self.conflicts.get(key, 0) + int(body.get("count", 1))
                return Reply(200, {"pending": self.conflicts[key]})
            if path == "/_contract/fail-pod" and method == "POST":
                reqs = parse_label_selector(body.get("labelSelector", ""))
                pods = [copy.deepcopy(p) for p in self.store.list(PODS, body.get("namespace"))
                        if labels_match(reqs, p["metadata"].get("labels")) and not p["metadata"].get("deletionTimestamp")]
        if path == "/_contract/fail-pod" and method == "POST":
            for p in pods:
                self.runtime.fail(p, int(body.get("exitCode", 1)))
            return Reply(200, {"pods": [p["metadata"]["name"] for p in pods]})
        raise ApiError(404, "NotFound", f"no contract hook {method} {path}", {})


def qos_class(spec):
    resources = [c.get("resources") or {} for c in (spec.get("containers") or []) + (spec.get("initContainers") or [])]
    if not any(r.get("limits") or r.get("requests") for r in resources):
        return "BestEffort"
    for r in resources:
        limits, requests = r.get("limits") or {}, r.get("requests") or {}
        for k in ("cpu", "memory"):
            if k not in limits or (k in requests and ks.parse_quantity(requests[k]) != ks.parse_quantity(limits[k])):
                return "Burstable"
    return "Guaranteed"


# ----------------------------------------------------------------------------- controllers


class Controllers:
    """Deployment and StatefulSet controllers, claim binder, garbage collector and scheduler."""

    def __init__(self, api, kubelet):
        self.api, self.store, self.kubelet = api, api.store, kubelet

    def run(self, stop):
        while not stop.wait(0.1):
            try:
                self.tick()
            except Exception:  # a bug in one tick must not stop the simulated cluster
                traceback.print_exc()

    def tick(self):
        with self.api.lock:
            self.bind_claims()
            for d in list(self.store.list(DEPLOYMENTS)):
                self.sync_deployment(d)
            for s in list(self.store.list(STATEFULSETS)):
                self.sync_statefulset(s)
            self.collect_garbage()
            self.schedule()
        self.kubelet.sync()

    # --- pods owned by a workload

    def owned_pods(self, owner):
        return [p for p in self.store.list(PODS, owner["metadata"]["namespace"])
                if (controller_of(p) or {}).get("uid") == owner["metadata"]["uid"]]

    def delete_pod(self, pod):
        if pod["metadata"].get("deletionTimestamp"):
            return
        grace = pod["spec"].get("terminationGracePeriodSeconds", 30)
        if not pod["spec"].get("nodeName") or grace == 0:
            self.store.remove(PODS, pod)
            return
        p = copy.deepcopy(pod)
        p["metadata"]["deletionTimestamp"] = now_rfc3339(time.time() + grace)
        p["metadata"]["deletionGracePeriodSeconds"] = grace
        self.store.write(PODS, p)

    def create_pod(self, owner, kind, name, labels, spec):
        template = owner["spec"]["template"]
        meta = {"name": name, "namespace": owner["metadata"]["namespace"], "uid": str(uuid.uuid4()),
                "creationTimestamp": now_rfc3339(), "labels": labels,
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": kind, "name": owner["metadata"]["name"],
                                     "uid": owner["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]}
        if (template.get("metadata") or {}).get("annotations"):
            meta["annotations"] = copy.deepcopy(template["metadata"]["annotations"])
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}
        default_pod_spec(spec, True)
        upsert_managed(meta, "kube-controller-manager", "v1")
        self.api.init_status(PODS, pod)
        return self.store.write(PODS, pod)

    def finish_foreground(self, res, owner, pods):
        for p in pods:
            self.delete_pod(p)
        if not pods:
            o = copy.deepcopy(owner)
            o["metadata"]["finalizers"] = [f for f in o["metadata"].get("finalizers") or []
                                           if f != "foregroundDeletion"]
            if o["metadata"]["finalizers"]:
                self.store.write(res, o)
            else:
                self.store.remove(res, o)

    def sync_deployment(self, d):
        pods = self.owned_pods(d)
        if d["metadata"].get("deletionTimestamp"):
            return self.finish_foreground(DEPLOYMENTS, d, pods)
        spec = d["spec"]
        replicas = spec.get("replicas", 1)
        h = template_hash(spec["template"])
        current = [p for p in pods if p["metadata"]["labels"].get("pod-template-hash") == h]
        old = [p for p in pods if p not in current]
        active_new = [p for p in current if not p["metadata"].get("deletionTimestamp")]
        ready_new = [p for p in active_new if pod_ready(p)]
        if not spec.get("paused"):
            if spec["strategy"]["type"] == "Recreate":
                for p in old:
                    self.delete_pod(p)
                may_create = not old
            else:
                keep_old = max(0, replicas - len(ready_new))
                active_old = [p for p in old if not p["metadata"].get("deletionTimestamp")]
                for p in active_old[keep_old:]:
                    self.delete_pod(p)
                may_create = True
            if may_create:
                for _ in range(replicas - len(active_new)):
                    labels = dict(spec["template"]["metadata"].get("labels") or {}, **{"pod-template-hash": h})
                    prefix = f"{d['metadata']['name']}-{h}-"[:58]
                    spec_copy = copy.deepcopy(spec["template"]["spec"])
                    active_new.append(self.create_pod(d, "Deployment", prefix + random_suffix(), labels, spec_copy))
            # Scale down: the not-ready first, then the youngest, as the ReplicaSet controller ranks them.
            surplus = sorted(active_new, key=lambda p: (pod_ready(p), p["metadata"]["creationTimestamp"]))
            for p in surplus[:max(0, len(active_new) - replicas)]:
                self.delete_pod(p)
        self.deployment_status(d, h)

    def deployment_status(self, d, h):
        pods = [p for p in self.owned_pods(d) if not p["metadata"].get("deletionTimestamp")]
        spec = d["spec"]
        replicas = spec.get("replicas", 1)
        updated = [p for p in pods if p["metadata"]["labels"].get("pod-template-hash") == h]
        ready = [p for p in pods if pod_ready(p)]
        available = len(ready)
        status = {"observedGeneration": d["metadata"].get("generation", 1)}
        for key, n in (("replicas", len(pods)), ("updatedReplicas", len(updated)), ("readyReplicas", len(ready)),
                       ("availableReplicas", available), ("unavailableReplicas", max(0, len(pods) - available))):
            if n:
                status[key] = n
        if spec["strategy"]["type"] == "RollingUpdate" and replicas:
            ru = spec["strategy"]["rollingUpdate"]
            surge = resolve_int_or_percent(ru.get("maxSurge"), replicas, True)
            max_unavailable = resolve_int_or_percent(ru.get("maxUnavailable"), replicas, False)
            if surge == 0 and max_unavailable == 0:
                max_unavailable = 1
            max_unavailable = min(max_unavailable, replicas)
        else:
            max_unavailable = 0
        old_conditions = (d.get("status") or {}).get("conditions") or []
        rs = f'ReplicaSet "{d["metadata"]["name"]}-{h}"'
        conditions = [set_condition(old_conditions, "Available", *(
            ("True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
            if available >= replicas - max_unavailable else
            ("False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.")), True)]
        complete = len(updated) == replicas == available and len(pods) == replicas
        progressing = ("True", "NewReplicaSetAvailable", f"{rs} has successfully progressed.") if complete else \
            ("True", "ReplicaSetUpdated", f"{rs} is progressing.")
        prev = next((c for c in old_conditions if c["type"] == "Progressing"), None)
        if not complete and prev and prev.get("reason") in ("ReplicaSetUpdated", "ProgressDeadlineExceeded"):
            started = calendar.timegm(time.strptime(prev["lastUpdateTime"], "%Y-%m-%dT%H:%M:%SZ"))
            if prev.get("reason") == "ProgressDeadlineExceeded" or \
                    time.time() - started > spec.get("progressDeadlineSeconds", 600):
                progressing = ("False", "ProgressDeadlineExceeded", f"{rs} has timed out progressing.")
        conditions.append(set_condition(old_conditions, "Progressing", *progressing, True))
        status["conditions"] = conditions
        self.write_status(DEPLOYMENTS, d, status)

    def write_status(self, res, obj, status, manager="kube-controller-manager"):
        if obj.get("status") == status:
            return
        o = copy.deepcopy(obj)
        o["status"] = status
        upsert_managed(o["metadata"], manager, res.api_version, "status")
        self.store.write(res, o)

    def sync_statefulset(self, s):
        pods = self.owned_pods(s)
        if s["metadata"].get("deletionTimestamp"):
            return self.finish_foreground(STATEFULSETS, s, pods)
        spec, name = s["spec"], s["metadata"]["name"]
        revision = f"{name}-{template_hash(spec['template'])}"
        start = (spec.get("ordinals") or {}).get("start", 0)
        wanted = [f"{name}-{i}" for i in range(start, start + spec.get("replicas", 1))]
        by_name = {p["metadata"]["name"]: p for p in pods}
        ordered = spec.get("podManagementPolicy") == "OrderedReady"
        for pod_name in wanted:
            p = by_name.get(pod_name)
            if p is None:
                self.create_statefulset_pod(s, pod_name, revision)
                if ordered:
                    break
            elif p["metadata"].get("deletionTimestamp") or (ordered and not pod_ready(p)):
                if ordered:
                    break
        extra = sorted((p for p in pods if p["metadata"]["name"] not in wanted),
                       key=lambda p: -int(p["metadata"]["name"].rsplit("-", 1)[1]))
        for p in extra[:1] if ordered else extra:
            self.delete_pod(p)
        if not extra and spec.get("updateStrategy", {}).get("type") == "RollingUpdate":
            stale = [p for p in pods if p["metadata"]["labels"].get("controller-revision-hash") != revision
                     and not p["metadata"].get("deletionTimestamp")]
            if stale and all(pod_ready(p) for p in pods if p not in stale):
                self.delete_pod(max(stale, key=lambda p: int(p["metadata"]["name"].rsplit("-", 1)[1])))
        active = [p for p in self.owned_pods(s) if not p["metadata"].get("deletionTimestamp")]
        updated = [p for p in active if p["metadata"]["labels"].get("controller-revision-hash") == revision]
        ready = [p for p in active if pod_ready(p)]
        status = {"observedGeneration": s["metadata"].get("generation", 1), "replicas": len(active),
                  "currentReplicas": len(updated), "updatedReplicas": len(updated), "currentRevision": revision,
                  "updateRevision": revision, "collisionCount": 0}
        if ready:
            status["readyReplicas"] = status["availableReplicas"] = len(ready)
        self.write_status(STATEFULSETS, s, {k: v for k, v in status.items() if v or k in ("replicas",
                                                                                             "collisionCount")})

    def create_statefulset_pod(self, s, pod_name, revision):
        ns, spec = s["metadata"]["namespace"], copy.deepcopy(s["spec"]["template"]["spec"])
        for t in s["spec"].get("volumeClaimTemplates") or []:
            claim = f"{t['metadata']['name']}-{pod_name}"
            if self.store.get(PVCS, ns, claim) is None:
                pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                       "metadata": {"name": claim, "labels": dict(s["spec"]["selector"].get("matchLabels") or {})},
                       "spec": copy.deepcopy(t.get("spec") or {})}
                try:
                    self.api.create(PVCS, ns, {}, pvc, "Ignore", False, "kube-controller-manager")
                except ApiError as e:
                    log(f"statefulset {pod_name}: cannot create claim {claim}: {e.message}")
            spec.setdefault("volumes", []).append({"name": t["metadata"]["name"],
                                                   "persistentVolumeClaim": {"claimName": claim}})
        spec.setdefault("hostname", pod_name)
        if s["spec"].get("serviceName"):
            spec.setdefault("subdomain", s["spec"]["serviceName"])
        labels = dict(s["spec"]["template"]["metadata"].get("labels") or {})
        labels.update({"controller-revision-hash": revision, "statefulset.kubernetes.io/pod-name": pod_name,
                       "apps.kubernetes.io/pod-index": pod_name.rsplit("-", 1)[1]})
        self.create_pod(s, "StatefulSet", pod_name, labels, spec)

    # --- claims, garbage, scheduling

    def claims_in_use(self, ns):
        return {v["persistentVolumeClaim"]["claimName"] for p in self.store.list(PODS, ns)
                for v in p["spec"].get("volumes") or [] if v.get("persistentVolumeClaim")}

    def bind_claims(self):
        for pvc in list(self.store.list(PVCS)):
            meta, ns = pvc["metadata"], pvc["metadata"]["namespace"]
            if meta.get("deletionTimestamp"):
                if meta["name"] not in self.claims_in_use(ns):
                    self.store.remove(PVCS, pvc)
                    self.kubelet.runtime.forget_claim(pvc)
                continue
            storage = pvc["spec"]["resources"]["requests"]["storage"]
            status = pvc.get("status") or {}
            if status.get("phase") == "Bound" and status.get("capacity", {}).get("storage") == storage:
                continue
            p = copy.deepcopy(pvc)
            p["spec"]["volumeName"] = f"pvc-{meta['uid']}"
            p["metadata"].setdefault("annotations", {}).update({
                "pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes",
                "volume.beta.kubernetes.io/storage-provisioner": "kube-contract.local/hostpath",
                "volume.kubernetes.io/storage-provisioner": "kube-contract.local/hostpath"})
            p["status"] = {"phase": "Bound", "accessModes": p["spec"]["accessModes"], "capacity": {"storage": storage}}
            self.store.write(PVCS, p)

    def collect_garbage(self):
        owners = {o["metadata"]["uid"] for res in (DEPLOYMENTS, STATEFULSETS) for o in self.store.list(res)}
        for pod in list(self.store.list(PODS)):
            ref = controller_of(pod)
            if ref and ref.get("kind") in ("Deployment", "StatefulSet") and ref.get("uid") not in owners:
                self.delete_pod(pod)
        for ns in list(self.store.list(NAMESPACES)):
            if not ns["metadata"].get("deletionTimestamp"):
                continue
            name, left = ns["metadata"]["name"], 0
            for res in RESOURCES:
                if res.namespaced:
                    for o in list(self.store.list(res, name)):
                        left += 1
                        if res is PODS:
                            self.delete_pod(o)
                        elif not o["metadata"].get("deletionTimestamp"):
                            self.store.remove(res, o)
            if not left:
                self.store.remove(NAMESPACES, ns)

    def schedule(self):
        for pod in self.store.list(PODS):
            if pod["spec"].get("nodeName") or pod["metadata"].get("deletionTimestamp"):
                continue
            ns, problem = pod["metadata"]["namespace"], None
            for v in pod["spec"].get("volumes") or []:
                claim = (v.get("persistentVolumeClaim") or {}).get("claimName")
                if claim:
                    pvc = self.store.get(PVCS, ns, claim)
                    if pvc is None:
                        problem = f'0/1 nodes are available: persistentvolumeclaim "{claim}" not found.'
                    elif pvc["metadata"].get("deletionTimestamp"):
                        problem = f'0/1 nodes are available: persistentvolumeclaim "{claim}" is being deleted.'
            conditions = (pod.get("status") or {}).get("conditions") or []
            status = dict(pod.get("status") or {})
            if problem:
                status["conditions"] = [set_condition(conditions, "PodScheduled", "False", "Unschedulable", problem)]
                if status != pod.get("status"):
                    p = copy.deepcopy(pod)
                    p["status"] = status
                    self.store.write(PODS, p)
                continue
            p = copy.deepcopy(pod)
            p["spec"]["nodeName"] = NODE_NAME
            status["conditions"] = [set_condition(conditions, "PodScheduled", "True")]
            p["status"] = status
            self.store.write(PODS, p)


# ----------------------------------------------------------------------------- kubelet


class ContainerState:
    def __init__(self):
        self.state = {"waiting": {"reason": "ContainerCreating"}}
        self.last_state = {}
        self.restarts = 0
        self.ready = False
        self.ever_started = False
        self.id = ""
        self.image_id = ""
        self.probe_ok = 0
        self.probe_fail = 0
        self.restart_at = None
        self.probed_at = 0.0


class PodRecord:
    def __init__(self, pod):
        self.uid = pod["metadata"]["uid"]
        self.seen = time.monotonic()
        self.start_time = now_rfc3339()
        self.ip = None
        self.containers = {c["name"]: ContainerState() for c in pod["spec"]["containers"]}
        self.created = False
        self.retry_at = 0.0
        self.stopping = None


class Kubelet:
    """Turns scheduled pods into (simulated or real) containers and reports their status."""

    def __init__(self, api, runtime):
        self.api, self.store, self.runtime = api, api.store, runtime
        self.records = {}

    def sync(self):
        with self.api.lock:
            pods = [copy.deepcopy(p) for p in self.store.list(PODS) if p["spec"].get("nodeName")]
        self.runtime.observe()
        seen = set()
        for pod in pods:
            uid = pod["metadata"]["uid"]
            seen.add(uid)
            rec = self.records.get(uid)
            if rec is None:
                rec = self.records[uid] = PodRecord(pod)
            if pod["metadata"].get("deletionTimestamp"):
                self.terminate(pod, rec)
                continue
            try:
                self.runtime.step(pod, rec)
            except Exception:
                traceback.print_exc()
            self.report(pod, rec)
        for uid in [u for u in self.records if u not in seen]:
            rec = self.records[uid]
            if rec.stopping is None:
                rec.stopping = threading.Thread(target=self.runtime.stop, args=(rec, 0), daemon=True)
                rec.stopping.start()
            if not rec.stopping.is_alive():
                del self.records[uid]
        self.api.service_proxy_sync()

    def terminate(self, pod, rec):
        if rec.stopping is None:
            grace = min(pod["metadata"].get("deletionGracePeriodSeconds", 30), 5)
            rec.stopping = threading.Thread(target=self.runtime.stop, args=(rec, grace), daemon=True)
            rec.stopping.start()
        if rec.stopping.is_alive():
            return
        with self.api.lock:
            cur = self.store.get(PODS, pod["metadata"]["namespace"], pod["metadata"]["name"])
            if cur is not None and cur["metadata"]["uid"] == rec.uid:
                self.store.remove(PODS, cur)
        del self.records[rec.uid]

    def report(self, pod, rec):
        spec = pod["spec"]
        statuses = []
        for c in spec["containers"]:
            cs = rec.containers[c["name"]]
            st = {"name": c["name"], "state": cs.state, "lastState": cs.last_state, "ready": cs.ready,
                  "restartCount": cs.restarts, "image": c["image"], "imageID": cs.image_id}
            if cs.id:
                st["containerID"] = cs.id
            st["started"] = "running" in cs.state
            statuses.append(st)
        all_ready = all(cs.ready for cs in rec.containers.values())
        running = all(cs.ever_started for cs in rec.containers.values())
        terminal = spec.get("restartPolicy") != "Always" and all(
            "terminated" in cs.state and cs.restart_at is None for cs in rec.containers.values())
        if terminal:
            failed = any(cs.state["terminated"].get("exitCode") for cs in rec.containers.values())
            phase = "Failed" if failed else "Succeeded"
        else:
            phase = "Running" if running else "Pending"
        old = pod.get("status") or {}
        conds = old.get("conditions") or []
        not_ready = [n for n, cs in rec.containers.items() if not cs.ready]
        why = ("ContainersNotReady", f"containers with unready status: [{' '.join(not_ready)}]") if not_ready else ()
        status = {"phase": phase, "conditions": [
            set_condition(conds, "Initialized", "True"),
            set_condition(conds, "Ready", "True" if all_ready else "False", *why),
            set_condition(conds, "ContainersReady", "True" if all_ready else "False", *why),
            set_condition(conds, "PodScheduled", "True")],
            "hostIP": "127.0.0.1", "hostIPs": [{"ip": "127.0.0.1"}]}
        if rec.ip:
            status["podIP"], status["podIPs"] = rec.ip, [{"ip": rec.ip}]
        status["startTime"] = rec.start_time
        if spec.get("initContainers"):
            status["initContainerStatuses"] = [{
                "name": c["name"], "ready": True, "restartCount": 0, "image": c["image"], "imageID": "",
                "started": False, "lastState": {},
                "state": {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": rec.start_time,
                                         "finishedAt": rec.start_time}}} for c in spec["initContainers"]]
        status["containerStatuses"] = statuses
        status["qosClass"] = old.get("qosClass") or qos_class(spec)
        with self.api.lock:
            cur = self.store.get(PODS, pod["metadata"]["namespace"], pod["metadata"]["name"])
            if cur is None or cur["metadata"]["uid"] != rec.uid or cur["metadata"].get("deletionTimestamp"):
                return
            if cur.get("status") != status:
                p = copy.deepcopy(cur)
                p["status"] = status
                upsert_managed(p["metadata"], "kubelet", "v1", "status")
                self.store.write(PODS, p)


def mark_running(cs, container_id=None):
    if cs.ever_started:
        cs.restarts += 1
    cs.ever_started = True
    cs.state = {"running": {"startedAt": now_rfc3339()}}
    if container_id:
        cs.id = container_id


def mark_terminated(cs, exit_code, started_at=None, finished_at=None, oom=False):
    reason = "OOMKilled" if oom else ("Completed" if exit_code == 0 else "Error")
    started = started_at or (cs.state.get("running") or {}).get("startedAt") or now_rfc3339()
    cs.state = {"terminated": {"exitCode": exit_code, "reason": reason, "startedAt": started,
                               "finishedAt": finished_at or now_rfc3339(), "containerID": cs.id}}
    cs.last_state = {"terminated": cs.state["terminated"]}
    cs.ready = False
    cs.probe_ok = 0


def restart_delay(pod, cs, exit_code):
    """Seconds until the kubelet restarts an exited container, None if it never will."""
    policy = pod["spec"].get("restartPolicy", "Always")
    if policy == "Never" or (policy == "OnFailure" and exit_code == 0):
        return None
    # The first restart is immediate so tests need not wait; then 10 s doubling up to 5 min.
    return 0 if cs.restarts == 0 else min(10 * 2 ** (cs.restarts - 1), 300)


class NoRuntime:
    """Pods become Running and Ready --ready-delay-ms after the kubelet first sees them."""

    def __init__(self, args):
        self.delay = args.ready_delay_ms / 1000.0
        self.next_ip = int(POD_NET.network_address) + 1
        self.failures = {}  # pod uid -> exit code, set by the fail-pod hook
        self.lock = threading.Lock()

    def observe(self):
        pass

    def step(self, pod, rec):
        now = time.monotonic()
        with self.lock:
            exit_code = self.failures.pop(rec.uid, None)
        for c in pod["spec"]["containers"]:
            cs = rec.containers[c["name"]]
            if not cs.image_id:
                cs.image_id = c["image"] + "@sha256:" + hashlib.sha256(c["image"].encode()).hexdigest()
            if "waiting" in cs.state and cs.restart_at is None and now - rec.seen >= self.delay:
                if rec.ip is None:
                    rec.ip = str(ipaddress.ip_address(self.next_ip))
                    self.next_ip += 1
                mark_running(cs, "containerd://" + secrets.token_hex(32))
                cs.ready = True
            elif "running" in cs.state and exit_code is not None:
                mark_terminated(cs, exit_code)
                delay = restart_delay(pod, cs, exit_code)
                cs.restart_at = None if delay is None else now + max(delay, self.delay)
            elif cs.restart_at is not None and now >= cs.restart_at:
                cs.restart_at = None
                mark_running(cs, "containerd://" + secrets.token_hex(32))
                cs.ready = True
            elif cs.restart_at is not None and cs.restarts:
                cs.state = {"waiting": {"reason": "CrashLoopBackOff", "message": f"back-off restarting failed "
                                        f"container={c['name']} pod={pod['metadata']['name']}"}}

    def fail(self, pod, exit_code):
        with self.lock:
            self.failures[pod["metadata"]["uid"]] = exit_code

    def stop(self, rec, grace):
        pass

    def logs(self, pod, container, tail):
        return ""

    def forget_claim(self, pvc):
        pass

    def cleanup(self):
        pass


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


class Docker:
    def __init__(self, host):
        if not host.startswith("unix://"):
            raise SystemExit("--docker-host must be unix:///path/to/socket")
        self.path = host[len("unix://"):]

    def call(self, method, path, body=None, timeout=60, raw=False):
        conn = UnixHTTPConnection(self.path, timeout)
        try:
            data = json.dumps(body).encode() if body is not None else None
            conn.request(method, "/v1.41" + path, body=data,
                         headers={"Content-Type": "application/json"} if data is not None else {})
            resp = conn.getresponse()
            payload = resp.read()
        finally:
            conn.close()
        if raw:
            return resp.status, payload
        try:
            return resp.status, json.loads(payload) if payload else None
        except ValueError:
            return resp.status, payload.decode(errors="replace")

    @staticmethod
    def message(body):
        return body.get("message", str(body)) if isinstance(body, dict) else str(body)


class DockerRuntime:
    """Each pod is a set of containers of the engine; the first one holds the pod's ports."""

    def __init__(self, args, api):
        self.args, self.api = args, api
        self.docker = Docker(args.docker_host)
        self.dir_hash = hashlib.sha256(os.path.abspath(args.state_dir).encode()).hexdigest()[:12]
        self.labels = {"streamspace.kube-contract": "1", "streamspace.kube-contract.dir": self.dir_hash}
        self.filter = quote(json.dumps({"label": [f"streamspace.kube-contract.dir={self.dir_hash}"]}))
        self.next_ip = int(POD_NET.network_address) + 1
        self.observed = {}
        self.cleaned = False
        self.volume_dir = os.path.join(os.path.abspath(args.state_dir), "volumes")
        self.cleanup()
        self.cleaned = False

    # --- engine state

    def observe(self):
        status, body = self.docker.call("GET", f"/containers/json?all=true&filters={self.filter}")
        if status == 200:
            self.observed = {c["Id"]: c for c in body}

    def ensure_volume(self, name, extra_labels):
        status, _ = self.docker.call("GET", f"/volumes/{name}")
        if status == 404:
            status, body = self.docker.call("POST", "/volumes/create",
                                            {"Name": name, "Labels": dict(self.labels, **extra_labels)})
            if status >= 300:
                raise RuntimeError(f"creating volume {name}: {Docker.message(body)}")

    def allocate_ip(self, ports):
        while True:
            ip = str(ipaddress.ip_address(self.next_ip))
            self.next_ip += 1
            if self.next_ip % 256 in (0, 255):
                self.next_ip += 2
            if ipaddress.ip_address(self.next_ip) not in POD_NET:
                self.next_ip = int(POD_NET.network_address) + 1
            free = True
            for port in ports:
                with socket.socket() as s:
                    try:
                        s.bind((ip, port))
                    except OSError:
                        free = False
            if free:
                return ip

    # --- what a container gets from the pod

    def env(self, pod, c):
        ns = pod["metadata"]["namespace"]
        env = {}
        with self.api.lock:
            if pod["spec"].get("enableServiceLinks", True):
                for svc in self.api.store.list(SERVICES, ns):
                    ip, ports = svc["spec"].get("clusterIP"), svc["spec"].get("ports") or []
                    if ip and ip != "None" and ports:
                        prefix = svc["metadata"]["name"].upper().replace("-", "_")
                        env[f"{prefix}_SERVICE_HOST"], env[f"{prefix}_SERVICE_PORT"] = ip, str(ports[0]["port"])

            def lookup(res, ref, what):
                obj = self.api.store.get(res, ns, ref.get("name", ""))
                if obj is None:
                    if ref.get("optional"):
                        return None
                    raise LookupError(f'{what} "{ref.get("name", "")}" not found')
                return obj

            for src in c.get("envFrom") or []:
                for res, key, what in ((CONFIGMAPS, "configMapRef", "configmap"), (SECRETS, "secretRef", "secret")):
                    if src.get(key):
                        obj = lookup(res, src[key], what)
                        for k, v in ((obj or {}).get("data") or {}).items():
                            env[src.get("prefix", "") + k] = base64.b64decode(v).decode() if res is SECRETS else v
            for e in c.get("env") or []:
                src = e.get("valueFrom")
                if src is None:
                    env[e["name"]] = expand(e.get("value", ""), env)
                elif src.get("fieldRef"):
                    env[e["name"]] = field_value(pod, src["fieldRef"]["fieldPath"])
                elif src.get("resourceFieldRef"):
                    r = src["resourceFieldRef"]
                    kind, name = r["resource"].split(".", 1)
                    q = (c.get("resources") or {}).get(kind, {}).get(name) or {"cpu": "4", "memory": "8Gi"}.get(name, "0")
                    env[e["name"]] = str(math.ceil(ks.parse_quantity(q) / ks.parse_quantity(r.get("divisor", "1"))))
                else:
                    for res, key, what, title in ((CONFIGMAPS, "configMapKeyRef", "configmap", "ConfigMap"),
                                                  (SECRETS, "secretKeyRef", "secret", "Secret")):
                        ref = src.get(key)
                        if ref:
                            obj = lookup(res, ref, what)
                            if obj is None:
                                continue
                            data = obj.get("data") or {}
                            if ref["key"] not in data:
                                if ref.get("optional"):
                                    continue
                                raise LookupError(f"couldn't find key {ref['key']} in {title} {ns}/{ref['name']}")
                            v = data[ref["key"]]
                            env[e["name"]] = base64.b64decode(v).decode() if res is SECRETS else v
        return env

    def files_for(self, pod, vol):
        """Files of a secret, configMap or projected volume: {relative path: bytes}."""
        ns = pod["metadata"]["namespace"]
        files = {}

        def add(res, name, items, optional, what):
            obj = self.api.store.get(res, ns, name)
            if obj is None:
                if optional:
                    return
                raise LookupError(f'{what} "{name}" not found')
            data = {k: (base64.b64decode(v) if res is SECRETS else v.encode()) for k, v in (obj.get("data") or {}).items()}
            for k, v in data.items():
                if not items:
                    files[k] = v
            for item in items or []:
                if item["key"] in data:
                    files[item["path"]] = data[item["key"]]

        with self.api.lock:
            if vol.get("secret") is not None:
                s = vol["secret"]
                add(SECRETS, s["secretName"], s.get("items"), s.get("optional"), "secret")
            elif vol.get("configMap") is not None:
                s = vol["configMap"]
                add(CONFIGMAPS, s["name"], s.get("items"), s.get("optional"), "configmap")
            else:
                for src in (vol.get("projected") or {}).get("sources") or []:
                    if src.get("serviceAccountToken"):
                        files[src["serviceAccountToken"].get("path", "token")] = b"kube-contract-service-account-token"
                    if src.get("configMap"):
                        if src["configMap"]["name"] == "kube-root-ca.crt":
                            with open(os.path.join(self.args.state_dir, "ca.crt"), "rb") as f:
                                files["ca.crt"] = f.read()
                        else:
                            add(CONFIGMAPS, src["configMap"]["name"], src["configMap"].get("items"), True, "configmap")
                    if src.get("secret"):
                        add(SECRETS, src["secret"]["name"], src["secret"].get("items"), True, "secret")
                    for item in (src.get("downwardAPI") or {}).get("items") or []:
                        if item.get("fieldRef"):
                            files[item["path"]] = field_value(pod, item["fieldRef"]["fieldPath"]).encode()
        return files

    def mounts(self, pod, c):
        volumes = {v["name"]: v for v in pod["spec"].get("volumes") or []}
        out = []
        for m in c.get("volumeMounts") or []:
            v = volumes[m["name"]]
            ro = bool(m.get("readOnly"))
            if v.get("persistentVolumeClaim"):
                with self.api.lock:
                    pvc = self.api.store.get(PVCS, pod["metadata"]["namespace"], v["persistentVolumeClaim"]["claimName"])
                if pvc is None:
                    raise LookupError(f'persistentvolumeclaim "{v["persistentVolumeClaim"]["claimName"]}" not found')
                name = f"kc-pvc-{pvc['metadata']['uid']}"
                self.ensure_volume(name, {"streamspace.kube-contract.claim": pvc["metadata"]["name"]})
                out.append({"Type": "volume", "Source": name, "Target": m["mountPath"], "ReadOnly": ro})
            elif v.get("emptyDir") is not None:
                if v["emptyDir"].get("medium") == "Memory":
                    out.append({"Type": "tmpfs", "Target": m["mountPath"]})
                    continue
                name = f"kc-empty-{pod['metadata']['uid']}-{m['name']}"
                self.ensure_volume(name, {"streamspace.kube-contract.pod": pod["metadata"]["uid"]})
                out.append({"Type": "volume", "Source": name, "Target": m["mountPath"], "ReadOnly": ro})
            elif v.get("hostPath"):
                out.append({"Type": "bind", "Source": v["hostPath"]["path"], "Target": m["mountPath"], "ReadOnly": ro})
            else:
                files = self.files_for(pod, v)
                root = os.path.join(self.volume_dir, pod["metadata"]["uid"], m["name"])
                for rel, data in files.items():
                    os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
                    with open(os.path.join(root, rel), "wb") as f:
                        f.write(data)
                os.makedirs(root, exist_ok=True)
                out.append({"Type": "bind", "Source": root, "Target": m["mountPath"], "ReadOnly": True})
        return out

    # --- the pod's life

    def image_ref(self, image):
        for ref in [image] + ([self.args.image_prefix + image] if self.args.image_prefix else []):
            status, body = self.docker.call("GET", f"/images/{quote(ref, safe='/:@')}/json")
            if status == 200:
                digests = body.get("RepoDigests") or []
                return ref, digests[0] if digests else f"{ref}@{body.get('Id', '')}", None
        return None, None, Docker.message(body)

    def step(self, pod, rec):
        now = time.monotonic()
        if not rec.created:
            if now >= rec.retry_at:
                self.create(pod, rec)
            return
        for c in pod["spec"]["containers"]:
            cs = rec.containers[c["name"]]
            cid = cs.id.replace("docker://", "")
            seen = self.observed.get(cid)
            if seen is None:
                # Removed behind our back: the kubelet would recreate the sandbox.
                rec.created, rec.retry_at = False, now + 1
                return
            if seen.get("State") == "running":
                if cs.restart_at is not None or "running" not in cs.state:
                    cs.restart_at = None
                    mark_running(cs)
                self.probe(pod, c, cs, rec, now)
            elif "running" in cs.state:
                _, info = self.docker.call("GET", f"/containers/{cid}/json")
                state = (info or {}).get("State") or {}
                mark_terminated(cs, state.get("ExitCode", 1), cs.state["running"]["startedAt"],
                                now_rfc3339(), state.get("OOMKilled", False))
                delay = restart_delay(pod, cs, cs.state["terminated"]["exitCode"])
                cs.restart_at = None if delay is None else now + delay
            elif cs.restart_at is not None:
                if now >= cs.restart_at:
                    status, body = self.docker.call("POST", f"/containers/{cid}/start")
                    if status < 300:
                        cs.restart_at = None
                        mark_running(cs)
                    else:
                        cs.restart_at = now + 10
                        cs.state = {"waiting": {"reason": "RunContainerError", "message": Docker.message(body)}}
                elif cs.restarts:
                    cs.state = {"waiting": {"reason": "CrashLoopBackOff", "message": (
                        f"back-off {int(cs.restart_at - now) + 1}s restarting failed container={c['name']} "
                        f"pod={pod['metadata']['name']}")}}

    def waiting(self, rec, name, reason, message, retry):
        rec.containers[name].state = {"waiting": {"reason": reason, "message": message}}
        rec.retry_at = time.monotonic() + retry

    def create(self, pod, rec):
        spec, meta = pod["spec"], pod["metadata"]
        images = {}
        for c in spec["containers"]:
            ref, image_id, problem = self.image_ref(c["image"])
            if ref is None:
                if c.get("imagePullPolicy") == "Never":
                    return self.waiting(rec, c["name"], "ErrImageNeverPull", f'Container image "{c["image"]}" is '
                                        f'not present with pull policy of Never', 2)
                pulled = rec.containers[c["name"]].state.get("waiting", {}).get("reason") in ("ErrImagePull",
                                                                                             "ImagePullBackOff")
                return self.waiting(rec, c["name"], "ImagePullBackOff" if pulled else "ErrImagePull",
                                    f'Back-off pulling image "{c["image"]}": ErrImagePull: {problem}' if pulled else
                                    f'failed to pull image "{c["image"]}" (this contract server never pulls): '
                                    f'{problem}', 2)
            images[c["name"]] = (ref, image_id)
        ports = [(p["containerPort"], p.get("protocol", "TCP").lower()) for c in spec["containers"]
                 for p in c.get("ports") or []]
        if rec.ip is None:
            rec.ip = self.allocate_ip([p for p, proto in ports if proto == "tcp"])
        first = None
        created = []
        for c in spec["containers"]:
            try:
                env = self.env(pod, c)
            except LookupError as e:
                self.remove_all(created)
                return self.waiting(rec, c["name"], "CreateContainerConfigError", str(e), 2)
            try:
                mounts = self.mounts(pod, c)
            except (LookupError, RuntimeError) as e:
                # The kubelet keeps such a pod in ContainerCreating and says why in an event.
                self.remove_all(created)
                return self.waiting(rec, c["name"], "ContainerCreating", f"MountVolume.SetUp failed: {e}", 2)
            sc = dict(spec.get("securityContext") or {}, **(c.get("securityContext") or {}))
            host = {"Mounts": mounts}
            if first is None:
                host["PortBindings"] = {f"{p}/{proto}": [{"HostIp": rec.ip, "HostPort": str(p)}] for p, proto in ports}
            else:
                host["NetworkMode"] = f"container:{first}"
            limits = (c.get("resources") or {}).get("limits") or {}
            if "cpu" in limits:
                host["NanoCpus"] = int(ks.parse_quantity(limits["cpu"]) * 10 ** 9)
            if "memory" in limits:
                host["Memory"] = int(ks.parse_quantity(limits["memory"]))
            caps = sc.get("capabilities") or {}
            host.update({"Privileged": bool(sc.get("privileged")), "CapAdd": caps.get("add") or [],
                         "CapDrop": caps.get("drop") or [], "ReadonlyRootfs": bool(sc.get("readOnlyRootFilesystem"))})
            if sc.get("allowPrivilegeEscalation") is False:
                host["SecurityOpt"] = ["no-new-privileges"]
            if sc.get("fsGroup") is not None:
                host["GroupAdd"] = [str(sc["fsGroup"])]
            body = {"Image": images[c["name"]][0], "Env": [f"{k}={v}" for k, v in env.items()],
                    "Labels": dict(self.labels, **{"io.kubernetes.pod.name": meta["name"],
                                                   "io.kubernetes.pod.namespace": meta["namespace"],
                                                   "io.kubernetes.pod.uid": meta["uid"],
                                                   "io.kubernetes.container.name": c["name"]}),
                    "Tty": bool(c.get("tty")), "OpenStdin": bool(c.get("stdin")), "HostConfig": host}
            if first is None:
                body["Hostname"] = spec.get("hostname") or meta["name"][:63]
                body["ExposedPorts"] = {f"{p}/{proto}": {} for p, proto in ports}
            if c.get("command"):
                body["Entrypoint"] = [expand(x, env) for x in c["command"]]
                body["Cmd"] = [expand(x, env) for x in c.get("args") or []]
            elif c.get("args"):
                body["Cmd"] = [expand(x, env) for x in c["args"]]
            if c.get("workingDir"):
                body["WorkingDir"] = c["workingDir"]
            if sc.get("runAsUser") is not None:
                body["User"] = str(sc["runAsUser"]) + (f":{sc['runAsGroup']}" if sc.get("runAsGroup") is not None else "")
            name = f"kc-{meta['name']}" + ("" if first is None else f"-{c['name']}")
            status, out = self.docker.call("POST", f"/containers/create?name={quote(name)}", body)
            if status == 409:
                self.docker.call("DELETE", f"/containers/{quote(name)}?force=true&v=true")
                status, out = self.docker.call("POST", f"/containers/create?name={quote(name)}", body)
            if status >= 300:
                self.remove_all(created)
                return self.waiting(rec, c["name"], "CreateContainerError", Docker.message(out), 10)
            cid = out["Id"]
            created.append(cid)
            status, out = self.docker.call("POST", f"/containers/{cid}/start")
            if status >= 300:
                self.remove_all(created)
                return self.waiting(rec, c["name"], "RunContainerError", Docker.message(out), 10)
            cs = rec.containers[c["name"]]
            cs.image_id = images[c["name"]][1]
            mark_running(cs, "docker://" + cid)
            first = first or cid
        rec.created = True
        self.observe()

    def probe(self, pod, c, cs, rec, now):
        probe = c.get("readinessProbe")
        if probe is None or probe.get("exec") is not None or probe.get("grpc") is not None:
            cs.ready = True
            return
        # Probes go on while the container is ready, as the kubelet's do. They reach the pod from the
        # engine's gateway address, as every client here does: an app that blacklists peers for
        # connect-and-close probes (TigerVNC by default) locks its clients out, as it would on a node.
        started = calendar.timegm(time.strptime(cs.state["running"]["startedAt"], "%Y-%m-%dT%H:%M:%SZ"))
        if time.time() - started < probe.get("initialDelaySeconds", 0):
            return
        if now - cs.probed_at < min(probe.get("periodSeconds", 10), 1):
            return
        cs.probed_at = now
        action = probe.get("tcpSocket") or probe.get("httpGet")
        port = action.get("port")
        if isinstance(port, str):
            port = next((p["containerPort"] for p in c.get("ports") or [] if p.get("name") == port), 0)
        timeout = min(probe.get("timeoutSeconds", 1), 1)
        ok = False
        try:
            if probe.get("tcpSocket") is not None:
                with socket.create_connection((action.get("host") or rec.ip, port), timeout=timeout):
                    ok = True
            else:
                cls = http.client.HTTPSConnection if action.get("scheme") == "HTTPS" else http.client.HTTPConnection
                kw = {"context": ssl._create_unverified_context()} if cls is http.client.HTTPSConnection else {}
                conn = cls(action.get("host") or rec.ip, port, timeout=timeout, **kw)
                conn.request("GET", action.get("path", "/"), headers={h["name"]: h.get("value", "") for h in
                                                                       action.get("httpHeaders") or []})
                ok = 200 <= conn.getresponse().status < 400
                conn.close()
        except (OSError, http.client.HTTPException):
            ok = False
        if ok:
            cs.probe_ok, cs.probe_fail = cs.probe_ok + 1, 0
            if cs.probe_ok >= probe.get("successThreshold", 1):
                cs.ready = True
        else:
            cs.probe_ok, cs.probe_fail = 0, cs.probe_fail + 1
            if cs.probe_fail >= probe.get("failureThreshold", 3) or not cs.ready:
                cs.ready = False

    def remove_all(self, ids):
        for cid in ids:
            self.docker.call("DELETE", f"/containers/{cid}?force=true&v=true")

    def fail(self, pod, exit_code):
        for cs in (pod.get("status") or {}).get("containerStatuses") or []:
            if cs.get("containerID", "").startswith("docker://"):
                self.docker.call("POST", f"/containers/{cs['containerID'][9:]}/kill?signal=KILL")

    def stop(self, rec, grace):
        ids = [cs.id.replace("docker://", "") for cs in rec.containers.values() if cs.id]
        for cid in reversed(ids):
            self.docker.call("POST", f"/containers/{cid}/stop?t={int(grace)}", timeout=grace + 30)
        self.remove_all(reversed(ids))
        status, body = self.docker.call("GET", "/volumes?filters=" + quote(json.dumps(
            {"label": [f"streamspace.kube-contract.pod={rec.uid}"]})))
        for v in (body or {}).get("Volumes") or [] if status == 200 else []:
            self.docker.call("DELETE", f"/volumes/{v['Name']}?force=true")
        subprocess.run(["rm", "-rf", os.path.join(self.volume_dir, rec.uid)], check=False)

    def forget_claim(self, pvc):
        name = f"kc-pvc-{pvc['metadata']['uid']}"
        threading.Thread(target=self.docker.call, args=("DELETE", f"/volumes/{name}?force=true"), daemon=True).start()

    def logs(self, pod, container, tail):
        cs = next((c for c in (pod.get("status") or {}).get("containerStatuses") or [] if c["name"] == container), {})
        cid = cs.get("containerID", "").replace("docker://", "")
        if not cid:
            return ""
        status, payload = self.docker.call("GET", f"/containers/{cid}/logs?stdout=true&stderr=true"
                                           + (f"&tail={tail}" if tail is not None else ""), raw=True)
        if status != 200:
            return ""
        out, i = bytearray(), 0
        # Without a TTY the engine multiplexes: 8-byte frame headers (stream, 0, 0, 0, length).
        while i + 8 <= len(payload) and payload[i] in (0, 1, 2) and payload[i + 1:i + 4] == b"\0\0\0":
            n = int.from_bytes(payload[i + 4:i + 8], "big")
            out += payload[i + 8:i + 8 + n]
            i += 8 + n
        return (out if i == len(payload) else payload).decode(errors="replace")

    def cleanup(self):
        if self.cleaned:
            return
        self.cleaned = True
        try:
            status, body = self.docker.call("GET", f"/containers/json?all=true&filters={self.filter}")
            for c in body if status == 200 else []:
                self.docker.call("DELETE", f"/containers/{c['Id']}?force=true&v=true")
            status, body = self.docker.call("GET", f"/volumes?filters={self.filter}")
            for v in (body or {}).get("Volumes") or [] if status == 200 else []:
                self.docker.call("DELETE", f"/volumes/{v['Name']}?force=true")
        except OSError as e:
            log(f"cleanup: the engine is unreachable: {e}")
        subprocess.run(["rm", "-rf", self.volume_dir], check=False)


def field_value(pod, path):
    m = re.fullmatch(r"metadata\.(labels|annotations)\['([^']+)'\]", path)
    if m:
        return (pod["metadata"].get(m.group(1)) or {}).get(m.group(2), "")
    status = pod.get("status") or {}
    return {"metadata.name": pod["metadata"]["name"], "metadata.namespace": pod["metadata"]["namespace"],
            "metadata.uid": pod["metadata"]["uid"], "spec.nodeName": pod["spec"].get("nodeName", ""),
            "spec.serviceAccountName": pod["spec"].get("serviceAccountName", ""),
            "status.hostIP": "127.0.0.1", "status.hostIPs": "127.0.0.1",
            "status.podIP": status.get("podIP", ""), "status.podIPs": status.get("podIP", "")}.get(path, "")


def expand(text, env):
    """$(VAR) references as the kubelet expands them; $$ escapes; unknown references stay."""
    return re.sub(r"\$\$|\$\(([-._a-zA-Z][-._a-zA-Z0-9]*)\)",
                  lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)), text)


# ----------------------------------------------------------------------------- kube-proxy


class ServiceProxy:
    """Listens on clusterIP:port while the Service has ready endpoints and forwards to one of them."""

    def __init__(self, api):
        self.api = api
        self.listeners = {}
        self.turn = 0
        self.failed = set()

    def endpoints(self, svc, port):
        ns, selector = svc["metadata"]["namespace"], svc["spec"].get("selector")
        if not selector:
            return []
        out = []
        for pod in self.api.store.list(PODS, ns):
            status = pod.get("status") or {}
            if pod["metadata"].get("deletionTimestamp") or not pod_ready(pod) or not status.get("podIP"):
                continue
            if any((pod["metadata"].get("labels") or {}).get(k) != v for k, v in selector.items()):
                continue
            target = port.get("targetPort", port["port"])
            if isinstance(target, str):
                target = next((p["containerPort"] for c in pod["spec"]["containers"] for p in c.get("ports") or []
                               if p.get("name") == target), None)
            if target:
                out.append((status["podIP"], target))
        return out

    def sync(self):
        wanted = {}
        with self.api.lock:
            for svc in self.api.store.list(SERVICES):
                ip = svc["spec"].get("clusterIP")
                if not ip or ip == "None":
                    continue
                for port in svc["spec"].get("ports") or []:
                    if port.get("protocol", "TCP") == "TCP" and self.endpoints(svc, port):
                        wanted[(ip, port["port"])] = (svc["metadata"]["namespace"], svc["metadata"]["name"], port)
        for key in [k for k in self.listeners if k not in wanted]:
            self.unlisten(self.listeners.pop(key))
        for key, target in wanted.items():
            if key not in self.listeners:
                try:
                    sock = socket.socket()
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    sock.bind(key)
                    sock.listen(64)
                except OSError as e:
                    if key not in self.failed:
                        log(f"kube-proxy: cannot listen on {key[0]}:{key[1]}: {e}")
                        self.failed.add(key)
                    continue
                self.listeners[key] = sock
                threading.Thread(target=self.accept, args=(sock, target), daemon=True).start()

    def accept(self, sock, target):
        ns, name, port = target
        while True:
            try:
                client, _ = sock.accept()
            except OSError:
                return
            with self.api.lock:
                svc = self.api.store.get(SERVICES, ns, name)
                ends = self.endpoints(svc, port) if svc else []
            if not ends:
                client.close()
                continue
            self.turn += 1
            threading.Thread(target=self.forward, args=(client, ends[self.turn % len(ends)]), daemon=True).start()

    @staticmethod
    def forward(client, endpoint):
        try:
            upstream = socket.create_connection(endpoint, timeout=5)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        pair = {client: upstream, upstream: client}
        open_ends = {client, upstream}
        try:
            while open_ends:
                readable, _, _ = select.select(list(open_ends), [], [], 60)
                for s in readable:
                    data = s.recv(65536)
                    if data:
                        pair[s].sendall(data)
                    else:
                        open_ends.discard(s)
                        try:
                            pair[s].shutdown(socket.SHUT_WR)
                        except OSError:
                            pass
        except OSError:
            pass
        finally:
            client.close()
            upstream.close()

    @staticmethod
    def unlisten(sock):
        # close() alone leaves a thread blocked in accept() holding the socket open; shutdown() wakes it.
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()

    def close(self):
        for sock in self.listeners.values():
            self.unlisten(sock)
        self.listeners.clear()


# ----------------------------------------------------------------------------- HTTP


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kube-contract"
    timeout = 300

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.serve("GET")

    def do_POST(self):
        self.serve("POST")

    def do_PUT(self):
        self.serve("PUT")

    def do_PATCH(self):
        self.serve("PATCH")

    def do_DELETE(self):
        self.serve("DELETE")

    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            data = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(data)
                data += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def serve(self, method):
        api = self.server.api
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        raw = self.read_body()
        try:
            if url.path.startswith("/_contract/"):
                reply = api.hook(method, url.path, raw)
            else:
                auth = self.headers.get("Authorization") or ""
                public = url.path in ("/version", "/healthz", "/readyz", "/livez") and not auth
                admin = bool(api.args.admin_token) and secrets.compare_digest(
                    auth.encode(), f"Bearer {api.args.admin_token}".encode())
                if not public and not admin and \
                        not secrets.compare_digest(auth.encode(), f"Bearer {api.args.token}".encode()):
                    raise ApiError(401, "Unauthorized", "Unauthorized")
                if url.path == "/version":
                    reply = Reply(200, {"major": "1", "minor": "29", "gitVersion": "v1.29.0-contract",
                                        "gitCommit": "0" * 40, "gitTreeState": "clean",
                                        "buildDate": "2024-01-01T00:00:00Z", "goVersion": "go1.21.5",
                                        "compiler": "gc", "platform": "linux/amd64"})
                elif url.path in ("/healthz", "/readyz", "/livez"):
                    reply = Reply(200, b"ok", "text/plain")
                else:
                    reply = api.handle(method, url.path, query, self.headers, raw, admin)
        except ApiError as e:
            reply = Reply(e.code, e.status())
        except Exception as e:  # a server bug: answer like the API's InternalError rather than hang up
            traceback.print_exc()
            reply = Reply(500, ApiError(500, "InternalError", f"an error on the server (\"{e}\") has prevented the "
                                                              f"request from succeeding").status())
        if not url.path.startswith("/_contract/"):
            self.record(method, url, query, reply, raw)
        if isinstance(reply, WatchReply):
            return self.stream(reply)
        body = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
        self.send_response(reply.code)
        self.send_header("Content-Type", reply.ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Audit-Id", str(uuid.uuid4()))
        for k, v in reply.headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def record(self, method, url, query, reply, raw):
        body = reply.body if isinstance(reply, Reply) else None
        reason = body.get("reason", "") if isinstance(body, dict) and body.get("kind") == "Status" else ""
        try:
            sent = json.loads(raw) if raw else None
        except ValueError:
            sent = raw.decode(errors="replace")[:2000]
        entry = {"method": method, "path": url.path, "query": url.query, "status": reply.code, "reason": reason,
                 "contentType": self.headers.get("Content-Type", ""), "fieldValidation": query.get("fieldValidation", ""),
                 "userAgent": self.headers.get("User-Agent", ""), "body": sent}
        with self.server.api.lock:
            self.server.api.requests.append(entry)
        log(f"{method} {url.path}{'?' + url.query if url.query else ''} -> {reply.code}"
            + (f" {reason}" if reason else ""))

    def stream(self, reply):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        try:
            for etype, obj in reply.events:
                line = json.dumps({"type": etype, "object": obj}).encode() + b"\n"
                self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        except (OSError, ssl.SSLError):
            self.close_connection = True


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def finish_request(self, request, client_address):
        # The TLS handshake happens here, on the connection's own thread, not in accept().
        request.settimeout(Handler.timeout)
        try:
            tls = self.tls.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            super().handle_error(request, client_address)


def make_certificates(d):
    paths = [os.path.join(d, f) for f in ("ca.crt", "ca.key", "server.crt", "server.key")]
    if all(os.path.exists(p) for p in paths):
        return
    ca_crt, ca_key, crt, key = paths
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run = lambda *a: subprocess.run(["openssl", *a], check=True, capture_output=True)  # noqa: E731
    run("req", "-x509", *ec, "-keyout", ca_key, "-out", ca_crt, "-days", "3650", "-subj", "/CN=kube-contract-ca",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    csr, ext = os.path.join(d, "server.csr"), os.path.join(d, "server.ext")
    run("req", *ec, "-keyout", key, "-out", csr, "-subj", "/CN=kube-apiserver")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial", "-out", crt,
        "-days", "3650", "-extfile", ext)


def write_kubeconfig(d, port, token, namespace):
    with open(os.path.join(d, "ca.crt"), "rb") as f:
        ca = base64.b64encode(f.read()).decode()
    config = {"apiVersion": "v1", "kind": "Config", "preferences": {},
              "clusters": [{"name": "contract", "cluster": {"server": f"https://127.0.0.1:{port}",
                                                            "certificate-authority-data": ca}}],
              "users": [{"name": "agent", "user": {"token": token}}],
              "contexts": [{"name": "contract", "context": {"cluster": "contract", "user": "agent",
                                                            "namespace": namespace}}],
              "current-context": "contract"}
    import yaml
    with open(os.path.join(d, "kubeconfig"), "w") as f:
        yaml.safe_dump(config, f, sort_keys=False)
    with open(os.path.join(d, "token"), "w") as f:
        f.write(token)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--state-dir", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--token", default="")
    p.add_argument("--namespace", default="streamspace")
    p.add_argument("--runtime", choices=["none", "docker"], default="none")
    p.add_argument("--docker-host", default="")
    p.add_argument("--ready-delay-ms", type=int, default=300)
    p.add_argument("--image-prefix", default="")
    p.add_argument("--rbac", default="", help="a manifest file whose Roles bind the token (403 for the rest)")
    p.add_argument("--admin-token", default="", help="a token RBAC does not restrict (tests' own reads)")
    args = p.parse_args()
    args.token = args.token or secrets.token_hex(16)
    args.admin_token = args.admin_token or secrets.token_hex(16)
    os.makedirs(args.state_dir, exist_ok=True)
    make_certificates(args.state_dir)

    api = Api(args, None)
    api.rbac = Rbac(args.rbac, args.namespace, f"system:serviceaccount:{args.namespace}:streamspace-agent") \
        if args.rbac else None
    if args.runtime == "docker":
        if not args.docker_host:
            p.error("--runtime docker needs --docker-host")
        api.runtime = DockerRuntime(args, api)
        proxy = ServiceProxy(api)
        api.service_proxy_sync = proxy.sync
    else:
        api.runtime, proxy = NoRuntime(args), None
        api.service_proxy_sync = lambda: None
    kubelet = Kubelet(api, api.runtime)
    controllers = Controllers(api, kubelet)

    server = Server(("127.0.0.1", args.port), Handler)
    server.api = api
    server.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.tls.load_cert_chain(os.path.join(args.state_dir, "server.crt"), os.path.join(args.state_dir, "server.key"))
    api.port = server.server_address[1]
    write_kubeconfig(args.state_dir, api.port, args.token, args.namespace)
    with open(os.path.join(args.state_dir, "admin-token"), "w") as f:
        f.write(args.admin_token)

    stop = threading.Event()
    loop = threading.Thread(target=controllers.run, args=(stop,), daemon=True)
    loop.start()

    def shutdown(*_):
        stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    def cleanup():
        stop.set()
        loop.join(timeout=30)
        if proxy:
            proxy.close()
        api.runtime.cleanup()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    atexit.register(cleanup)
    print(f"READY https://127.0.0.1:{api.port}", flush=True)
    server.serve_forever(poll_interval=0.2)
    server.server_close()
    cleanup()
    sys.exit(0)


if __name__ == "__main__":
    main()
