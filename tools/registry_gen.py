#!/usr/bin/python3
"""registry_gen.py - turn OMA LwM2M object definitions (registry XML / DDF,
LWM2M.xsd or LWM2M-v1_1.xsd) into C definitions for tern (tern/model.h).

Each object version becomes one file OUT/obj_<id>_<major>_<minor>.c defining
`const tern_obj_def tern_obj_<id>_v<major>_<minor>` (resources sorted by id,
everything static const); OUT/objects.h declares them. With --registry NAME
the script also writes OUT/NAME_registry.c defining
`const tern_registry *tern_registry_NAME(void)` over the newest version of
every object given. Output is deterministic: the same inputs give the same
bytes.

Your own objects (one command):
    /usr/bin/python3 tools/registry_gen.py --out mygen --registry app my/10250.xml my/33000.xml
then compile mygen/*.c with your program and look objects up with
tern_registry_find(tern_registry_app(), 33000).

The standard set committed under src/model/gen/ (what tern_registry_std()
returns) is regenerated with:
    /usr/bin/python3 tools/registry_gen.py --std ../shared/lwm2m-registry --out src/model/gen
and a CTest test (unit_registry_current) fails when it is not current.

Only the Python standard library is used.
"""

import argparse
import hashlib
import os
import re
import sys
import xml.etree.ElementTree as ET

TYPES = {
    "": "TERN_TYPE_NONE",
    "none": "TERN_TYPE_NONE",
    "string": "TERN_TYPE_STRING",
    "integer": "TERN_TYPE_INTEGER",
    "unsigned integer": "TERN_TYPE_UNSIGNED",
    "float": "TERN_TYPE_FLOAT",
    "boolean": "TERN_TYPE_BOOLEAN",
    "opaque": "TERN_TYPE_OPAQUE",
    "time": "TERN_TYPE_TIME",
    "objlnk": "TERN_TYPE_OBJLNK",
    "corelnk": "TERN_TYPE_CORELNK",
}
NUMERIC = {"TERN_TYPE_INTEGER", "TERN_TYPE_UNSIGNED", "TERN_TYPE_FLOAT", "TERN_TYPE_TIME"}
LENGTH = {"TERN_TYPE_STRING", "TERN_TYPE_OPAQUE", "TERN_TYPE_CORELNK"}
OPS = {"": "TERN_OP_NONE", "none": "TERN_OP_NONE", "R": "TERN_OP_R", "W": "TERN_OP_W",
       "RW": "TERN_OP_RW", "E": "TERN_OP_E"}

# The standard set of tern_registry_std(): core objects, common LwM2M
# objects and the IPSO objects 3200-3203, 3300-3350 that exist in the
# registry; older versions (version_history/) are added for objects 0-7.
STD_IDS = list(range(0, 8)) + [9, 10, 11, 16] + list(range(19, 26)) + \
    list(range(3200, 3204)) + list(range(3300, 3351))
STD_HISTORY_IDS = range(0, 8)

NUM = r"[-+]?\d+(?:\.\d+)?"
RANGE_RE = re.compile(r"^\s*(" + NUM + r")\s*(?:\.\.|-|\u2013|to)\s*(" + NUM + r")\s*(bytes?)?\s*$",
                      re.IGNORECASE)


class GenError(Exception):
    pass


def text(elem, tag, default=""):
    e = elem.find(tag)
    if e is None or e.text is None:
        return default
    return e.text.strip()


def parse_range(s, ctype):
    """'0..255', '1-32', '0..64 bytes' -> (min, max), or None when the text is
    an enumeration, a single value or prose (no range is enforced then).
    Ranges are numeric bounds for numbers and byte-length bounds for String,
    Opaque and Corelnk (Core Appendix C / registry RangeEnumeration)."""
    m = RANGE_RE.match(s or "")
    if not m:
        return None
    lo, hi, unit = float(m.group(1)), float(m.group(2)), m.group(3)
    if lo > hi:
        return None
    if ctype in NUMERIC:
        if unit:
            return None
        return (lo, hi)
    if ctype in LENGTH:
        if lo < 0 or lo != int(lo) or hi != int(hi):
            return None
        return (lo, hi)
    return None


