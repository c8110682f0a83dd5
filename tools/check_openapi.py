#!/usr/bin/env python3
"""Checks api/openapi.yaml against itself and against the routes registered in src/.

Standard library only, so that it runs anywhere python3 does. The document is read with a
small loader for the YAML subset the file is allowed to use (block maps and lists, plain,
quoted and block scalars, empty flow collections; no anchors, aliases, tags, merge keys or
multiple documents). Plain scalars are typed exactly as the server's converter
(src/app/openapi.cpp) types them, and plain scalars that other YAML readers would type
differently (yes/no/on/off, True, timestamps, 0x10, 1_000, ...) are errors: quote them.
When PyYAML happens to be installed, its reading is compared with ours as well.

Checks:
  * openapi is "3.0.3"; info.title and info.version are strings;
  * every local $ref resolves;
  * every operation has a unique operationId, known tags and responses;
  * path template parameters and declared path parameters agree;
  * required properties exist; enum, default and example values match the schema type;
  * the routes registered in src/areas/**/*.cpp (RouteGroup ... .Get/.Post/.Put/.Patch/.Delete)
    are exactly the documented operations, each tagged with its route group's scope family;
    public routes have `security: []` and the others inherit the global security;
    x-required-role matches Access::kOperator / Access::kAdmin;
  * the WebSocket endpoints registered on a net::WsRouter (`ws_routes.Add("...", ...)` in
    src/app/serve.cpp) are exactly the documented operations that answer 101: each is a GET
    tagged `websocket`, says "WebSocket upgrade" in its description, has `security: []` (they
    take no user credential) and no x-required-role. They bypass the HTTP pipeline, so 401/403
    and 429 are not required of them.

Usage: tools/check_openapi.py [--repo DIR] [--dump-json FILE] [--no-routes]
Exit status 0 when every check passes, 1 otherwise.
"""

import argparse
import json
import os
import re
import sys

# --------------------------------------------------------------------------------------------
# YAML subset loader


class YamlError(Exception):
    def __init__(self, lineno, message):
        super().__init__(f"line {lineno}: {message}")


class Line:
    __slots__ = ("no", "raw", "indent", "text")

    def __init__(self, no, raw):
        self.no = no
        self.raw = raw
        stripped = raw.lstrip(" ")
        self.indent = len(raw) - len(stripped)
        self.text = stripped.rstrip()


_INT_RE = re.compile(r"-?[0-9]+\Z")
_FLOAT_RE = re.compile(r"-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\Z")
_FLOAT_WORD_RE = re.compile(r"-?(inf|infinity|nan)\Z", re.IGNORECASE)
# Plain scalars that some YAML reader (1.1 or 1.2) types differently from the converter.
_AMBIGUOUS_RES = [
    re.compile(r"(y|yes|n|no|on|off|true|false|null)\Z", re.IGNORECASE),
    re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?\Z"),            # timestamps
    re.compile(r"[-+]?(0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+)\Z"),          # other bases
    re.compile(r"[-+]?[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?\Z"),    # +1, 1_000, 1.
    re.compile(r"[-+]?\.[0-9]+([eE][-+]?[0-9]+)?\Z"),                    # .5
    re.compile(r"[-+]?\.(inf|nan)\Z", re.IGNORECASE),
    re.compile(r"[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?\Z"),       # sexagesimal 1:30
    re.compile(r"[-+]?(inf|infinity|nan)\Z", re.IGNORECASE),
    re.compile(r"[=<]\Z"),
]
_CONVERTER_EXACT = {"true": True, "false": False, "null": None, "~": None}


def type_plain(s, lineno, problems):
    """Types a plain scalar as src/app/openapi.cpp does; records ambiguous ones."""
    if s in _CONVERTER_EXACT:
        return _CONVERTER_EXACT[s]
    if _INT_RE.match(s):
        v = int(s)
        if -(2**63) <= v < 2**63:
            if len(s.lstrip("-")) > 1 and s.lstrip("-").startswith("0"):
                problems.append(f"line {lineno}: plain scalar {s!r} has a leading zero; quote it")
            return v
    if _FLOAT_RE.match(s) or _FLOAT_WORD_RE.match(s):
        value = float(s)
        if not re.match(r"-?[0-9]+\.[0-9]+([eE][+-]?[0-9]+)?\Z", s):
            problems.append(f"line {lineno}: plain scalar {s!r} is a number to the server "
                            "but not to every YAML reader; write it as 1.5 or quote it")
        return value
    for pattern in _AMBIGUOUS_RES:
        if pattern.match(s):
            problems.append(f"line {lineno}: plain scalar {s!r} is read differently by "
                            "different YAML readers; quote it")
            break
    return s


