"""Self-tests of the Kubernetes contract server and of kube_schema.

The server runs as a subprocess and is driven over HTTPS the way a client drives a real API
server; each assertion states an answer a v1.29 cluster gives. The docker-runtime test runs
only when SP_TEST_DOCKER_HOST names a podman/Docker API socket (unix://...).

  cd tests/kube_contract && /usr/bin/python3 -m unittest -v test_kube_contract
"""
import base64
import copy
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
from urllib.parse import quote

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import kube_schema as ks  # noqa: E402

NS = "streamspace"
DEPLOYMENTS = f"/apis/apps/v1/namespaces/{NS}/deployments"
PODS = f"/api/v1/namespaces/{NS}/pods"
PVCS = f"/api/v1/namespaces/{NS}/persistentvolumeclaims"
SERVICES = f"/api/v1/namespaces/{NS}/services"


class ContractServer:
    def __init__(self, *extra):
        self.dir = tempfile.mkdtemp(prefix="kube-contract-")
        self.token = "test-token-" + os.urandom(4).hex()
        self.log = open(os.path.join(self.dir, "server.log"), "w")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "kube_contract_server.py"), "--state-dir", self.dir,
             "--token", self.token, "--namespace", NS, *extra],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("READY https://127.0.0.1:"):
            self.proc.kill()
            raise RuntimeError(f"server did not start: {line!r}; log: {self.dir}/server.log")
        self.port = int(line.rsplit(":", 1)[1])
        self.tls = ssl.create_default_context(cafile=os.path.join(self.dir, "ca.crt"))
        self.conn = None

    def request(self, method, path, body=None, token=None, ctype="application/json", headers=None):
        """(status, headers, parsed body); one kept-alive connection, as libcurl would reuse."""
        hdrs = dict(headers or {})
        if token is not False:
            hdrs["Authorization"] = f"Bearer {token or self.token}"
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            hdrs["Content-Type"] = ctype
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.tls, timeout=30)
            try:
                self.conn.request(method, path, body=data, headers=hdrs)
                resp = self.conn.getresponse()
                raw = resp.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn = None
                if attempt:
                    raise
        parsed = json.loads(raw) if resp.getheader("Content-Type", "").startswith("application/json") else raw
        return resp.status, resp, parsed

    def ok(self, method, path, body=None, expect=200, **kw):
        status, _, parsed = self.request(method, path, body, **kw)
        if status != expect:
            raise AssertionError(f"{method} {path}: {status} {parsed}")
        return parsed

    def wait(self, what, fn, timeout=15):
        deadline = time.monotonic() + timeout
        while True:
            value = fn()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.1)

    def pods(self, selector):
        return self.ok("GET", f"{PODS}?labelSelector={quote(selector)}")["items"]

    def stop(self):
        if self.conn is not None:
            self.conn.close()
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=60)
        self.proc.stdout.close()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        return code


def ready(pod):
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod.get("status", {}).get("conditions", []))


def deployment(name, labels=None, replicas=1, volumes=(), mounts=(), **container):
    labels = labels or {"app": name}
    c = {"name": "session", "image": "localhost/streamspace-session-terminal:1",
         "ports": [{"name": "vnc", "containerPort": 5900, "protocol": "TCP"}],
         "resources": {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"cpu": "500m", "memory": "512Mi"}},
         "readinessProbe": {"tcpSocket": {"port": 5900}, "periodSeconds": 1}, "volumeMounts": list(mounts)}
    c.update(container)
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "labels": dict(labels), "annotations": {"streamspace.io/session-id": name}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": dict(labels)}, "strategy": {"type": "Recreate"},
                     "template": {"metadata": {"labels": dict(labels)},
                                  "spec": {"containers": [c], "volumes": list(volumes),
                                           "automountServiceAccountToken": False, "enableServiceLinks": False,
                                           "terminationGracePeriodSeconds": 10}}}}


def claim(name, size="1Gi"):
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}}


def service(name, selector, port=5900):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"type": "ClusterIP", "selector": selector,
                     "ports": [{"name": "vnc", "port": port, "targetPort": port, "protocol": "TCP"}]}}


class ApiContractTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = ContractServer("--runtime", "none", "--ready-delay-ms", "200")

    @classmethod
    def tearDownClass(cls):
        assert cls.s.stop() == 0, "the server must exit 0 on SIGTERM"

    def assertStatus(self, body, code, reason):
        self.assertEqual(body["kind"], "Status")
        self.assertEqual(body["apiVersion"], "v1")
        self.assertEqual(body["status"], "Failure")
        self.assertEqual(body["code"], code)
        self.assertEqual(body["reason"], reason)

    def test_files_kubeconfig_and_version(self):
        with open(os.path.join(self.s.dir, "kubeconfig")) as f:
            config = yaml.safe_load(f)
        self.assertEqual(config["current-context"], "contract")
        self.assertEqual(config["clusters"][0]["cluster"]["server"], f"https://127.0.0.1:{self.s.port}")
        with open(os.path.join(self.s.dir, "ca.crt"), "rb") as f:
            self.assertEqual(base64.b64decode(config["clusters"][0]["cluster"]["certificate-authority-data"]), f.read())
        self.assertEqual(config["users"][0]["user"]["token"], self.s.token)
        self.assertEqual(config["contexts"][0]["context"]["namespace"], NS)
        with open(os.path.join(self.s.dir, "token")) as f:
            self.assertEqual(f.read(), self.s.token)
        version = self.s.ok("GET", "/version", token=False)
        self.assertEqual((version["major"], version["minor"]), ("1", "29"))
        self.assertIn("apps", [g["name"] for g in self.s.ok("GET", "/apis")["groups"]])
        names = [r["name"] for r in self.s.ok("GET", "/apis/apps/v1")["resources"]]
        self.assertIn("deployments/scale", names)

    def test_unauthorized(self):
        for token in (False, "wrong"):
            status, _, body = self.s.request("GET", DEPLOYMENTS, token=token)
            self.assertEqual(status, 401)
            self.assertStatus(body, 401, "Unauthorized")
            self.assertEqual(body["message"], "Unauthorized")

    def test_create_get_already_exists_not_found(self):
        status, _, pvc = self.s.request("POST", PVCS, claim("home-a"))
        self.assertEqual(status, 201)
        meta = pvc["metadata"]
        self.assertTrue(meta["uid"] and meta["resourceVersion"].isdigit())
        self.assertRegex(meta["creationTimestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(meta["namespace"], NS)
        self.assertEqual(pvc["status"], {"phase": "Pending"})
        self.assertEqual(meta["finalizers"], ["kubernetes.io/pvc-protection"])
        status, _, body = self.s.request("POST", PVCS, claim("home-a"))
        self.assertEqual(status, 409)
        self.assertStatus(body, 409, "AlreadyExists")
        self.assertEqual(body["message"], 'persistentvolumeclaims "home-a" already exists')
        self.assertEqual(body["details"], {"name": "home-a", "kind": "persistentvolumeclaims"})
        bound = self.s.wait("bound claim", lambda: (lambda p: p if p["status"].get("phase") == "Bound" else None)(
            self.s.ok("GET", f"{PVCS}/home-a")))
        self.assertEqual(bound["spec"]["volumeName"], f"pvc-{meta['uid']}")
        self.assertEqual(bound["status"]["capacity"], {"storage": "1Gi"})
        self.assertGreater(int(bound["metadata"]["resourceVersion"]), int(meta["resourceVersion"]))
        status, _, body = self.s.request("GET", f"{DEPLOYMENTS}/ss-missing")
        self.assertEqual(status, 404)
        self.assertStatus(body, 404, "NotFound")
        self.assertEqual(body["message"], 'deployments.apps "ss-missing" not found')
        self.assertEqual(body["details"], {"name": "ss-missing", "group": "apps", "kind": "deployments"})
        status, _, body = self.s.request("GET", "/apis/apps/v1/namespaces/x/widgets")
        self.assertEqual((status, body["message"]), (404, "the server could not find the requested resource"))

    def test_update_conflict_and_generation(self):
        d = self.s.ok("POST", DEPLOYMENTS, deployment("ss-upd"), expect=201)
        self.assertEqual(d["metadata"]["generation"], 1)
        self.assertEqual(d["spec"]["strategy"], {"type": "Recreate"})
        self.assertEqual(d["spec"]["revisionHistoryLimit"], 10)
        self.assertEqual(d["spec"]["progressDeadlineSeconds"], 600)
        container = d["spec"]["template"]["spec"]["containers"][0]
        self.assertEqual(container["imagePullPolicy"], "IfNotPresent")
        self.assertEqual(container["terminationMessagePath"], "/dev/termination-log")
        self.assertEqual(d["spec"]["template"]["spec"]["dnsPolicy"], "ClusterFirst")
        # The controller has written the status meanwhile: only a fresh read carries the current version.
        self.s.wait("a settled status", lambda: self.s.ok("GET", f"{DEPLOYMENTS}/ss-upd")["status"].get(
            "availableReplicas"))
        d = self.s.ok("GET", f"{DEPLOYMENTS}/ss-upd")
        stale = copy.deepcopy(d)
        d["metadata"]["annotations"]["streamspace.io/state"] = "running"
        updated = self.s.ok("PUT", f"{DEPLOYMENTS}/ss-upd", d)
        self.assertEqual(updated["metadata"]["generation"], 1, "metadata changes leave the generation alone")
        self.assertGreater(int(updated["metadata"]["resourceVersion"]), int(d["metadata"]["resourceVersion"]))
        stale["spec"]["replicas"] = 0
        status, _, body = self.s.request("PUT", f"{DEPLOYMENTS}/ss-upd", stale)
        self.assertEqual(status, 409)
        self.assertStatus(body, 409, "Conflict")
        self.assertEqual(body["message"], 'Operation cannot be fulfilled on deployments.apps "ss-upd": the object '
                                          'has been modified; please apply your changes to the latest version and '
                                          'try again')
        self.assertEqual(body["details"], {"name": "ss-upd", "group": "apps", "kind": "deployments"})
        updated["spec"]["replicas"] = 0
        updated.pop("status")
        again = self.s.ok("PUT", f"{DEPLOYMENTS}/ss-upd?fieldValidation=Strict", updated)
        self.assertEqual(again["metadata"]["generation"], 2)
        self.assertIn("status", again, "a PUT without status keeps the stored status")
        del again["metadata"]["resourceVersion"]
        again["spec"]["replicas"] = 2
        self.assertEqual(self.s.ok("PUT", f"{DEPLOYMENTS}/ss-upd", again)["spec"]["replicas"], 2)
        status, _, body = self.s.request("PUT", f"{DEPLOYMENTS}/other", again)
        self.assertEqual(status, 400)
        self.assertEqual(body["message"], "the name of the object (ss-upd) does not match the name on the URL (other)")
        status, _, body = self.s.request("PUT", f"{DEPLOYMENTS}/ss-nope", deployment("ss-nope"))
        self.assertEqual((status, body["reason"]), (404, "NotFound"))
        self.s.ok("DELETE", f"{DEPLOYMENTS}/ss-upd")

    def test_invalid_objects(self):
        bad = deployment("ss-bad", labels={"app": "a"})
        bad["spec"]["template"]["metadata"]["labels"] = {"app": "b"}
        status, _, body = self.s.request("POST", DEPLOYMENTS, bad)
        self.assertEqual(status, 422)
        self.assertStatus(body, 422, "Invalid")
        self.assertEqual(body["message"], 'Deployment.apps "ss-bad" is invalid: spec.template.metadata.labels: '
                                          'Invalid value: map[string]string{"app":"b"}: `selector` does not match '
                                          'template `labels`')
        self.assertEqual(body["details"]["kind"], "Deployment")
        self.assertEqual(body["details"]["causes"], [{
            "reason": "FieldValueInvalid", "field": "spec.template.metadata.labels",
            "message": 'Invalid value: map[string]string{"app":"b"}: `selector` does not match template `labels`'}])
        worse = deployment("Bad_Name", replicas=-1)
        worse["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = 70000
        status, _, body = self.s.request("POST", DEPLOYMENTS, worse)
        self.assertEqual(status, 422)
        self.assertTrue(body["message"].startswith('Deployment.apps "Bad_Name" is invalid: ['))
        fields = {c["field"]: c for c in body["details"]["causes"]}
        self.assertEqual(fields["spec.replicas"]["message"], "Invalid value: -1: must be greater than or equal to 0")
        self.assertEqual(fields["spec.template.spec.containers[0].ports[0].containerPort"]["message"],
                         "Invalid value: 70000: must be between 1 and 65535, inclusive")
        self.assertIn("metadata.name", fields)
        status, _, body = self.s.request("POST", PVCS, {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                                                        "metadata": {"name": "c"}, "spec": {}})
        self.assertEqual(status, 422)
        self.assertEqual(body["message"], 'PersistentVolumeClaim "c" is invalid: [spec.accessModes: Required value: '
                                          'at least 1 access mode is required, spec.resources[storage]: Required value]')
        quantity = deployment("ss-q", resources={"limits": {"cpu": "lots"}})
        status, _, body = self.s.request("POST", DEPLOYMENTS, quantity)
        self.assertEqual((status, body["reason"]), (400, "BadRequest"))
        self.assertEqual(body["message"], 'Deployment in version "v1" cannot be handled as a Deployment: quantities '
                                          "must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?"
                                          "[0-9]*)$'")
        typed = deployment("ss-t", replicas="1")
        status, _, body = self.s.request("POST", DEPLOYMENTS, typed)
        self.assertEqual(status, 400)
        self.assertIn("json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32",
                      body["message"])
        status, _, body = self.s.request("POST", DEPLOYMENTS, {"metadata": {"name": "x"}})
        self.assertEqual(status, 400)
        self.assertTrue(body["message"].startswith("Object 'Kind' is missing in"))
        status, _, body = self.s.request("POST", DEPLOYMENTS, b"{not json")
        self.assertEqual(status, 400)

    def test_field_validation(self):
        obj = deployment("ss-fv")
        obj["spec"]["foo"] = 1
        status, resp, body = self.s.request("POST", DEPLOYMENTS + "?fieldValidation=Strict", obj)
        self.assertEqual(status, 400)
        self.assertStatus(body, 400, "BadRequest")
        self.assertEqual(body["message"], 'Deployment in version "v1" cannot be handled as a Deployment: strict '
                                          'decoding error: unknown field "spec.foo"')
        status, resp, body = self.s.request("POST", DEPLOYMENTS, obj)
        self.assertEqual(status, 201)
        self.assertEqual(resp.getheader("Warning"), '299 - "unknown field \\"spec.foo\\""')
        self.assertNotIn("foo", body["spec"], "unknown fields are dropped by the decoder")
        obj["metadata"]["name"] = "ss-fv2"
        obj["spec"]["template"]["spec"]["containers"][0]["bar"] = True
        status, resp, _ = self.s.request("POST", DEPLOYMENTS + "?fieldValidation=Ignore", obj)
        self.assertEqual(status, 201)
        self.assertIsNone(resp.getheader("Warning"))
        obj["metadata"]["name"] = "ss-fv3"
        status, _, body = self.s.request("POST", DEPLOYMENTS + "?fieldValidation=Strict", obj)
        self.assertIn('unknown field "spec.template.spec.containers[0].bar", unknown field "spec.foo"', body["message"])
        log = self.s.ok("GET", "/_contract/requests", token=False)
        strict = [r for r in log if r["fieldValidation"] == "Strict" and r["path"] == DEPLOYMENTS]
        self.assertTrue(strict and strict[-1]["status"] == 400 and strict[-1]["reason"] == "BadRequest")
        self.assertEqual(strict[-1]["contentType"], "application/json")
        for name in ("ss-fv", "ss-fv2"):
            self.s.ok("DELETE", f"{DEPLOYMENTS}/{name}")

    def test_namespace_mismatch_and_dry_run(self):
        obj = claim("c-ns")
        obj["metadata"]["namespace"] = "elsewhere"
        status, _, body = self.s.request("POST", PVCS, obj)
        self.assertEqual(status, 400)
        self.assertEqual(body["message"], "the namespace of the provided object does not match the namespace sent "
                                          "on the request")
        self.s.ok("POST", PVCS + "?dryRun=All", claim("c-dry"), expect=201)
        status, _, _ = self.s.request("GET", f"{PVCS}/c-dry")
        self.assertEqual(status, 404)

    def test_label_selectors(self):
        for name, labels in (("ls-a", {"tier": "web", "env": "prod"}), ("ls-b", {"tier": "db", "env": "prod"}),
                             ("ls-c", {"tier": "web"})):
            obj = claim(name)
            obj["metadata"]["labels"] = labels
            self.s.ok("POST", PVCS, obj, expect=201)

        def names(selector):
            body = self.s.ok("GET", f"{PVCS}?labelSelector={quote(selector)}")
            self.assertEqual((body["kind"], body["apiVersion"]), ("PersistentVolumeClaimList", "v1"))
            self.assertTrue(body["metadata"]["resourceVersion"].isdigit())
            self.assertTrue(all("kind" not in i and "apiVersion" not in i for i in body["items"]))
            return sorted(i["metadata"]["name"] for i in body["items"])

        self.assertEqual(names("tier=web"), ["ls-a", "ls-c"])
        self.assertEqual(names("tier=web,env=prod"), ["ls-a"])
        self.assertEqual(names("tier!=web,env"), ["ls-b"])
        self.assertEqual(names("tier in (db, web),!env"), ["ls-c"])
        self.assertEqual(names("tier notin (web),env==prod"), ["ls-b"])
        page = self.s.ok("GET", f"{PVCS}?labelSelector=tier&limit=2")
        self.assertEqual(len(page["items"]), 2)
        rest = self.s.ok("GET", f"{PVCS}?labelSelector=tier&limit=2&continue={page['metadata']['continue']}")
        self.assertEqual([i["metadata"]["name"] for i in rest["items"]], ["ls-c"])
        status, _, body = self.s.request("GET", f"{PVCS}?labelSelector={quote('bad key=x')}")
        self.assertEqual((status, body["reason"]), (400, "BadRequest"))

    def test_scale_subresource(self):
        self.s.ok("POST", DEPLOYMENTS, deployment("ss-sc"), expect=201)
        self.s.wait("a settled deployment", lambda: self.s.ok("GET", f"{DEPLOYMENTS}/ss-sc")["status"].get(
            "availableReplicas"))
        scale = self.s.ok("GET", f"{DEPLOYMENTS}/ss-sc/scale")
        self.assertEqual(scale["status"]["replicas"], 1)
        self.assertEqual((scale["kind"], scale["apiVersion"]), ("Scale", "autoscaling/v1"))
        self.assertEqual(scale["spec"], {"replicas": 1})
        self.assertEqual(scale["status"]["selector"], "app=ss-sc")
        stale = copy.deepcopy(scale)
        scale["spec"]["replicas"] = 0
        scaled = self.s.ok("PUT", f"{DEPLOYMENTS}/ss-sc/scale", scale)
        self.assertEqual(scaled["spec"], {}, "autoscaling/v1 omits zero replicas")
        self.assertEqual(self.s.ok("GET", f"{DEPLOYMENTS}/ss-sc")["metadata"]["generation"], 2)
        status, _, body = self.s.request("PUT", f"{DEPLOYMENTS}/ss-sc/scale", stale)
        self.assertEqual((status, body["reason"]), (409, "Conflict"))
        patched = self.s.ok("PATCH", f"{DEPLOYMENTS}/ss-sc/scale", {"spec": {"replicas": 3}},
                            ctype="application/merge-patch+json")
        self.assertEqual(patched["spec"], {"replicas": 3})
        status, _, body = self.s.request("GET", f"{DEPLOYMENTS}/ss-none/scale")
        self.assertEqual((status, body["message"]), (404, 'deployments.apps "ss-none" not found'))
        self.s.ok("DELETE", f"{DEPLOYMENTS}/ss-sc")

    def test_scale_to_zero_and_back_and_delete(self):
        labels = {"streamspace.io/session": "zero"}
        self.s.ok("POST", DEPLOYMENTS, deployment("ss-zero", labels=labels), expect=201)
        sel = "streamspace.io/session=zero"
        pod = self.s.wait("a ready pod", lambda: [p for p in self.s.pods(sel) if ready(p)])[0]
        self.assertRegex(pod["metadata"]["name"], r"^ss-zero-[a-z0-9]{10}-[a-z0-9]{5}$")
        self.assertEqual(pod["metadata"]["labels"]["streamspace.io/session"], "zero")
        self.assertIn("pod-template-hash", pod["metadata"]["labels"])
        owner = pod["metadata"]["ownerReferences"][0]
        self.assertEqual((owner["kind"], owner["name"], owner["controller"]), ("Deployment", "ss-zero", True))
        st = pod["status"]
        self.assertEqual(st["phase"], "Running")
        self.assertTrue(st["podIP"].startswith("127.0.") and st["podIP"] != "127.0.0.1")
        self.assertEqual([c["type"] for c in st["conditions"]], ["Initialized", "Ready", "ContainersReady",
                                                                 "PodScheduled"])
        cs = st["containerStatuses"][0]
        self.assertTrue(cs["ready"] and cs["started"] and "running" in cs["state"] and cs["restartCount"] == 0)
        self.assertEqual(st["qosClass"], "Guaranteed")
        d = self.s.wait("deployment status", lambda: (lambda d: d if d["status"].get("readyReplicas") == 1 else None)(
            self.s.ok("GET", f"{DEPLOYMENTS}/ss-zero")))
        self.assertEqual(d["status"]["availableReplicas"], 1)
        self.assertEqual({c["type"]: c["status"] for c in d["status"]["conditions"]},
                         {"Available": "True", "Progressing": "True"})
        d["spec"]["replicas"] = 0
        self.s.ok("PUT", f"{DEPLOYMENTS}/ss-zero", d)
        self.s.wait("no pods", lambda: not self.s.pods(sel))
        d = self.s.wait("status", lambda: (lambda d: d if "replicas" not in d["status"] else None)(
            self.s.ok("GET", f"{DEPLOYMENTS}/ss-zero")))
        self.assertNotIn("readyReplicas", d["status"], "zero counts are omitted")
        d["spec"]["replicas"] = 1
        self.s.ok("PUT", f"{DEPLOYMENTS}/ss-zero", d)
        again = self.s.wait("a new ready pod", lambda: [p for p in self.s.pods(sel) if ready(p)])[0]
        self.assertNotEqual(again["metadata"]["name"], pod["metadata"]["name"])
        deleted = self.s.ok("DELETE", f"{DEPLOYMENTS}/ss-zero?propagationPolicy=Background")
        self.assertEqual(deleted["kind"], "Status")
        self.assertEqual(deleted["status"], "Success")
        self.assertEqual(deleted["details"]["name"], "ss-zero")
        self.s.wait("pods of a deleted deployment gone", lambda: not self.s.pods(sel))
        status, _, body = self.s.request("DELETE", f"{DEPLOYMENTS}/ss-zero")
        self.assertEqual((status, body["message"]), (404, 'deployments.apps "ss-zero" not found'))

    def test_pod_get_delete_and_fail_hook(self):
        self.s.ok("POST", DEPLOYMENTS, deployment("ss-fail", labels={"fail": "yes"}), expect=201)
        pod = self.s.wait("ready", lambda: [p for p in self.s.pods("fail=yes") if ready(p)])[0]
        name = pod["metadata"]["name"]
        self.assertEqual(self.s.ok("GET", f"{PODS}/{name}")["metadata"]["uid"], pod["metadata"]["uid"])
        self.s.ok("POST", "/_contract/fail-pod", {"labelSelector": "fail=yes", "exitCode": 3}, token=False)

        def restarted():
            p = self.s.ok("GET", f"{PODS}/{name}")
            c = p["status"]["containerStatuses"][0]
            return p if c["restartCount"] == 1 and "running" in c["state"] else None
        p = self.s.wait("a restart", restarted)
        last = p["status"]["containerStatuses"][0]["lastState"]["terminated"]
        self.assertEqual((last["exitCode"], last["reason"]), (3, "Error"))
        gone = self.s.ok("DELETE", f"{PODS}/{name}")
        self.assertEqual(gone["kind"], "Pod")
        self.assertIn("deletionTimestamp", gone["metadata"])
        replacement = self.s.wait("a replacement", lambda: [p for p in self.s.pods("fail=yes")
                                                            if p["metadata"]["name"] != name and ready(p)])
        self.assertEqual(len(replacement), 1)
        self.s.ok("DELETE", f"{DEPLOYMENTS}/ss-fail")

    def test_claims_missing_in_use_and_deleted(self):
        vol = [{"name": "home", "persistentVolumeClaim": {"claimName": "home-late"}}]
        mount = [{"name": "home", "mountPath": "/home/user"}]
        self.s.ok("POST", DEPLOYMENTS, deployment("ss-pvc", labels={"pvc": "t"}, volumes=vol, mounts=mount),
                  expect=201)

        def unschedulable():
            pods = self.s.pods("pvc=t")
            conds = pods[0]["status"].get("conditions", []) if pods else []
            return conds if conds and conds[0].get("reason") == "Unschedulable" else None
        cond = self.s.wait("unschedulable", unschedulable)[0]
        self.assertEqual((cond["type"], cond["status"]), ("PodScheduled", "False"))
        self.assertEqual(cond["message"], '0/1 nodes are available: persistentvolumeclaim "home-late" not found.')
        self.assertEqual(self.s.pods("pvc=t")[0]["status"]["phase"], "Pending")
        self.s.ok("POST", PVCS, claim("home-late"), expect=201)
        self.s.wait("ready once the claim exists", lambda: [p for p in self.s.pods("pvc=t") if ready(p)])
        deleting = self.s.ok("DELETE", f"{PVCS}/home-late")
        self.assertIn("deletionTimestamp", deleting["metadata"], "a claim in use waits for its pods")
        time.sleep(0.5)
        self.assertEqual(self.s.request("GET", f"{PVCS}/home-late")[0], 200)
        self.s.ok("DELETE", f"{DEPLOYMENTS}/ss-pvc")
        self.s.wait("the claim gone", lambda: self.s.request("GET", f"{PVCS}/home-late")[0] == 404)

    def test_conflict_hook_and_patch(self):
        d = self.s.ok("POST", DEPLOYMENTS, deployment("ss-hook"), expect=201)
        self.s.ok("POST", "/_contract/conflict", {"resource": "deployments", "name": "ss-hook", "count": 1},
                  token=False)
        d["spec"]["replicas"] = 0
        status, _, body = self.s.request("PUT", f"{DEPLOYMENTS}/ss-hook", d)
        self.assertEqual((status, body["reason"]), (409, "Conflict"))
        fresh = self.s.ok("GET", f"{DEPLOYMENTS}/ss-hook")
        self.assertNotEqual(fresh["metadata"]["resourceVersion"], d["metadata"]["resourceVersion"])
        fresh["spec"]["replicas"] = 0
        self.assertEqual(self.s.ok("PUT", f"{DEPLOYMENTS}/ss-hook", fresh)["spec"]["replicas"], 0)
        patched = self.s.ok("PATCH", f"{DEPLOYMENTS}/ss-hook", {"metadata": {"annotations": {"x": "y"}}},
                            ctype="application/merge-patch+json")
        self.assertEqual(patched["metadata"]["annotations"]["x"], "y")
        patched = self.s.ok("PATCH", f"{DEPLOYMENTS}/ss-hook", [{"op": "replace", "path": "/spec/replicas",
                                                                  "value": 2}], ctype="application/json-patch+json")
        self.assertEqual(patched["spec"]["replicas"], 2)
        status, _, body = self.s.request("PATCH", f"{DEPLOYMENTS}/ss-hook", {"spec": {}},
                                         ctype="application/strategic-merge-patch+json")
        self.assertEqual((status, body["reason"]), (415, "UnsupportedMediaType"))
        changed = copy.deepcopy(patched)
        del changed["metadata"]["resourceVersion"]
        changed["spec"]["selector"] = {"matchLabels": {"app": "other"}}
        changed["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
        status, _, body = self.s.request("PUT", f"{DEPLOYMENTS}/ss-hook", changed)
        self.assertEqual(status, 422)
        self.assertIn("spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"other\"}"
                      ", MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable", body["message"])
        self.s.ok("DELETE", f"{DEPLOYMENTS}/ss-hook")

    def test_service_defaults_and_immutable_ip(self):
        svc = self.s.ok("POST", SERVICES, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ss-svc"},
                                           "spec": {"selector": {"a": "b"}, "ports": [{"port": 5900}]}}, expect=201)
        spec = svc["spec"]
        self.assertTrue(spec["clusterIP"].startswith("127.0.") and spec["clusterIPs"] == [spec["clusterIP"]])
        self.assertEqual((spec["type"], spec["sessionAffinity"]), ("ClusterIP", "None"))
        self.assertEqual(spec["ports"], [{"port": 5900, "protocol": "TCP", "targetPort": 5900}])
        svc["spec"]["clusterIP"] = "127.0.40.40"
        svc["spec"]["clusterIPs"] = ["127.0.40.40"]
        status, _, body = self.s.request("PUT", f"{SERVICES}/ss-svc", svc)
        self.assertEqual(status, 422)
        self.assertIn("may not change once set", body["message"])
        status, _, body = self.s.request("POST", SERVICES, service("1bad", {"a": "b"}))
        self.assertEqual(status, 422)
        self.assertIn("a DNS-1035 label must consist of", body["message"])
        self.assertEqual(self.s.ok("DELETE", f"{SERVICES}/ss-svc")["status"], "Success")

    def test_watch(self):
        start = self.s.ok("GET", f"{PVCS}?labelSelector=watch%3Dme")["metadata"]["resourceVersion"]
        conn = http.client.HTTPSConnection("127.0.0.1", self.s.port, context=self.s.tls, timeout=10)
        conn.request("GET", f"{PVCS}?watch=true&labelSelector=watch%3Dme&resourceVersion={start}&timeoutSeconds=5",
                     headers={"Authorization": f"Bearer {self.s.token}"})
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        obj = claim("watched")
        obj["metadata"]["labels"] = {"watch": "me"}
        self.s.ok("POST", PVCS, obj, expect=201)
        event = json.loads(resp.readline())
        self.assertEqual(event["type"], "ADDED")
        self.assertEqual(event["object"]["metadata"]["name"], "watched")
        self.assertEqual(event["object"]["kind"], "PersistentVolumeClaim")
        conn.close()

    def test_objects_hook(self):
        objects = self.s.ok("GET", "/_contract/objects", token=False)
        self.assertIn(NS, [o["metadata"]["name"] for o in objects if o["kind"] == "Namespace"])


GOOD = """
apiVersion: v1
kind: Namespace
metadata: {name: streamspace, labels: {app.kubernetes.io/part-of: streamspace}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: streamspace-agent, namespace: streamspace}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: streamspace-agent, namespace: streamspace}
rules:
- apiGroups: ["apps"]
  resources: ["deployments", "deployments/scale"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: [""]
  resources: ["pods", "services", "persistentvolumeclaims"]
  verbs: ["get", "list", "create", "delete"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: streamspace-agent, namespace: streamspace}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: streamspace-agent}
subjects: [{kind: ServiceAccount, name: streamspace-agent, namespace: streamspace}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: streamspace-read}
rules: [{nonResourceURLs: ["/version"], verbs: ["get"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: streamspace-read}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: streamspace-read}
subjects: [{kind: ServiceAccount, name: streamspace-agent, namespace: streamspace}]
---
apiVersion: v1
kind: Secret
metadata: {name: streamspace-secrets, namespace: streamspace}
type: Opaque
data: {jwt-secret: c2VjcmV0}
stringData: {db-password: hunter2}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: streamspace-config, namespace: streamspace}
data: {streamspace.yaml: "listen: 0.0.0.0:8080\\n"}
---
apiVersion: v1
kind: Service
metadata: {name: streamspace, namespace: streamspace}
spec:
  type: ClusterIP
  selector: {app: streamspace}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: streamspace, namespace: streamspace, labels: {app: streamspace}}
spec:
  replicas: 1
  selector: {matchLabels: {app: streamspace}}
  template:
    metadata: {labels: {app: streamspace}}
    spec:
      serviceAccountName: streamspace-agent
      securityContext: {runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: server
        image: streamspace:latest
        args: ["serve", "--config", "/etc/streamspace/streamspace.yaml"]
        ports: [{name: http, containerPort: 8080}]
        env:
        - {name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: streamspace-secrets, key: db-password}}}
        - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
        envFrom: [{configMapRef: {name: streamspace-config}}]
        resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: "1", memory: 1Gi}}
        readinessProbe: {httpGet: {path: /healthz, port: http}}
        livenessProbe: {tcpSocket: {port: 8080}, initialDelaySeconds: 5}
        securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
                          capabilities: {drop: [ALL]}}
        volumeMounts: [{name: config, mountPath: /etc/streamspace}, {name: tmp, mountPath: /tmp}]
      volumes:
      - {name: config, configMap: {name: streamspace-config}}
      - {name: tmp, emptyDir: {}}
      tolerations: [{key: dedicated, operator: Equal, value: streamspace, effect: NoSchedule}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: postgres, namespace: streamspace}
spec:
  serviceName: postgres
  selector: {matchLabels: {app: postgres}}
  template:
    metadata: {labels: {app: postgres}}
    spec:
      containers:
      - name: postgres
        image: postgres:16
        volumeMounts: [{name: data, mountPath: /var/lib/postgresql/data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 5Gi}}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: home, namespace: streamspace}
spec: {accessModes: [ReadWriteOnce], storageClassName: standard, resources: {requests: {storage: 1Gi}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: sessions, namespace: streamspace}
spec:
  podSelector: {matchLabels: {app.kubernetes.io/name: streamspace-session}}
  policyTypes: [Ingress, Egress]
  ingress: [{from: [{podSelector: {matchLabels: {app: streamspace}}}], ports: [{port: 5900}]}]
  egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]}]
"""


class SchemaTest(unittest.TestCase):
    def test_good_manifests_pass(self):
        self.assertEqual(ks.validate_manifests(GOOD), [])

    def errors(self, text_or_obj):
        obj = yaml.safe_load(text_or_obj) if isinstance(text_or_obj, str) else text_or_obj
        return ks.validate_object(obj)

    def test_bad_deployment(self):
        d = deployment("ss-x")
        c = d["spec"]["template"]["spec"]["containers"][0]
        c["resources"]["limits"]["cpu"] = "abc"
        self.assertEqual(self.errors(d), [
            "spec.template.spec.containers[0].resources.limits.cpu: Invalid value: \"abc\": quantities must match "
            "the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"])
        c["resources"]["limits"]["cpu"] = "250m"
        c["env"] = [{"name": "1BAD", "value": "x"}]
        c["volumeMounts"] = [{"name": "data", "mountPath": "/d"}]
        c["readinessProbe"] = {"tcpSocket": {"port": 0}}
        c["ports"][0]["protocol"] = "HTTP"
        d["spec"]["template"]["spec"]["restartPolicy"] = "Never"
        d["spec"]["foo"] = 1
        errors = self.errors(d)
        self.assertIn('spec.template.spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported '
                      'values: "SCTP", "TCP", "UDP"', errors)
        self.assertIn("spec.template.spec.containers[0].resources.requests: Invalid value: \"500m\": must be less "
                      "than or equal to cpu limit of 250m", errors)
        self.assertIn('spec.template.spec.containers[0].volumeMounts[0].name: Not found: "data"', errors)
        self.assertIn("spec.template.spec.containers[0].readinessProbe.tcpSocket.port: Invalid value: 0: must be "
                      "between 1 and 65535, inclusive", errors)
        self.assertIn('spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
                      errors)
        self.assertTrue(any(e.startswith('spec.template.spec.containers[0].env[0].name: Invalid value: "1BAD": a '
                                         'valid environment variable name') for e in errors))
        self.assertEqual(errors[-1], 'unknown field "spec.foo"')

    def test_names_labels_and_misc(self):
        errors = self.errors("""
apiVersion: v1
kind: Service
metadata: {name: my_svc, labels: {"bad key!": "v", ok: "bad value!"}}
spec: {type: Fancy, ports: [{port: 80}, {port: 81}]}
""")
        self.assertIn('metadata.name: Invalid value: "my_svc": ' + ks.DNS1035_LABEL_MSG, errors)
        self.assertIn('metadata.labels: Invalid value: "bad key!": name part ' + ks.QNAME_MSG, errors)
        self.assertIn('metadata.labels: Invalid value: "bad value!": ' + ks.LABEL_VALUE_MSG, errors)
        self.assertIn('spec.type: Unsupported value: "Fancy": supported values: "ClusterIP", "ExternalName", '
                      '"LoadBalancer", "NodePort"', errors)
        self.assertIn("spec.ports[1].name: Required value", errors)
        self.assertEqual(self.errors({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                                      "data": {"k": "not base64!"}}),
                         ['data.k: Invalid value: "not base64!": illegal base64 data at input byte 3'])
        self.assertEqual(self.errors({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                                      "metadata": {"name": "rb"}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io",
                                                                              "kind": "Thing", "name": "r"}}),
                         ['roleRef.kind: Unsupported value: "Thing": supported values: "Role", "ClusterRole"'])
        self.assertEqual(self.errors({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                                      "metadata": {"name": "r"}, "rules": [{"resources": ["pods"]}]}),
                         ["rules[0].verbs: Required value: verbs must contain at least one value",
                          "rules[0].apiGroups: Required value: resource rules must supply at least one api group"])
        self.assertEqual(self.errors({"apiVersion": "v1", "kind": "Namespace",
                                      "metadata": {"name": "n", "namespace": "x"}}),
                         ["metadata.namespace: Forbidden: not allowed on this type"])
        self.assertEqual(self.errors({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                                      "metadata": {"name": "i"}}),
                         ['kind: Invalid value: "Ingress": no schema for networking.k8s.io/v1, Kind=Ingress in this '
                          'subset'])

    def test_server_populated_fields_accepted(self):
        d = deployment("ss-ro")
        d["metadata"].update({"uid": "u", "resourceVersion": "5", "generation": 2,
                              "creationTimestamp": "2024-01-01T00:00:00Z",
                              "managedFields": [{"manager": "kubectl", "operation": "Update"}]})
        d["spec"]["template"]["metadata"]["creationTimestamp"] = None
        d["status"] = {"replicas": 1, "conditions": []}
        self.assertEqual(self.errors(d), [])

    def test_quantities(self):
        for text, canonical in (("1000m", "1"), ("0.5", "500m"), ("2048Ki", "2Mi"), ("1536Mi", "1536Mi"),
                                ("1000", "1k"), ("100m", "100m"), ("1e3", "1e3")):
            self.assertEqual(ks.canonical_quantity(text), canonical, text)
        self.assertEqual(ks.parse_quantity("1Gi"), 1024 ** 3)
        for bad in ("abc", "1.2.3", "5Gii", "", " 1"):
            with self.assertRaises(ValueError, msg=bad):
                ks.parse_quantity(bad)


def docker_call(sock, method, path, body=None):
    conn = http.client.HTTPConnection("localhost", timeout=60)
    conn.sock = socket.socket(socket.AF_UNIX)
    conn.sock.connect(sock)
    conn.request(method, "/v1.41" + path, body=json.dumps(body) if body is not None else None,
                 headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, data


@unittest.skipUnless(os.environ.get("SP_TEST_DOCKER_HOST"), "SP_TEST_DOCKER_HOST (unix://...podman.sock) not set")
class DockerRuntimeTest(unittest.TestCase):
    IMAGE = os.environ.get("SP_TEST_KUBE_IMAGE", "localhost/streamspace-session-terminal:1")

    def exec(self, sock, container_id, cmd):
        status, body = docker_call(sock, "POST", f"/containers/{container_id}/exec",
                                   {"Cmd": cmd, "AttachStdout": True, "AttachStderr": True})
        self.assertEqual(status, 201, body)
        exec_id = json.loads(body)["Id"]
        status, out = docker_call(sock, "POST", f"/exec/{exec_id}/start", {"Detach": False, "Tty": False})
        return out

    def test_session_runs_and_keeps_its_home(self):
        host = os.environ["SP_TEST_DOCKER_HOST"]
        sock = host[len("unix://"):]
        s = ContractServer("--runtime", "docker", "--docker-host", host)
        dir_hash = hashlib.sha256(os.path.abspath(s.dir).encode()).hexdigest()[:12]
        try:
            s.ok("POST", PVCS, claim("home-t1"), expect=201)
            svc = s.ok("POST", SERVICES, service("ss-t1", {"streamspace.io/session": "t1"}), expect=201)
            launcher = ("Xvnc :1 -rfbport 5900 -SecurityTypes None -BlacklistThreshold=1000000 -geometry 800x600 -depth 24 & sleep 1; "
                        "DISPLAY=:1 xterm")
            d = deployment("ss-t1", labels={"streamspace.io/session": "t1"}, image=self.IMAGE,
                           command=["/bin/sh", "-c", launcher],
                           volumes=[{"name": "home", "persistentVolumeClaim": {"claimName": "home-t1"}}],
                           mounts=[{"name": "home", "mountPath": "/home/user"}])
            s.ok("POST", DEPLOYMENTS, d, expect=201)
            pod = s.wait("a ready session pod", lambda: [p for p in s.pods("streamspace.io/session=t1") if ready(p)],
                         timeout=90)[0]
            ip = svc["spec"]["clusterIP"]
            with socket.create_connection((ip, 5900), timeout=10) as conn:
                self.assertEqual(conn.recv(12), b"RFB 003.008\n")
            cid = pod["status"]["containerStatuses"][0]["containerID"].replace("docker://", "")
            self.exec(sock, cid, ["/bin/sh", "-c", "echo kept > /home/user/marker"])
            scale = s.ok("GET", f"{DEPLOYMENTS}/ss-t1/scale")
            scale["spec"]["replicas"] = 0
            s.ok("PUT", f"{DEPLOYMENTS}/ss-t1/scale", scale)
            s.wait("no pods", lambda: not s.pods("streamspace.io/session=t1"), timeout=60)
            with self.assertRaises(OSError):
                socket.create_connection((ip, 5900), timeout=2).close()
            scale = s.ok("GET", f"{DEPLOYMENTS}/ss-t1/scale")
            scale["spec"]["replicas"] = 1
            s.ok("PUT", f"{DEPLOYMENTS}/ss-t1/scale", scale)
            pod = s.wait("a new ready pod", lambda: [p for p in s.pods("streamspace.io/session=t1") if ready(p)],
                         timeout=90)[0]
            cid = pod["status"]["containerStatuses"][0]["containerID"].replace("docker://", "")
            self.assertIn(b"kept", self.exec(sock, cid, ["cat", "/home/user/marker"]))
            with socket.create_connection((ip, 5900), timeout=10) as conn:
                self.assertEqual(conn.recv(12), b"RFB 003.008\n")
        finally:
            self.assertEqual(s.stop(), 0)
        label = quote(json.dumps({"label": [f"streamspace.kube-contract.dir={dir_hash}"]}))
        _, containers = docker_call(sock, "GET", f"/containers/json?all=true&filters={label}")
        _, volumes = docker_call(sock, "GET", f"/volumes?filters={label}")
        self.assertEqual(json.loads(containers), [])
        self.assertEqual(json.loads(volumes).get("Volumes") or [], [])


if __name__ == "__main__":
    unittest.main()