def version_key(v):
    parts = []
    for p in v.split("."):
        parts.append(int(p) if p.isdigit() else 0)
    return tuple(parts)


def parse_object_file(path):
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        raise GenError("%s: not well-formed XML: %s" % (path, e))
    objs = root.findall("Object") if root.tag == "LWM2M" else ([root] if root.tag == "Object" else [])
    if not objs:
        raise GenError("%s: no <LWM2M><Object> element" % path)
    out = []
    for o in objs:
        oid_s = text(o, "ObjectID")
        if not oid_s.isdigit() or int(oid_s) > 65534:
            raise GenError("%s: bad ObjectID %r" % (path, oid_s))
        ver = text(o, "ObjectVersion", "1.0") or "1.0"
        if not re.match(r"^\d+\.\d+$", ver):
            raise GenError("%s: bad ObjectVersion %r" % (path, ver))
        obj = {
            "id": int(oid_s),
            "name": text(o, "Name"),
            "version": ver,
            "lwm2m": text(o, "LWM2MVersion", "1.0") or "1.0",
            "multiple": text(o, "MultipleInstances") == "Multiple",
            "mandatory": text(o, "Mandatory") == "Mandatory",
            "source": os.path.basename(path),
            "res": [],
        }
        seen = set()
        res_root = o.find("Resources")
        for item in (res_root.findall("Item") if res_root is not None else []):
            rid_s = (item.get("ID") or "").strip()
            if not rid_s.isdigit() or int(rid_s) > 65534:
                raise GenError("%s: object %d: bad resource ID %r" % (path, obj["id"], rid_s))
            rid = int(rid_s)
            if rid in seen:
                raise GenError("%s: object %d: resource %d defined twice" % (path, obj["id"], rid))
            seen.add(rid)
            tname = text(item, "Type")
            ctype = TYPES.get(tname.lower())
            if ctype is None:
                raise GenError("%s: /%d/x/%d: unknown Type %r" % (path, obj["id"], rid, tname))
            ops_s = text(item, "Operations").upper()
            ops = OPS.get(ops_s)
            if ops is None:
                raise GenError("%s: /%d/x/%d: unknown Operations %r" % (path, obj["id"], rid, ops_s))
            obj["res"].append({
                "id": rid,
                "name": text(item, "Name"),
                "type": ctype,
                "ops": ops,
                "multiple": text(item, "MultipleInstances") == "Multiple",
                "mandatory": text(item, "Mandatory") == "Mandatory",
                "range": parse_range(text(item, "RangeEnumeration"), ctype),
                "range_text": text(item, "RangeEnumeration"),
                "units": text(item, "Units"),
            })
        obj["res"].sort(key=lambda r: r["id"])
        with open(path, "rb") as f:
            obj["sha"] = hashlib.sha256(f.read()).hexdigest()[:16]
        out.append(obj)
    return out


def c_str(s):
    """C string literal; non-ASCII as octal escapes, '?' escaped (trigraphs)."""
    out = ['"']
    for b in s.encode("utf-8"):
        c = chr(b)
        if c == '"' or c == "\\":
            out.append("\\" + c)
        elif c == "?":
            out.append("\\?")
        elif 0x20 <= b < 0x7F:
            out.append(c)
        else:
            out.append("\\%03o" % b)
    out.append('"')
    return "".join(out)


def c_comment(s):
    # no comment end, no trigraph ("??/" splices lines in ISO C17 mode)
    s = s.replace("*/", "* /").replace("\r", " ").replace("\n", " ")
    while "??" in s:
        s = s.replace("??", "? ?")
    return s.encode("ascii", "replace").decode("ascii")


def c_double(x):
    r = repr(float(x))
    return r if ("." in r or "e" in r or "n" in r) else r + ".0"


def symbol(obj):
    return "tern_obj_%d_v%s" % (obj["id"], obj["version"].replace(".", "_"))


def filename(obj):
    return "obj_%d_%s.c" % (obj["id"], obj["version"].replace(".", "_"))


HEADER_NOTE = "Generated by tools/registry_gen.py - do not edit; regenerate instead."


