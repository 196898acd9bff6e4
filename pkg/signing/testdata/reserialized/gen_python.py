# Writes the body as Python's json module does after json.loads.
# usage: python3 gen_python.py IN OUT [indent] [sort_keys]
import json, sys
src, dst = sys.argv[1], sys.argv[2]
indent = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[3] != "-" else None
sort_keys = len(sys.argv) > 4 and sys.argv[4] == "sort_keys"
with open(src, encoding="utf-8") as f:
    value = json.load(f)
with open(dst, "w", encoding="utf-8", newline="") as f:
    f.write(json.dumps(value, indent=indent, sort_keys=sort_keys))
