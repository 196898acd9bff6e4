#!/bin/sh
# Regenerates the form fixtures with the real encoders (see ../README.md).
set -eu
cd "$(dirname "$0")"
mkdir -p signed
python3 gen_python.py original.txt signed/python.txt
python3 gen_python.py original.txt signed/python_quote.txt quote
php gen_php.php original.txt signed/php.txt
php gen_php.php original.txt signed/php_rfc3986.txt rfc3986
node gen_node.js original.txt signed/node.txt
ruby gen_ruby.rb original.txt signed/ruby.txt
java GenURLEncoder.java original.txt signed/java.txt
# Another charset: the UTF-8 form Twilio sent, written again in Latin-1.
python3 gen_python.py twilio_utf8.txt python_latin1.txt latin-1
java GenURLEncoder.java twilio_utf8.txt java_latin1.txt ISO-8859-1
