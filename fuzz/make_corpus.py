#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/<harness>/ from fixtures/.

Seeds are named by content hash (as libFuzzer names what it finds), so
re-running adds nothing twice. Usage: python3 fuzz/make_corpus.py
"""
import hashlib
import json
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
SEP = "\n---\n"


def put(harness, text):
    data = text.encode("utf-8")
    folder = CORPUS / harness
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


def walk(value):
    yield value
    if isinstance(value, dict):
        for v in value.values():
            yield from walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v)


workspaces = sorted((ROOT / "fixtures" / "workspaces").glob("*.json"))
scenarios = sorted((ROOT / "fixtures" / "scenarios").rglob("*.json"))
loaded = [json.loads(p.read_text()) for p in workspaces + scenarios]

for p in workspaces:
    put("workspace_fuzz", p.read_text())
for p in scenarios:
    put("scenario_fuzz", p.read_text())

# api_fuzz: every request a scenario makes, as "METHOD target\nheaders\n\nbody".
bearer = "Authorization: Bearer test-key\n"
basic = "Authorization: Basic c3JjLXdyaXRlLWtleTo=\n"  # base64("src-write-key:")
for doc in loaded:
    for node in walk(doc):
        if not isinstance(node, dict):
            continue
        req = node.get("request")
        if isinstance(req, dict) and "path" in req:
            body = json.dumps(req["body"]) if "body" in req else ""
            auth = "" if req["path"].startswith("/_mock") else bearer
            put("api_fuzz", f"{req.get('method', 'POST')} {req['path']}\n{auth}\n{body}")
        seg = node.get("segment")
        if isinstance(seg, dict) and "type" in seg:
            put("api_fuzz", f"POST /inbound/segment\n{bearer}\n{json.dumps(seg)}")
            put("api_fuzz", f"POST /v1/{seg['type']}\n{basic}\n{json.dumps(seg)}")
for extra in [
    "GET /_mock/health\n\n",
    "POST /_mock/clock/advance\n\n{\"by\":\"2 hours\"}",
    "GET /_mock/wait?kind=messages&workspace=test-key&timeout_ms=0&match=%7B%22status%22%3A%22SENT%22%7D\n\n",
    "POST /send\n" + bearer + "Content-Type: application/x-www-form-urlencoded\n\nevent=welcome&recipient=ada&data[name]=Ada&l[]=1",
    "POST /send\n" + bearer + "Idempotency-Key: k1\nx-idempotency-expiration: 2026-02-01T00:00:00Z\n\n"
    "{\"message\":{\"to\":{\"user_id\":\"ada\"},\"template\":\"welcome\"}}",
    "PATCH /profiles/ada\n" + bearer + "\n{\"patch\":[{\"op\":\"add\",\"path\":\"/a/b\",\"value\":1}]}",
    "GET /messages?recipient=ada\n" + bearer + "\n",
    "PUT /_mock/workspaces/k2\n\n" + json.dumps({"name": "w", "profiles": {"p": {"email": "e@x.y"}}}),
]:
    put("api_fuzz", extra)

# Durations, timestamps, templates, accessors: strings found in the fixtures.
strings = {s for doc in loaded for s in walk(doc) if isinstance(s, str)}
for s in sorted(strings):
    if re.search(r"\d", s) and len(s) < 40:
        put("time_format_fuzz", s)
    if "{{" in s:
        put("template_fuzz", s + SEP + json.dumps({"data": {"name": "Ada"}, "profile": {"email": "a@b.c"}}))
    if s.startswith(("refs.", "data.", "profile.", "${", "$${")):
        put("accessor_fuzz", s)
for s in ["PT2H", "P1DT2H30M", "2 hours", "1 day", "90 minutes", "2026-01-05T09:00:00Z",
          "2026-01-05T09:00:00.123+02:00", "1767603600000", "0", "-1 hour", "P", "PT"]:
    put("time_format_fuzz", s)
for node in (n for doc in loaded for n in walk(doc)):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            put("accessor_fuzz", node["$ref"])
        if isinstance(node.get("if"), str):
            put("accessor_fuzz", node["if"] + SEP + json.dumps({"data": {"plan": "pro", "n": 3}}))
for s in ["data.order.items[1]", "refs.data.userid", "data.flag === false && !profile.email",
          "`${data.userId}-${data.order.id}`", "data[\"order\"].id >= 7 || null",
          "${data.userId}", "(1 + 2) == '3'"]:
    put("accessor_fuzz", s)
# Paths into a Segment-like event: the packed cursor steps over nested
# containers and keys of several byte orders.
event = {"data": {"context": {"page": {"url": "https://x.test", "tags": [1, {"a": 2}]}},
                  "properties": {"item": "Boots", "total": 99.5, "z\u00e9": [True, None]},
                  "userId": "ada", "\u00e9": {"z": 1}}}
for s in ["data.properties.item", "data.context.page.tags.1.a", "data.\u00e9.z",
          "data.properties.z\u00e9.0", "data.context.missing", "data.userId"]:
    put("accessor_fuzz", s + SEP + json.dumps(event))

# JSON Patch: documents and patches in the style of profile PATCH.
doc = {"email": "a@b.c", "custom": {"a": [1, 2, 3]}}
for patch in [
    [{"op": "add", "path": "/custom/b", "value": 1}],
    [{"op": "replace", "path": "/email", "value": "x@y.z"}],
    [{"op": "remove", "path": "/custom/a/1"}],
    [{"op": "move", "from": "/custom/a", "path": "/moved"}],
    [{"op": "copy", "from": "/email", "path": "/custom/e"}],
    [{"op": "test", "path": "/email", "value": "a@b.c"}, {"op": "add", "path": "/a~1b/c~0d", "value": {}}],
    [{"op": "add", "path": "/custom/a/-", "value": 4}],
]:
    put("json_patch_fuzz", json.dumps(doc) + SEP + json.dumps(patch))

# ParseJson against nlohmann: Segment events and workspace bodies as sent, plus
# the corners of JSON's grammar (numbers at the 64-bit edges, escapes,
# surrogates, UTF-8, a byte-order mark, repeated keys).
for doc in loaded:
    for node in walk(doc):
        if isinstance(node, dict) and isinstance(node.get("segment"), dict):
            put("json_parse_fuzz", json.dumps(node["segment"]))
            put("json_parse_fuzz", json.dumps(node["segment"], indent=2, ensure_ascii=False))
for s in ["0", "-0", "-0.0", "1e2", "1E-2", "18446744073709551615", "18446744073709551616",
          "-9223372036854775808", "-9223372036854775809", "1e400", "1e-400", "4.9e-324",
          '"\\u00e9\\uD83D\\uDE00\\u0000"', '"\u00e9\u20ac\U0001F600"', '"\\uDC00"', '"\\uD800x"',
          '\ufeff{"a":1}', '{"a":1,"a":{"b":[true,false,null]}}', '[1,2,]', '{"a" : [ 1 , 2 ] }']:
    put("json_parse_fuzz", s)