def _unescape_double(body, lineno):
    escapes = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f",
               "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85",
               "_": "\xa0", "L": "\u2028", "P": "\u2029"}
    out = []
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        if i + 1 >= len(body):
            raise YamlError(lineno, "dangling backslash in a double-quoted scalar")
        e = body[i + 1]
        if e in escapes:
            out.append(escapes[e])
            i += 2
        elif e in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[e]
            digits = body[i + 2:i + 2 + width]
            if len(digits) != width or not re.match(r"[0-9a-fA-F]+\Z", digits):
                raise YamlError(lineno, "bad escape in a double-quoted scalar")
            out.append(chr(int(digits, 16)))
            i += 2 + width
        else:
            raise YamlError(lineno, f"unknown escape \\{e} in a double-quoted scalar")
    return "".join(out)


def read_quoted(text, lineno):
    """Reads a quoted scalar at the start of text; returns (value, rest of text)."""
    q = text[0]
    i = 1
    if q == "'":
        out = []
        while True:
            j = text.find("'", i)
            if j < 0:
                raise YamlError(lineno, "unterminated single-quoted scalar (multi-line "
                                "quoted scalars are not allowed)")
            out.append(text[i:j])
            if j + 1 < len(text) and text[j + 1] == "'":
                out.append("'")
                i = j + 2
                continue
            return "".join(out), text[j + 1:]
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return _unescape_double(text[1:i], lineno), text[i + 1:]
        i += 1
    raise YamlError(lineno, "unterminated double-quoted scalar (multi-line quoted scalars "
                    "are not allowed)")


def _strip_comment(rest, lineno):
    rest = rest.strip()
    if rest and not rest.startswith("#"):
        raise YamlError(lineno, f"unexpected text after a quoted scalar: {rest!r}")


def _plain_text(text):
    """The plain scalar at the start of text, without a trailing comment."""
    m = re.search(r"\s#", text)
    if m:
        text = text[:m.start()]
    return text.rstrip()


