#!/usr/bin/python3
"""Checks the Kubernetes manifests in deploy/kubernetes (or the kustomization given).

Renders them with `kubectl kustomize DIR` (the kubectl on PATH, or $KUBECTL), parses every
document with PyYAML, and checks:
  * each object against tests/kube_contract/kube_schema.py's validate_object (the schema
    subset the contract tests use);
  * no two objects share kind, namespace and name;
  * every namespaced object is in the namespace `streamspace`, which the render creates, and
    nothing else is cluster-scoped;
  * Deployments and StatefulSets: the selector matches the pod template; every Secret and
    ConfigMap named by env (secretKeyRef, configMapKeyRef), envFrom or volumes exists, with
    the key named; serviceAccountName exists; a StatefulSet's serviceName exists;
  * Services select the pods of some workload, and a named targetPort is a port of them;
  * RoleBindings: the role and the ServiceAccount subjects exist in the render;
  * the kubernetes agent (a workload running `agent --platform kubernetes`) has its own
    ServiceAccount, bound to Roles that grant exactly AGENT_RULES below (no `*`, no other
    resource or verb); no ClusterRole at all.

`kubectl apply --dry-run=client` is not used: it needs a reachable API server (discovery).

Usage: /usr/bin/python3 tools/check_kube_manifests.py [DIR]   (default deploy/kubernetes)
Exit status 0 when every check passes, 1 otherwise.
"""

import json
import os
import subprocess
import sys

import yaml

NAMESPACE = "streamspace"

# What the kubernetes agent does, by (API group, resource): it creates, reads, lists, updates
# (replicas, for hibernate and wake) and deletes the Deployment of each session, creates,
# reads and deletes its Service, creates (and keeps) the home PVCs and lists pods. The
# kubernetes platform's tests run the agent against tests/kube_contract with the Role of
# deploy/kubernetes/agent.yaml enforced; change this, the Role and the agent together.
AGENT_RULES = {
    ("apps", "deployments"): {"get", "list", "create", "update", "delete"},
    ("", "services"): {"get", "create", "delete"},
    ("", "persistentvolumeclaims"): {"create"},
    ("", "pods"): {"list"},
}

WORKLOAD_KINDS = ("Deployment", "StatefulSet")
# Cluster-scoped kinds the render may hold: only the namespace itself.
CLUSTER_KINDS = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume",
                 "StorageClass", "CustomResourceDefinition", "PriorityClass"}

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_validator():
    sys.path.insert(0, os.path.join(REPO, "tests", "kube_contract"))
    try:
        from kube_schema import validate_object  # noqa: E402 (path set just above)
    except ImportError as e:
        return None, f"cannot import validate_object from tests/kube_contract/kube_schema.py: {e}"
    return validate_object, None


def render(directory):
    kubectl = os.environ.get("KUBECTL", "kubectl")
    try:
        done = subprocess.run([kubectl, "kustomize", directory], capture_output=True, text=True)
    except OSError as e:
        return None, None, f"cannot run {kubectl}: {e}"
    if done.returncode != 0:
        return None, None, f"`{kubectl} kustomize {directory}` failed:\n{done.stderr.strip()}"
    version = subprocess.run([kubectl, "version", "--client", "-o", "json"],
                             capture_output=True, text=True)
    try:
        label = f"kubectl {json.loads(version.stdout)['clientVersion']['gitVersion']}"
    except (ValueError, KeyError, TypeError):
        label = kubectl
    return done.stdout, label, None


def name_of(obj):
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace")
    where = f"{ns}/" if ns else ""
    return f"{obj.get('kind')} {where}{meta.get('name')}"


