# Writes the body as Python web frameworks answer with it, after json.loads:
# the frameworks' own code, from Debian 12's python3-flask (2.2.2),
# python3-starlette (0.26.1, FastAPI's JSONResponse) and
# python3-djangorestframework (3.14.0). Run with Debian's /usr/bin/python3.
# usage: /usr/bin/python3 gen_python_frameworks.py IN OUT flask|starlette|drf
import json, sys

src, dst, which = sys.argv[1:4]
with open(src, encoding="utf-8") as f:
    value = json.load(f)

if which == "flask":
    import flask
    app = flask.Flask(__name__)  # not in debug: compact
    with app.app_context():
        out = flask.jsonify(value).get_data()
elif which == "starlette":
    from starlette.responses import JSONResponse
    out = JSONResponse(value).body
elif which == "drf":
    import django
    from django.conf import settings
    settings.configure()
    django.setup()
    from rest_framework.renderers import JSONRenderer
    out = JSONRenderer().render(value)
else:
    sys.exit("unknown framework " + which)
with open(dst, "wb") as f:
    f.write(out)
