# Writes the body as Ruby's json does after JSON.parse.
# usage: ruby gen_ruby.rb IN OUT [to_json|generate|pretty]
require "json"
src, dst, how = ARGV
value = JSON.parse(File.read(src, encoding: "UTF-8"))
out = case how
      when "pretty" then JSON.pretty_generate(value)
      when "generate" then JSON.generate(value)
      else value.to_json
      end
File.binwrite(dst, out)