class Checker:
    def __init__(self, objects):
        self.objects = objects
        self.errors = []
        self.index = {}  # (kind, namespace, name) -> object
        for obj in objects:
            meta = obj.get("metadata") or {}
            key = (obj.get("kind"), meta.get("namespace"), meta.get("name"))
            if key in self.index:
                self.error(obj, "defined twice")
            self.index[key] = obj

    def error(self, obj, message):
        self.errors.append(f"{name_of(obj)}: {message}")

    def find(self, kind, namespace, name):
        return self.index.get((kind, namespace, name))

    def of_kind(self, *kinds):
        return [o for o in self.objects if o.get("kind") in kinds]

    # ----------------------------------------------------------------------------------------

    def namespaces(self):
        if not self.find("Namespace", None, NAMESPACE):
            self.errors.append(f"the render has no Namespace {NAMESPACE}")
        for obj in self.objects:
            kind = obj.get("kind")
            ns = (obj.get("metadata") or {}).get("namespace")
            if kind == "Namespace":
                if obj["metadata"].get("name") != NAMESPACE:
                    self.error(obj, f"only the namespace {NAMESPACE} belongs here")
                if ns:
                    self.error(obj, "a Namespace has no metadata.namespace")
            elif kind in CLUSTER_KINDS:
                self.error(obj, f"cluster-scoped; everything must stay in namespace {NAMESPACE}")
            elif ns != NAMESPACE:
                self.error(obj, f"namespace is {ns!r}, not {NAMESPACE!r}")

    def workloads(self):
        for obj in self.of_kind(*WORKLOAD_KINDS):
            ns = obj["metadata"].get("namespace")
            spec = obj.get("spec") or {}
            template = spec.get("template") or {}
            labels = (template.get("metadata") or {}).get("labels") or {}
            selector = (spec.get("selector") or {}).get("matchLabels") or {}
            if not selector:
                self.error(obj, "spec.selector.matchLabels is empty")
            elif any(labels.get(k) != v for k, v in selector.items()):
                self.error(obj, f"selector {selector} does not match the template's labels {labels}")
            if obj["kind"] == "StatefulSet":
                service = spec.get("serviceName")
                if not service or not self.find("Service", ns, service):
                    self.error(obj, f"serviceName {service!r} is not a Service of the render")
            pod = template.get("spec") or {}
            account = pod.get("serviceAccountName") or pod.get("serviceAccount")
            if account and account != "default" and not self.find("ServiceAccount", ns, account):
                self.error(obj, f"serviceAccountName {account!r} is not a ServiceAccount of the render")
            self.pod_references(obj, ns, pod)

    def need(self, obj, kind, ns, name, key, optional, where):
        if optional:
            return
        target = self.find(kind, ns, name)
        if target is None:
            self.error(obj, f"{where} names {kind} {name!r}, which is not in the render")
        elif key is not None:
            keys = set((target.get("data") or {})) | set((target.get("stringData") or {}))
            if key not in keys:
                self.error(obj, f"{where} names key {key!r} of {kind} {name!r}, which has {sorted(keys)}")

    def pod_references(self, obj, ns, pod):
        containers = (pod.get("initContainers") or []) + (pod.get("containers") or [])
        for c in containers:
            cname = c.get("name")
            for env in c.get("env") or []:
                source = env.get("valueFrom") or {}
                for field, kind in (("secretKeyRef", "Secret"), ("configMapKeyRef", "ConfigMap")):
                    ref = source.get(field)
                    if ref:
                        self.need(obj, kind, ns, ref.get("name"), ref.get("key"), ref.get("optional"),
                                  f"container {cname} env {env.get('name')}")
            for env_from in c.get("envFrom") or []:
                for field, kind in (("secretRef", "Secret"), ("configMapRef", "ConfigMap")):
                    ref = env_from.get(field)
                    if ref:
                        self.need(obj, kind, ns, ref.get("name"), None, ref.get("optional"),
                                  f"container {cname} envFrom")
        for volume in pod.get("volumes") or []:
            where = f"volume {volume.get('name')}"
            if "secret" in volume:
                ref = volume["secret"]
                self.need(obj, "Secret", ns, ref.get("secretName"), None, ref.get("optional"), where)
            if "configMap" in volume:
                ref = volume["configMap"]
                self.need(obj, "ConfigMap", ns, ref.get("name"), None, ref.get("optional"), where)
            for source in (volume.get("projected") or {}).get("sources") or []:
                for field, kind in (("secret", "Secret"), ("configMap", "ConfigMap")):
                    ref = source.get(field)
                    if ref:
                        self.need(obj, kind, ns, ref.get("name"), None, ref.get("optional"), where)
            claim = volume.get("persistentVolumeClaim")
            if claim:
                self.need(obj, "PersistentVolumeClaim", ns, claim.get("claimName"), None, False, where)

    def services(self):
        workloads = self.of_kind(*WORKLOAD_KINDS)
        for svc in self.of_kind("Service"):
            ns = svc["metadata"].get("namespace")
            spec = svc.get("spec") or {}
            selector = spec.get("selector") or {}
            if not selector:
                self.error(svc, "has no selector")
                continue
            matched = []
            for w in workloads:
                template = (w.get("spec") or {}).get("template") or {}
                labels = (template.get("metadata") or {}).get("labels") or {}
                if w["metadata"].get("namespace") == ns and all(
                        labels.get(k) == v for k, v in selector.items()):
                    matched.append(template.get("spec") or {})
            if not matched:
                self.error(svc, f"selector {selector} matches no pod template of the render")
                continue
            port_names = {p.get("name") for pod in matched for c in pod.get("containers") or []
                          for p in c.get("ports") or []}
            for port in spec.get("ports") or []:
                target = port.get("targetPort")
                if isinstance(target, str) and target not in port_names:
                    self.error(svc, f"targetPort {target!r} is no named port of the selected pods")

    def bindings(self):
        for rb in self.of_kind("RoleBinding", "ClusterRoleBinding"):
            ns = rb["metadata"].get("namespace")
            ref = rb.get("roleRef") or {}
            kind = ref.get("kind")
            if kind not in ("Role", "ClusterRole"):
                self.error(rb, f"roleRef kind {kind!r} is neither Role nor ClusterRole")
            elif not self.find(kind, ns if kind == "Role" else None, ref.get("name")):
                self.error(rb, f"roleRef names {kind} {ref.get('name')!r}, which is not in the render")
            if ref.get("apiGroup") != "rbac.authorization.k8s.io":
                self.error(rb, "roleRef.apiGroup must be rbac.authorization.k8s.io")
            subjects = rb.get("subjects") or []
            if not subjects:
                self.error(rb, "has no subjects")
            for s in subjects:
                if s.get("kind") != "ServiceAccount":
                    self.error(rb, f"subject {s.get('kind')} {s.get('name')!r} is not an object "
                                   "of the render (bind ServiceAccounts only)")
                    continue
                sns = s.get("namespace") or ns
                if not self.find("ServiceAccount", sns, s.get("name")):
                    self.error(rb, f"subject ServiceAccount {sns}/{s.get('name')} is not in the render")

    def agent(self):
        agents = [w for w in self.of_kind(*WORKLOAD_KINDS) if is_kube_agent(w)]
        if not agents:
            self.errors.append("no workload runs `streamspace agent --platform kubernetes`")
        for w in agents:
            ns = w["metadata"].get("namespace")
            pod = ((w.get("spec") or {}).get("template") or {}).get("spec") or {}
            account = pod.get("serviceAccountName") or pod.get("serviceAccount")
            if not account or account == "default":
                self.error(w, "the agent needs its own ServiceAccount (serviceAccountName)")
                continue
            if pod.get("automountServiceAccountToken") is False:
                self.error(w, "the agent needs its ServiceAccount token "
                              "(automountServiceAccountToken is false)")
            granted = {}
            for rb in self.of_kind("RoleBinding", "ClusterRoleBinding"):
                bound = any(s.get("kind") == "ServiceAccount" and s.get("name") == account
                            and (s.get("namespace") or rb["metadata"].get("namespace")) == ns
                            for s in rb.get("subjects") or [])
                if not bound:
                    continue
                ref = rb.get("roleRef") or {}
                if rb["kind"] != "RoleBinding" or ref.get("kind") != "Role":
                    self.error(rb, f"binds the agent's ServiceAccount {account} to a "
                                   f"{ref.get('kind')}: only Roles in its namespace")
                    continue
                role = self.find("Role", rb["metadata"].get("namespace"), ref.get("name"))
                for rule in (role or {}).get("rules") or []:
                    for group in rule.get("apiGroups") or []:
                        for resource in rule.get("resources") or []:
                            granted.setdefault((group, resource), set()).update(rule.get("verbs") or [])
            for (group, resource), verbs in sorted(AGENT_RULES.items()):
                have = granted.get((group, resource), set())
                if not verbs <= have:
                    self.error(w, f"its Roles do not grant {sorted(verbs - have)} on "
                                  f"{resource} (apiGroup {group!r})")
            for (group, resource), verbs in sorted(granted.items()):
                extra = verbs - AGENT_RULES.get((group, resource), set())
                if extra:
                    self.error(w, f"its Roles grant more than it needs: {sorted(extra)} on "
                                  f"{resource} (apiGroup {group!r})")

    def wildcards(self):
        for role in self.of_kind("Role", "ClusterRole"):
            for rule in role.get("rules") or []:
                for field in ("apiGroups", "resources", "verbs", "resourceNames"):
                    if "*" in (rule.get(field) or []):
                        self.error(role, f"a rule has '*' in {field}")


