# Writes a form as Ruby's URI.encode_www_form does after decode_www_form.
# usage: ruby gen_ruby.rb IN OUT
require "uri"
src, dst = ARGV
File.binwrite(dst, URI.encode_www_form(URI.decode_www_form(File.read(src))))