class Loader:
    def __init__(self, source):
        self.lines = [Line(i + 1, raw) for i, raw in enumerate(source.split("\n"))]
        self.problems = []  # non-fatal: ambiguous scalars
        for line in self.lines:
            if line.raw.startswith("\t") or re.match(r" *\t", line.raw):
                raise YamlError(line.no, "tab in indentation")
            if line.text in ("---", "...") and line.indent == 0:
                raise YamlError(line.no, "document markers / multiple documents are not allowed")
            if line.indent == 0 and line.text.startswith("%"):
                raise YamlError(line.no, "directives are not allowed")

    @staticmethod
    def _significant(line):
        return line.text != "" and not line.text.startswith("#")

    def _next(self, i):
        while i < len(self.lines) and not self._significant(self.lines[i]):
            i += 1
        return i

    def load(self):
        i = self._next(0)
        if i >= len(self.lines):
            return None
        value, i = self._block(i, self.lines[i].indent)
        i = self._next(i)
        if i < len(self.lines):
            raise YamlError(self.lines[i].no, "unexpected indentation or trailing content")
        return value

    def _block(self, i, indent):
        line = self.lines[i]
        if line.text == "-" or line.text.startswith("- "):
            return self._seq(i, indent)
        if self._split_key(line) is not None:
            return self._map(i, indent)
        value = self._scalar(line.text, line.no)
        nxt = self._next(i + 1)
        if nxt < len(self.lines) and self.lines[nxt].indent > indent:
            raise YamlError(self.lines[nxt].no, "multi-line plain scalars are not allowed")
        return value, i + 1

    def _seq(self, i, indent):
        items = []
        while i < len(self.lines) and self.lines[i].indent == indent and (
                self.lines[i].text == "-" or self.lines[i].text.startswith("- ")):
            line = self.lines[i]
            rest = line.text[1:].lstrip(" ")
            if rest == "" or rest.startswith("#"):
                nxt = self._next(i + 1)
                if nxt < len(self.lines) and self.lines[nxt].indent > indent:
                    value, i = self._block(nxt, self.lines[nxt].indent)
                else:
                    value, i = None, i + 1
            else:
                # "- key: value" opens a map (or nested list) indented as far as its content.
                inner = Line(line.no, "")
                inner.indent = indent + (len(line.text) - len(rest))
                inner.text = rest
                inner.raw = " " * inner.indent + rest
                self.lines[i] = inner
                value, i = self._block(i, inner.indent)
            items.append(value)
            i = self._next(i)
        if i < len(self.lines) and self.lines[i].indent > indent:
            raise YamlError(self.lines[i].no, "bad indentation in a list")
        return items, i

    def _split_key(self, line):
        text = line.text
        if text.startswith(("? ", "- ", "[", "{", "&", "*", "!", "|", ">", "%", "@", "`")):
            return None
        if text.startswith(("'", '"')):
            key, rest = read_quoted(text, line.no)
            if rest == ":" or rest.startswith(": "):
                return key, rest[1:].strip()
            return None
        m = re.search(r":( |\Z)", text)
        if not m:
            return None
        key = text[:m.start()]
        if re.search(r"\s#", key):
            return None
        return key.rstrip(), text[m.end():].strip()

    def _map(self, i, indent):
        out = {}
        while i < len(self.lines) and self.lines[i].indent == indent:
            line = self.lines[i]
            kv = self._split_key(line)
            if kv is None:
                raise YamlError(line.no, f"expected 'key: value', found {line.text!r}")
            key, rest = kv
            if key == "<<":
                raise YamlError(line.no, "merge keys are not allowed")
            if key in out:
                raise YamlError(line.no, f"duplicate key {key!r}")
            if rest.startswith("#"):
                rest = ""
            if rest == "":
                nxt = self._next(i + 1)
                if nxt < len(self.lines) and (
                        self.lines[nxt].indent > indent or
                        (self.lines[nxt].indent == indent and
                         (self.lines[nxt].text == "-" or self.lines[nxt].text.startswith("- ")))):
                    value, i = self._block(nxt, self.lines[nxt].indent)
                else:
                    value, i = None, i + 1
            elif rest[0] in "|>":
                value, i = self._block_scalar(i, indent, rest, line.no)
            else:
                value = self._scalar(rest, line.no)
                nxt = self._next(i + 1)
                if nxt < len(self.lines) and self.lines[nxt].indent > indent:
                    raise YamlError(self.lines[nxt].no,
                                    "unexpected indentation (multi-line plain scalars are not "
                                    "allowed)")
                i = i + 1
            out[key] = value
            i = self._next(i)
        if i < len(self.lines) and self.lines[i].indent > indent:
            raise YamlError(self.lines[i].no, "bad indentation in a map")
        return out, i

    def _block_scalar(self, i, indent, header, lineno):
        m = re.match(r"([|>])([-+]?)\s*(#.*)?\Z", header)
        if not m:
            raise YamlError(lineno, f"unsupported block scalar header {header!r}")
        style, chomp = m.group(1), m.group(2)
        j = i + 1
        body = []
        content_indent = None
        while j < len(self.lines):
            line = self.lines[j]
            if line.text == "":
                body.append("")
                j += 1
                continue
            if line.indent <= indent:
                break
            if content_indent is None:
                content_indent = line.indent
            if line.indent < content_indent:
                raise YamlError(line.no, "block scalar line indented less than its first line")
            body.append(line.raw[content_indent:].rstrip("\r"))
            j += 1
        # trailing blank lines belong to chomping
        trailing = 0
        while body and body[-1] == "":
            body.pop()
            trailing += 1
        if style == "|":
            text = "\n".join(body)
        else:
            # Folding: a single line break between two ordinary lines becomes a space; n blank
            # lines become n line breaks; breaks around more-indented lines are kept.
            parts = []
            blanks = 0
            last = None
            for ln in body:
                if ln == "":
                    blanks += 1
                    continue
                if last is None:
                    parts.append("\n" * blanks + ln)
                elif ln.startswith((" ", "\t")) or last.startswith((" ", "\t")):
                    parts.append("\n" * (blanks + 1) + ln)
                else:
                    parts.append(("\n" * blanks if blanks else " ") + ln)
                last = ln
                blanks = 0
            text = "".join(parts)
        if body:
            if chomp == "":
                text += "\n"
            elif chomp == "+":
                text += "\n" * (trailing + 1)
        return text, j

    def _scalar(self, text, lineno):
        if text.startswith(("'", '"')):
            value, rest = read_quoted(text, lineno)
            _strip_comment(rest, lineno)
            return value
        if text.startswith(("[", "{")):
            return self._flow(text, lineno)
        if text.startswith(("&", "*", "!")):
            raise YamlError(lineno, "anchors, aliases and tags are not allowed")
        if text.startswith(("|", ">", "%", "@", "`", "#", "- ", "? ", ": ")) or text == "-":
            raise YamlError(lineno, f"a plain scalar cannot start like {text[:2]!r}")
        plain = _plain_text(text)
        if ": " in plain or plain.endswith(":"):
            raise YamlError(lineno, f"':' in a plain scalar; quote it: {plain!r}")
        return type_plain(plain, lineno, self.problems)

    def _flow(self, text, lineno):
        m = re.match(r"(\[\s*\]|\{\s*\})\s*(#.*)?\Z", text)
        if m:
            return [] if text.startswith("[") else {}
        m = re.match(r"\[(.*)\]\s*(#.*)?\Z", text)
        if not m or any(c in m.group(1) for c in "[]{}"):
            raise YamlError(lineno, "only empty flow collections and flat flow lists of "
                            "scalars are allowed")
        items = []
        for part in m.group(1).split(","):
            part = part.strip()
            if not part:
                raise YamlError(lineno, "empty item in a flow list")
            if part.startswith(("'", '"')):
                value, rest = read_quoted(part, lineno)
                if rest.strip():
                    raise YamlError(lineno, "quoted flow items cannot contain ','")
                items.append(value)
            else:
                items.append(type_plain(part, lineno, self.problems))
        return items