def gen_object(obj, header):
    sym = symbol(obj)
    lines = [
        "/* %s" % HEADER_NOTE,
        " * %s: object %d version %s (LwM2M %s), from %s (sha256 %s). */"
        % (c_comment(obj["name"]), obj["id"], obj["version"], obj["lwm2m"], c_comment(obj["source"]), obj["sha"]),
        "#include \"tern/model.h\"",
        "",
        "#include \"%s\"" % header,
        "",
    ]
    if obj["res"]:
        lines.append("static const tern_res_def res[] = {")
        for r in obj["res"]:
            lo, hi = r["range"] if r["range"] else (0, 0)
            rng = ""
            if r["range_text"]:
                rng = "  /* range: %s */" % c_comment(r["range_text"])
            lines.append("    {.id = %d, .type = %s, .ops = %s, .multiple = %s, .mandatory = %s,%s"
                         % (r["id"], r["type"], r["ops"], "true" if r["multiple"] else "false",
                            "true" if r["mandatory"] else "false", rng))
            lines.append("     .has_range = %s, .range_min = %s, .range_max = %s," %
                         ("true" if r["range"] else "false", c_double(lo), c_double(hi)))
            lines.append("     .name = %s, .units = %s}," % (c_str(r["name"]), c_str(r["units"])))
        lines.append("};")
        lines.append("")
    lines += [
        "const tern_obj_def %s = {" % sym,
        "    .id = %d," % obj["id"],
        "    .multiple = %s," % ("true" if obj["multiple"] else "false"),
        "    .mandatory = %s," % ("true" if obj["mandatory"] else "false"),
        "    .name = %s," % c_str(obj["name"]),
        "    .version = %s," % c_str(obj["version"]),
        "    .lwm2m_version = %s," % c_str(obj["lwm2m"]),
        "    .res_count = %d," % len(obj["res"]),
        "    .res = %s," % ("res" if obj["res"] else "NULL"),
        "};",
        "",
    ]
    return "\n".join(lines)


def gen_header(objs, header, registries):
    guard = "TERN_GEN_" + re.sub(r"[^A-Za-z0-9]", "_", header).upper()
    lines = [
        "/* %s" % HEADER_NOTE,
        " * Object definitions: tern_obj_<id>_v<major>_<minor>. */",
        "#ifndef %s" % guard,
        "#define %s" % guard,
        "",
        "#include \"tern/model.h\"",
        "",
    ]
    for o in objs:
        lines.append("extern const tern_obj_def %s; /* %s */" % (symbol(o), c_comment(o["name"])))
    if registries:
        lines.append("")
        for name in registries:
            lines.append("const tern_registry *tern_registry_%s(void);" % name)
    lines += ["", "#endif", ""]
    return "\n".join(lines)


def gen_registry(objs, name, header):
    newest = {}
    for o in objs:
        cur = newest.get(o["id"])
        if cur is None or version_key(o["version"]) > version_key(cur["version"]):
            newest[o["id"]] = o
    chosen = [newest[k] for k in sorted(newest)]
    lines = [
        "/* %s" % HEADER_NOTE,
        " * tern_registry_%s(): the newest version of each object, sorted by id. */" % name,
        "#include \"tern/model.h\"",
        "",
        "#include \"%s\"" % header,
        "",
        "static const tern_obj_def *const objs[] = {",
    ]
    for o in chosen:
        lines.append("    &%s," % symbol(o))
    lines += [
        "};",
        "",
        "static const tern_registry registry = {TERN_ARRAY_LEN(objs), objs};",
        "",
        "const tern_registry *tern_registry_%s(void)" % name,
        "{",
        "    return &registry;",
        "}",
        "",
    ]
    return "\n".join(lines)


def std_inputs(regdir):
    files = []
    for oid in STD_IDS:
        p = os.path.join(regdir, "%d.xml" % oid)
        if os.path.isfile(p):
            files.append(p)
    hist = os.path.join(regdir, "version_history")
    if os.path.isdir(hist):
        for name in sorted(os.listdir(hist)):
            m = re.match(r"^(\d+)-\d+_\d+\.xml$", name)
            if m and int(m.group(1)) in STD_HISTORY_IDS:
                files.append(os.path.join(hist, name))
    if not files:
        raise GenError("%s: no registry XML files found" % regdir)
    return files


