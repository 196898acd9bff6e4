# Writes a form as Python's urllib.parse.urlencode does after parse_qsl.
# usage: python3 gen_python.py IN OUT [quote|latin-1]
import sys
from urllib.parse import parse_qsl, quote, urlencode
src, dst = sys.argv[1], sys.argv[2]
how = sys.argv[3] if len(sys.argv) > 3 else ""
pairs = parse_qsl(open(src, encoding="ascii").read(), keep_blank_values=True)
if how == "quote":
    out = urlencode(pairs, quote_via=quote)
elif how == "latin-1":
    out = urlencode(pairs, encoding="latin-1")
else:
    out = urlencode(pairs)
open(dst, "w", encoding="ascii").write(out)