# --------------------------------------------------------------------------------------------
# Routes registered in the code

_GROUP_RE = re.compile(
    r"(?:http::)?RouteGroup\s+(\w+)\s*\(\s*\w+\s*,\s*\"([^\"]*)\"\s*,\s*\"([^\"]*)\"\s*\)")
_CALL_RE = re.compile(r"\b(\w+)\s*\.\s*(Get|Post|Put|Patch|Delete)\s*\(\s*\"([^\"]*)\"")


def _call_text(src, open_paren):
    """The argument text of the call whose '(' is at open_paren, and the access level."""
    depth = 0
    i = open_paren
    access = None
    while i < len(src):
        c = src[i]
        if c in "\"'":
            # skip string / char literals, including raw strings R"(...)"
            if c == '"' and i > 0 and src[i - 1] == "R":
                end = src.find(')"', i)
                i = end + 2
                continue
            j = i + 1
            while j < len(src) and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            i = j + 1
            continue
        if src.startswith("//", i):
            i = src.find("\n", i)
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return access, i
        elif depth == 1 and src.startswith("Access::k", i):
            access = re.match(r"Access::k(\w+)", src[i:]).group(1).lower()
        i += 1
    raise ValueError("unbalanced call")


def code_routes(repo):
    routes = []
    base = os.path.join(repo, "src", "areas")
    for root, _, files in os.walk(base):
        for name in sorted(files):
            if not name.endswith(".cpp") or name.endswith("_test.cpp"):
                continue
            path = os.path.join(root, name)
            with open(path, encoding="utf-8") as f:
                src = f.read()
            groups = {m.group(1): (m.group(2), m.group(3)) for m in _GROUP_RE.finditer(src)}
            for m in _CALL_RE.finditer(src):
                var, method, pattern = m.groups()
                if var not in groups:
                    continue
                prefix, scope = groups[var]
                open_paren = src.index("(", m.start(2))
                access, _ = _call_text(src, open_paren)
                doc_path = _doc_path(prefix + pattern)
                routes.append({"method": method.lower(), "path": doc_path, "scope": scope,
                               "access": access or "user",
                               "where": os.path.relpath(path, repo)})
    return routes