def is_kube_agent(workload):
    pod = ((workload.get("spec") or {}).get("template") or {}).get("spec") or {}
    for c in pod.get("containers") or []:
        argv = [str(a) for a in (c.get("command") or []) + (c.get("args") or [])]
        if "agent" not in argv:
            continue
        if "--platform=kubernetes" in argv:
            return True
        if any(a == "--platform" and b == "kubernetes" for a, b in zip(argv, argv[1:])):
            return True
        env = {e.get("name"): e.get("value") for e in c.get("env") or []}
        if env.get("STREAMSPACE_AGENT_PLATFORM") == "kubernetes":
            return True
    return False


def main(argv):
    if len(argv) > 2 or (len(argv) == 2 and argv[1] in ("-h", "--help")):
        print(__doc__.strip())
        return 0 if len(argv) == 2 else 1
    directory = argv[1] if len(argv) == 2 else os.path.join(REPO, "deploy", "kubernetes")
    problems = []

    validate_object, import_error = load_validator()
    if import_error:
        problems.append(import_error)
    text, kubectl, render_error = render(directory)
    if render_error:
        problems.append(render_error)
        return report(problems)
    try:
        objects = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as e:
        return report(problems + [f"the render is not YAML: {e}"])
    bad = [d for d in objects if not isinstance(d, dict) or not d.get("kind")
           or not isinstance(d.get("metadata"), dict)]
    if bad:
        return report(problems + [f"{len(bad)} rendered documents are not objects with kind "
                                  "and metadata"])

    if validate_object:
        for obj in objects:
            for message in validate_object(obj) or []:
                problems.append(f"{name_of(obj)}: {message}")
    checker = Checker(objects)
    checker.namespaces()
    checker.workloads()
    checker.services()
    checker.bindings()
    checker.agent()
    checker.wildcards()
    problems += checker.errors
    if problems:
        return report(problems)

    kinds = {}
    for obj in objects:
        kinds[obj["kind"]] = kinds.get(obj["kind"], 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    print(f"check_kube_manifests: {os.path.relpath(directory)}: {len(objects)} objects "
          f"({summary}) valid, references ok [{kubectl}]")
    return 0


def report(problems):
    for p in problems:
        print(f"check_kube_manifests: {p}", file=sys.stderr)
    print(f"check_kube_manifests: {len(problems)} problem(s)", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
