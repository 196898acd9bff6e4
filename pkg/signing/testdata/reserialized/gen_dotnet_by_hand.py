# NOT .NET: there is no dotnet on this machine (Debian and npm carry none).
# This writes the body by hand from System.Text.Json's documented defaults,
# as JsonNode.Parse(body).ToJsonString() would with JavaScriptEncoder.Default:
#  - numbers keep their literal text (a JsonNode keeps the number it read);
#  - every character outside printable ASCII (U+0020..U+007E) as \uXXXX,
#    upper-case hex, UTF-16 surrogate pairs beyond U+FFFF;
#  - the HTML-sensitive " & ' + < > ` as \u0022 \u0026 \u0027 \u002B \u003C
#    \u003E \u0060 (" is \u0022, not \");
#  - \b \t \n \f \r and \\ as short escapes; compact.
# Sources: https://learn.microsoft.com/dotnet/standard/serialization/system-text-json-character-encoding
# and https://learn.microsoft.com/dotnet/api/system.text.encodings.web.javascriptencoder.unsaferelaxedjsonescaping
# (which lists how Default differs: quote as \u0022, '+' and HTML characters escaped, only BasicLatin allowed).
# usage: python3 gen_dotnet_by_hand.py IN OUT
import json, sys

class Raw(str):
    pass

SHORT = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", "\\": "\\\\"}
HTML = set("\"&'+<>`")

def esc(s):
    out = []
    for ch in s:
        cp = ord(ch)
        if ch in SHORT:
            out.append(SHORT[ch])
        elif cp < 0x20 or cp > 0x7E or ch in HTML:
            if cp > 0xFFFF:
                cp -= 0x10000
                out.append("\\u%04X\\u%04X" % (0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF)))
            else:
                out.append("\\u%04X" % cp)
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'

def write(v):
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, str):
        return esc(v)
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if isinstance(v, Obj):
        return "{" + ",".join(esc(k) + ":" + write(x) for k, x in v) + "}"
    return "[" + ",".join(write(x) for x in v) + "]"

class Obj(list):
    pass

with open(sys.argv[1], encoding="utf-8") as f:
    value = json.load(f, parse_float=Raw, parse_int=Raw, object_pairs_hook=Obj)
with open(sys.argv[2], "w", encoding="utf-8", newline="") as f:
    f.write(write(value))