_WS_ROUTER_RE = re.compile(r"\bWsRouter\s+(\w+)\s*[;{(]")
_WS_ADD_RE = re.compile(r"\b(\w+)\s*(?:\.|->)\s*Add\s*\(\s*\"([^\"]*)\"")


def _doc_path(pattern):
    path = re.sub(r":(\w+)", r"{\1}", pattern)
    return re.sub(r"\*(\w+)", r"{\1}", path)


_WS_TAKEOVER_RE = re.compile(r'(\w+)\.AddTakeover\(\s*"([^"]+)"')


def code_takeover_paths(repo):
    """Paths a WsRouter hands over whole, any method (`<router>.AddTakeover("/pattern", ...)`)."""
    paths = set()
    base = os.path.join(repo, "src")
    for root, _, files in os.walk(base):
        for name in sorted(files):
            if not name.endswith(".cpp") or name.endswith("_test.cpp"):
                continue
            with open(os.path.join(root, name), encoding="utf-8") as f:
                src = f.read()
            routers = set(_WS_ROUTER_RE.findall(src))
            for var, pattern in _WS_TAKEOVER_RE.findall(src):
                if var in routers:
                    paths.add(_doc_path(pattern))
    return paths


def code_ws_routes(repo):
    """WebSocket endpoints: `<router>.Add("/pattern", endpoint)` on a declared WsRouter."""
    routes = []
    base = os.path.join(repo, "src")
    for root, _, files in os.walk(base):
        for name in sorted(files):
            if not name.endswith(".cpp") or name.endswith("_test.cpp"):
                continue
            path = os.path.join(root, name)
            with open(path, encoding="utf-8") as f:
                src = f.read()
            routers = set(_WS_ROUTER_RE.findall(src))
            if not routers:
                continue
            for var, pattern in _WS_ADD_RE.findall(src):
                if var in routers:
                    routes.append({"method": "get", "path": _doc_path(pattern),
                                   "where": os.path.relpath(path, repo)})
    return routes