def main(argv):
    ap = argparse.ArgumentParser(
        description="Generate tern C object definitions (tern_obj_def) from OMA LwM2M "
                    "registry / DDF XML files.",
        epilog="Example (your own objects): /usr/bin/python3 tools/registry_gen.py --out gen "
               "--registry app my/33000.xml  -> gen/obj_33000_1_0.c, gen/objects.h, "
               "gen/app_registry.c with tern_registry_app(). Standard set: "
               "/usr/bin/python3 tools/registry_gen.py --std ../shared/lwm2m-registry --out src/model/gen. "
               "See docs/registry.md.")
    ap.add_argument("xml", nargs="*", help="object definition XML files (LWM2M.xsd format)")
    ap.add_argument("--out", required=True, help="output directory (created if missing)")
    ap.add_argument("--registry", metavar="NAME", action="append", default=[],
                    help="also write NAME_registry.c defining tern_registry_NAME() over the newest "
                         "version of each object")
    ap.add_argument("--std", metavar="REGISTRY_DIR",
                    help="add the standard set from an OMA registry checkout (objects 0-7, 9-11, 16, "
                         "19-25, 3200-3203, 3300-3350, older versions of 0-7 from version_history/) "
                         "and write std_registry.c (tern_registry_std)")
    ap.add_argument("--header", default="objects.h", help="name of the generated header (objects.h)")
    ap.add_argument("--check", action="store_true",
                    help="do not write; exit 1 if the files in --out differ from what would be generated")
    a = ap.parse_args(argv)

    try:
        inputs = list(a.xml)
        registries = list(a.registry)
        if a.std:
            inputs = std_inputs(a.std) + inputs
            if "std" not in registries:
                registries.insert(0, "std")
        if not inputs:
            ap.error("no input XML files")
        objs = {}
        for path in inputs:
            for o in parse_object_file(path):
                key = (o["id"], version_key(o["version"]))
                # The first file given for an object version wins, so the
                # registry's current file beats a version_history copy.
                if key not in objs:
                    objs[key] = o
        ordered = [objs[k] for k in sorted(objs)]
        files = {}
        for o in ordered:
            files[filename(o)] = gen_object(o, a.header)
        files[a.header] = gen_header(ordered, a.header, registries)
        for name in registries:
            if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
                raise GenError("--registry %r is not a C identifier part" % name)
            files["%s_registry.c" % name] = gen_registry(ordered, name, a.header)
    except (GenError, OSError) as e:
        print("registry_gen: %s" % e, file=sys.stderr)
        return 2

    if a.check:
        bad = []
        for name, content in sorted(files.items()):
            p = os.path.join(a.out, name)
            try:
                with open(p, encoding="utf-8") as f:
                    if f.read() != content:
                        bad.append(name + " (differs)")
            except OSError:
                bad.append(name + " (missing)")
        if os.path.isdir(a.out):
            for name in sorted(os.listdir(a.out)):
                if (name.endswith(".c") or name.endswith(".h")) and name not in files:
                    bad.append(name + " (not generated any more)")
        for b in bad:
            print("registry_gen: not current: %s" % os.path.join(a.out, b), file=sys.stderr)
        if bad:
            print("registry_gen: regenerate with: /usr/bin/python3 tools/registry_gen.py %s"
                  % " ".join(argv[:]).replace("--check", "").strip(), file=sys.stderr)
            return 1
        print("registry_gen: %d files current in %s" % (len(files), a.out))
        return 0

    os.makedirs(a.out, exist_ok=True)
    for name, content in sorted(files.items()):
        p = os.path.join(a.out, name)
        try:
            with open(p, encoding="utf-8") as f:
                if f.read() == content:
                    continue
        except OSError:
            pass
        with open(p, "w", encoding="utf-8", newline="\n") as f:
            f.write(content)
    print("registry_gen: %d objects, %d files in %s" % (len(ordered), len(files), a.out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
