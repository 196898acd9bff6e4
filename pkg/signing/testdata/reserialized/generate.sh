#!/bin/sh
# Regenerates every fixture here with the real serializers (see README.md).
# Needs python3, node, php-cli, ruby and Java 17 with Jackson
# (apt-get install -y php-cli ruby libjackson2-databind-java python3-flask
# python3-starlette python3-djangorestframework).
# dotnet.json and from_node/dotnet.json are hand-written: no .NET here.
set -eu
cd "$(dirname "$0")"
JACKSON=/usr/share/java/jackson-databind.jar:/usr/share/java/jackson-core.jar:/usr/share/java/jackson-annotations.jar

# gen IN OUTDIR: every serializer's output for the body IN.
gen() {
	in=$1 out=$2
	mkdir -p "$out"
	python3 gen_python.py "$in" "$out/python.json"
	python3 gen_python.py "$in" "$out/python_sort_keys.json" - sort_keys
	python3 gen_python.py "$in" "$out/python_indent2.json" 2
	python3 gen_python.py "$in" "$out/python_indent4.json" 4
	python3 gen_python.py "$in" "$out/python_indent2_sort_keys.json" 2 sort_keys
	python3 gen_python.py "$in" "$out/python_indent4_sort_keys.json" 4 sort_keys
	/usr/bin/python3 gen_python_frameworks.py "$in" "$out/flask.json" flask
	/usr/bin/python3 gen_python_frameworks.py "$in" "$out/fastapi.json" starlette
	/usr/bin/python3 gen_python_frameworks.py "$in" "$out/drf.json" drf
	php gen_php.php "$in" "$out/php.json"
	php gen_php.php "$in" "$out/php_pretty.json" pretty
	node gen_node.js "$in" "$out/node.json"
	node gen_node.js "$in" "$out/node_indent2.json" 2
	ruby gen_ruby.rb "$in" "$out/ruby_to_json.json" to_json
	ruby gen_ruby.rb "$in" "$out/ruby_generate.json" generate
	ruby gen_ruby.rb "$in" "$out/ruby_pretty.json" pretty
	java -cp "$JACKSON" GenJackson.java "$in" "$out/jackson.json"
	java -cp "$JACKSON" GenJackson.java "$in" "$out/jackson_pretty.json" pretty
	python3 gen_dotnet_by_hand.py "$in" "$out/dotnet.json" # hand-written rules, not .NET
}

# The sender signed a serializer's output of original.json.
gen original.json signed
# The sender (Node) sent node.json; a handler's framework re-serialized it.
gen signed/node.json from_node
rm from_node/node.json # the bytes as sent: nothing re-serialized them
# Sorting keys loses the order the sender signed: nothing to recover.
rm from_node/*sort_keys* from_node/flask.json

# Numbers at each serializer's format boundaries.
mkdir -p numbers
python3 gen_python.py numbers.json numbers/python.json
php gen_php.php numbers.json numbers/php.json
node gen_node.js numbers.json numbers/node.json
ruby gen_ruby.rb numbers.json numbers/ruby.json generate
java -cp "$JACKSON" GenJackson.java numbers.json numbers/jackson.json