# --------------------------------------------------------------------------------------------
# Document checks

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class Checker:
    def __init__(self, doc):
        self.doc = doc
        self.errors = []
        self.warnings = []

    def error(self, msg):
        self.errors.append(msg)

    def resolve(self, node, where):
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            target = self._ref(ref, where)
            if target is None:
                return None
            node = target
            seen += 1
            if seen > 20:
                self.error(f"{where}: $ref loop at {ref}")
                return None
        return node

    def _ref(self, ref, where):
        if not isinstance(ref, str) or not ref.startswith("#/"):
            self.error(f"{where}: only local $refs are allowed, got {ref!r}")
            return None
        node = self.doc
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                self.error(f"{where}: $ref {ref} does not resolve")
                return None
            node = node[part]
        return node

    def walk_refs(self, node, where):
        if isinstance(node, dict):
            if "$ref" in node:
                self._ref(node["$ref"], where)
                extra = set(node) - {"$ref"}
                if extra:
                    self.error(f"{where}: keys beside $ref are ignored: {sorted(extra)}")
            for k, v in node.items():
                self.walk_refs(v, f"{where}/{k}")
        elif isinstance(node, list):
            for k, v in enumerate(node):
                self.walk_refs(v, f"{where}/{k}")

    def check_schema(self, schema, where):
        if not isinstance(schema, dict):
            self.error(f"{where}: a schema must be a map")
            return
        if "$ref" in schema:
            return
        t = schema.get("type")
        if t is not None and t not in ("string", "integer", "number", "boolean", "array",
                                       "object"):
            self.error(f"{where}: unknown type {t!r}")
        if t == "array" and "items" not in schema:
            self.error(f"{where}: an array schema needs items")
        for kw in ("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"):
            if kw in schema and (isinstance(schema[kw], bool) or
                                 not isinstance(schema[kw], (int, float))):
                self.error(f"{where}: {kw} must be a number, got {schema[kw]!r}")
        for kw in ("nullable", "readOnly", "writeOnly", "deprecated"):
            if kw in schema and not isinstance(schema[kw], bool):
                self.error(f"{where}: {kw} must be true or false")
        props = schema.get("properties", {})
        if not isinstance(props, dict):
            self.error(f"{where}: properties must be a map")
            props = {}
        for name in schema.get("required", []) or []:
            if name not in props:
                self.error(f"{where}: required property {name!r} is not in properties")
        for value_kw in ("default", "example"):
            if value_kw in schema:
                self._check_value(schema, schema[value_kw], f"{where}/{value_kw}")
        for k, v in enumerate(schema.get("enum", []) or []):
            self._check_value(schema, v, f"{where}/enum/{k}")
        for name, sub in props.items():
            self.check_schema(sub, f"{where}/properties/{name}")
        if "items" in schema:
            self.check_schema(schema["items"], f"{where}/items")
        for kw in ("allOf", "oneOf", "anyOf"):
            for k, sub in enumerate(schema.get(kw, []) or []):
                self.check_schema(sub, f"{where}/{kw}/{k}")
        if isinstance(schema.get("additionalProperties"), dict):
            self.check_schema(schema["additionalProperties"], f"{where}/additionalProperties")

    def _check_value(self, schema, value, where):
        t = schema.get("type")
        if value is None and schema.get("nullable"):
            return
        ok = {
            "string": lambda v: isinstance(v, str),
            "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
            "boolean": lambda v: isinstance(v, bool),
            "array": lambda v: isinstance(v, list),
            "object": lambda v: isinstance(v, dict),
        }.get(t)
        if ok is not None and not ok(value):
            self.error(f"{where}: {value!r} ({type(value).__name__}) does not match type {t} "
                       "(quote strings that look like numbers or booleans, and only those)")

    def run(self, routes, ws_routes=None, takeover_paths=None):
        d = self.doc
        if not isinstance(d, dict):
            self.error("the document is not a map")
            return
        if d.get("openapi") != "3.0.3":
            self.error(f"openapi must be the string '3.0.3', got {d.get('openapi')!r}")
        info = d.get("info") or {}
        for key in ("title", "version"):
            if not isinstance(info.get(key), str):
                self.error(f"info.{key} must be a string, got {info.get(key)!r}")
        self.walk_refs(d, "#")
        tags = {t.get("name") for t in d.get("tags", []) or [] if isinstance(t, dict)}
        schemes = ((d.get("components") or {}).get("securitySchemes") or {})
        for req in d.get("security", []) or []:
            for name in req:
                if name not in schemes:
                    self.error(f"security: unknown scheme {name!r}")
        for name, schema in ((d.get("components") or {}).get("schemas") or {}).items():
            self.check_schema(schema, f"#/components/schemas/{name}")

        op_ids = {}
        documented = {}
        paths = d.get("paths")
        if not isinstance(paths, dict):
            self.error("paths must be a map")
            paths = {}
        for path, item in paths.items():
            if not path.startswith("/"):
                self.error(f"path {path!r} must start with '/'")
            if not isinstance(item, dict):
                self.error(f"{path}: a path item must be a map")
                continue
            template = set(re.findall(r"\{([^}]+)\}", path))
            path_params = self._params(item.get("parameters", []), f"{path}/parameters")
            for method, op in item.items():
                if method in ("parameters", "summary", "description", "servers"):
                    continue
                if method not in METHODS:
                    if not method.startswith("x-"):
                        self.error(f"{path}: unknown key {method!r}")
                    continue
                where = f"{method.upper()} {path}"
                documented[(method, path)] = op
                if not isinstance(op, dict):
                    self.error(f"{where}: an operation must be a map")
                    continue
                oid = op.get("operationId")
                if not isinstance(oid, str) or not oid:
                    self.error(f"{where}: missing operationId")
                elif oid in op_ids:
                    self.error(f"{where}: operationId {oid!r} is also used by {op_ids[oid]}")
                else:
                    op_ids[oid] = where
                op_tags = op.get("tags")
                if not op_tags or not isinstance(op_tags, list):
                    self.error(f"{where}: missing tags")
                else:
                    for t in op_tags:
                        if t not in tags:
                            self.error(f"{where}: tag {t!r} is not declared in the top-level tags")
                params = dict(path_params)
                params.update(self._params(op.get("parameters", []), f"{where}/parameters"))
                declared = {n for (n, loc) in params if loc == "path"}
                if declared != template:
                    self.error(f"{where}: path parameters {sorted(declared)} do not match the "
                               f"template {sorted(template)}")
                responses = op.get("responses")
                if not isinstance(responses, dict) or not responses:
                    self.error(f"{where}: missing responses")
                    responses = {}
                for code, resp in responses.items():
                    if not (code == "default" or re.match(r"[1-5]([0-9]{2}|XX)\Z", str(code))):
                        self.error(f"{where}: bad response code {code!r}")
                    r = self.resolve(resp, f"{where}/responses/{code}")
                    if isinstance(r, dict):
                        if not isinstance(r.get("description"), str):
                            self.error(f"{where}: response {code} needs a description")
                        for media, body in (r.get("content") or {}).items():
                            if "schema" in (body or {}):
                                self.check_schema(body["schema"],
                                                  f"{where}/responses/{code}/{media}")
                rb = op.get("requestBody")
                if rb is not None:
                    rb = self.resolve(rb, f"{where}/requestBody")
                    if isinstance(rb, dict):
                        for media, body in (rb.get("content") or {}).items():
                            if "schema" in (body or {}):
                                self.check_schema(body["schema"], f"{where}/requestBody/{media}")
                    if method in ("get", "delete", "head"):
                        self.error(f"{where}: {method.upper()} should not have a request body")
                sec = op.get("security", None)
                if sec is not None and sec != []:
                    for req in sec:
                        for name in req:
                            if name not in schemes:
                                self.error(f"{where}: unknown security scheme {name!r}")

        if routes is None:
            return
        code = {(r["method"], r["path"]): r for r in routes}
        for key, r in sorted(code.items()):
            where = f"{key[0].upper()} {key[1]}"
            op = documented.get(key)
            if op is None:
                self.error(f"{where}: registered in {r['where']} but not documented")
                continue
            if not isinstance(op, dict):
                continue
            if op.get("tags") != [r["scope"]]:
                self.error(f"{where}: tags should be [{r['scope']!r}] (the route group's scope), "
                           f"got {op.get('tags')!r}")
            public = op.get("security") == []
            if r["access"] == "public" and not public:
                self.error(f"{where}: public route needs `security: []`")
            if r["access"] != "public" and "security" in op:
                self.error(f"{where}: authenticated route should inherit the global security")
            want_role = r["access"] if r["access"] in ("operator", "admin") else None
            if op.get("x-required-role") != want_role:
                self.error(f"{where}: x-required-role should be {want_role!r}, "
                           f"got {op.get('x-required-role')!r}")
            responses = op.get("responses") or {}
            if r["access"] != "public":
                for c in ("401", "403"):
                    if c not in responses:
                        self.error(f"{where}: authenticated route should document {c}")
            if "429" not in responses:
                self.error(f"{where}: every route can answer 429 (rate limit); document it")
        ws = {(r["method"], r["path"]): r for r in (ws_routes or [])}
        for key, r in sorted(ws.items()):
            where = f"{key[0].upper()} {key[1]}"
            if key in code:
                self.error(f"{where}: registered both as an HTTP route ({code[key]['where']}) "
                           f"and as a WebSocket endpoint ({r['where']})")
                continue
            op = documented.get(key)
            if op is None:
                self.error(f"{where}: WebSocket endpoint registered in {r['where']} but not "
                           "documented (document it as a GET answering 101)")
                continue
            if not isinstance(op, dict):
                continue
            if op.get("tags") != ["websocket"]:
                self.error(f"{where}: WebSocket endpoints should be tagged ['websocket'], "
                           f"got {op.get('tags')!r}")
            if op.get("security") != []:
                self.error(f"{where}: WebSocket endpoint needs `security: []` (it takes no "
                           "user credential; describe its own credential instead)")
            if "x-required-role" in op:
                self.error(f"{where}: WebSocket endpoint should not have x-required-role")
            if "WebSocket upgrade" not in str(op.get("description", "")):
                self.error(f"{where}: the description should say \"WebSocket upgrade\"")
            if "101" not in (op.get("responses") or {}):
                self.error(f"{where}: WebSocket endpoint should document 101 (Switching "
                           "Protocols)")
        takeover_paths = takeover_paths or set()
        for path in sorted(takeover_paths):
            if ("get", path) not in documented:
                self.error(f"{path}: taken over by a WsRouter (any method) but GET is not "
                           "documented")
            else:
                op = documented[("get", path)]
                if isinstance(op, dict) and op.get("security") != []:
                    self.error(f"GET {path}: a takeover path checks its own credential; it "
                               "needs `security: []`")
        for key in sorted(documented):
            if key in ws or key[1] in takeover_paths:
                continue
            op = documented[key]
            if isinstance(op, dict) and "101" in (op.get("responses") or {}):
                self.error(f"{key[0].upper()} {key[1]}: documents 101 but is not a WebSocket "
                           "endpoint registered on a WsRouter")
            elif key not in code:
                self.error(f"{key[0].upper()} {key[1]}: documented but not registered in src/areas")

    def _params(self, params, where):
        out = {}
        if not isinstance(params, list):
            self.error(f"{where}: parameters must be a list")
            return out
        for k, p in enumerate(params):
            p = self.resolve(p, f"{where}/{k}")
            if not isinstance(p, dict):
                continue
            name, loc = p.get("name"), p.get("in")
            if loc not in ("path", "query", "header", "cookie"):
                self.error(f"{where}/{k}: bad 'in' {loc!r}")
            if loc == "path" and p.get("required") is not True:
                self.error(f"{where}/{k}: path parameter {name!r} must be required: true")
            if (name, loc) in out:
                self.error(f"{where}/{k}: duplicate parameter {name!r} in {loc}")
            if "schema" in p:
                self.check_schema(p["schema"], f"{where}/{k}/schema")
            out[(name, loc)] = p
        return out


