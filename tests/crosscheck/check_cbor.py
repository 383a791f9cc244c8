#!/usr/bin/python3
"""Decodes every <name>.cbor written by crosscheck_cbor with cbor2 (an
independent CBOR implementation), and every <name>.jdoc (SenML JSON,
SenML-ETCH JSON, OMA JSON) with Python's json module, and compares it
structurally with <name>.json. Also checks CBOR numbers are in preferred
(shortest) form by re-encoding each scalar with cbor2's canonical encoder."""
import base64, datetime, glob, json, math, os, sys
import cbor2

def expect(n):
    t, v = n["type"].lower().split()[0], n["value"]
    if t in ("string", "corelnk", "objlnk"):
        return v
    if t == "opaque":
        return bytes.fromhex(v)
    if t in ("integer", "unsigned", "time"):
        return int(v)
    if t == "float":
        return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}.get(v, v) if isinstance(v, str) else float(v)
    if t in ("instance", "multiple"):
        return {}
    return v

def same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return type(a) == type(b) and a == b

def scalar_bytes_ok(raw, v):
    """a scalar's bytes must be what a canonical encoder writes"""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        # no longer than cbor2's canonical form (cbor2 writes 65504.0, the
        # largest half, as a single: tern's f97bff is the shorter exact form)
        return len(raw) <= len(cbor2.dumps(v, canonical=True)) and same(cbor2.loads(raw), v)
    return True

def flatten_lwm2m(doc, problems):
    out = []
    if not isinstance(doc, dict):
        problems.append("top level is not a map")
        return out
    def walk(m, path, prefix, depth):
        if depth > 6:
            problems.append("too deep")
            return
        for k, v in m.items():
            ids = list(k) if isinstance(k, tuple) else [k]
            pfx = prefix
            if ids and isinstance(ids[0], str):
                pfx = ids.pop(0)
            if not all(isinstance(i, int) and 0 <= i <= 65535 for i in ids):
                problems.append("bad key %r" % (k,))
                continue
            p = path + ids
            if isinstance(v, dict) and (v or len(p) in (2, 3)) and len(p) < 4 and not (not v and len(p) < 2):
                if v:
                    walk(v, p, pfx, depth + 1)
                else:
                    out.append(("/" + "/".join(map(str, p)), pfx, {}))
            else:
                out.append(("/" + "/".join(map(str, p)), pfx, v))
    walk(doc, [], "", 0)
    return out

def flatten_senml(doc, problems):
    out, bn, bt = [], "", 0
    if not isinstance(doc, list):
        problems.append("not an array")
        return out
    for r in doc:
        bn = r.get(-2, bn)
        bt = r.get(-3, bt)
        name = bn + r.get(0, "")
        val = None
        for key in (2, 3, 4, 8, "vlo"):
            if key in r:
                val = r[key]
        out.append((name, "", val))
    return out

def flatten_senml_json(doc, problems):
    out, bn = [], ""
    if not isinstance(doc, list):
        problems.append("not an array")
        return out
    for r in doc:
        bn = r.get("bn", bn)
        val = None
        for key in ("v", "vs", "vb", "vd", "vlo"):
            if key in r:
                val = r[key]
                if key == "vd":
                    val = base64.urlsafe_b64decode(val + "=" * (-len(val) % 4))
        out.append((bn + r.get("n", ""), "", val))
    return out

def flatten_oma_json(doc, problems):
    out = []
    if not isinstance(doc, dict) or not isinstance(doc.get("e"), list):
        problems.append("not an OMA JSON object with e")
        return out
    bn = doc.get("bn", "")
    for r in doc["e"]:
        val = None
        for key in ("v", "sv", "bv", "ov"):
            if key in r:
                val = r[key]
        out.append((bn + r.get("n", ""), "", val))
    return out

def json_value(got, want):
    """JSON carries opaque as base64 text (OMA JSON: in sv) and floats
    without a type: compare by the expected type."""
    if isinstance(want, bytes) and isinstance(got, str):
        for dec in (base64.urlsafe_b64decode, base64.b64decode):
            try:
                return dec(got + "=" * (-len(got) % 4))
            except Exception:
                pass
    if isinstance(want, float) and isinstance(got, int) and not isinstance(got, bool):
        return float(got)
    return got

def main(d):
    bad = 0
    files = sorted(glob.glob(os.path.join(d, "*.json")))
    njson = 0
    for jf in files:
        name = os.path.basename(jf)[:-5]
        exp = json.load(open(jf))
        problems = []
        cf, nodes = exp["cf"], exp["nodes"]
        if cf in (110, 320, 11543):
            njson += 1
            try:
                doc = json.loads(open(jf[:-5] + ".jdoc", "rb").read().decode("utf-8"))
            except Exception as e:
                print("FAIL %s: json cannot parse: %s" % (name, e))
                bad += 1
                continue
            got = flatten_oma_json(doc, problems) if cf == 11543 else flatten_senml_json(doc, problems)
            want = [(n["path"], n["prefix"], expect(n)) for n in nodes if n["type"] not in ("instance", "multiple")]
            if len(got) != len(want):
                problems.append("%d values, expected %d" % (len(got), len(want)))
            else:
                for g, w in zip(sorted(got), sorted(want, key=lambda x: (x[1], x[0]))):
                    g = (g[0], g[1], json_value(g[2], w[2]))
                    if g[0] != w[0] or not same(g[2], w[2]):
                        problems.append("got %r, expected %r" % (g, w))
            if problems:
                bad += 1
                print("FAIL %s: %s" % (name, "; ".join(str(p)[:300] for p in problems[:3])))
            continue
        raw = open(jf[:-5] + ".cbor", "rb").read()
        try:
            doc = cbor2.loads(raw)
        except Exception as e:
            print("FAIL %s: cbor2 cannot decode: %s" % (name, e))
            bad += 1
            continue
        if cf == 60:
            v = doc
            if isinstance(v, datetime.datetime):
                v = int(v.timestamp())
            got = [(nodes[0]["path"], "", v)]
            if not scalar_bytes_ok(raw, v if nodes[0]["type"].lower() != "time" else None):
                problems.append("not the shortest encoding: %s" % raw.hex())
        elif cf == 11544:
            got = flatten_lwm2m(doc, problems)
        else:
            got = flatten_senml(doc, problems)
        want = [(n["path"] if cf != 60 else nodes[0]["path"], n["prefix"], expect(n)) for n in nodes]
        if cf in (112, 322):
            want = [w for w, n in zip(want, nodes) if n["type"] not in ("instance", "multiple")]
        def key(x):
            return (x[1], x[0])
        if len(got) != len(want):
            problems.append("%d values, expected %d" % (len(got), len(want)))
        else:
            for g, w in zip(sorted(got, key=key), sorted(want, key=key)):
                if g[0] != w[0] or g[1] != w[1] or not same(g[2], w[2]):
                    problems.append("got %r, expected %r" % (g, w))
        if problems:
            bad += 1
            print("FAIL %s: %s" % (name, "; ".join(str(p)[:300] for p in problems[:3])))
    print("check_cbor: %d documents (%d CBOR-family with cbor2, %d JSON with json), %d failed"
          % (len(files), len(files) - njson, njson, bad))
    return 1 if bad or not files else 0

sys.exit(main(sys.argv[1]))