def _compare(a, b, where, diffs):
    if len(diffs) > 20:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in set(a) | set(b):
            ka = k if k in a else str(k)
            kb = k if k in b else next((x for x in b if str(x) == str(k)), None)
            if ka not in a or kb is None:
                diffs.append(f"{where}/{k}: present in only one reading")
                continue
            _compare(a[ka], b[kb], f"{where}/{k}", diffs)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            diffs.append(f"{where}: list lengths differ")
            return
        for k, (x, y) in enumerate(zip(a, b)):
            _compare(x, y, f"{where}/{k}", diffs)
    elif type(a) is not type(b) or a != b:
        diffs.append(f"{where}: {a!r} vs PyYAML {b!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repo", default=os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    parser.add_argument("--dump-json", metavar="FILE",
                        help="write the document as the server's converter would serve it")
    parser.add_argument("--no-routes", action="store_true",
                        help="skip the comparison with the routes in src/areas and the "
                             "WebSocket endpoints")
    args = parser.parse_args()

    path = os.path.join(args.repo, "api", "openapi.yaml")
    with open(path, encoding="utf-8") as f:
        source = f.read()
    try:
        loader = Loader(source)
        doc = loader.load()
    except YamlError as e:
        print(f"{path}: {e}", file=sys.stderr)
        return 1
    errors = [f"{path}: {p}" for p in loader.problems]

    try:
        import yaml  # optional cross-check
    except ImportError:
        yaml = None
    if yaml is not None:
        diffs = []
        _compare(doc, yaml.safe_load(source), "#", diffs)
        errors += [f"{path}: PyYAML reads this differently: {d}" for d in diffs]

    routes = None if args.no_routes else code_routes(args.repo)
    ws_routes = None if args.no_routes else code_ws_routes(args.repo)
    checker = Checker(doc)
    takeovers = None if args.no_routes else code_takeover_paths(args.repo)
    checker.run(routes, ws_routes, takeovers)
    errors += [f"{path}: {e}" for e in checker.errors]

    if args.dump_json:
        with open(args.dump_json, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=2)

    paths = doc.get("paths", {}) if isinstance(doc, dict) else {}
    ops = sum(1 for item in paths.values() if isinstance(item, dict)
              for m in item if m in METHODS)
    for e in errors:
        print(e, file=sys.stderr)
    route_note = "" if routes is None else (f", {len(routes)} routes in src/areas, "
                                            f"{len(ws_routes)} WebSocket endpoints")
    status = "FAILED" if errors else "ok"
    print(f"openapi check {status}: {len(paths)} paths, {ops} operations{route_note}"
          f"{'' if yaml is not None else ' (PyYAML not installed: cross-check skipped)'}"
          f"{f', {len(errors)} problems' if errors else ''}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
