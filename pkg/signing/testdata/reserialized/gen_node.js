// Writes the body as Node's JSON.stringify does after JSON.parse.
// usage: node gen_node.js IN OUT [indent]
const fs = require("fs");
const [src, dst, indent] = process.argv.slice(2);
const value = JSON.parse(fs.readFileSync(src, "utf8"));
fs.writeFileSync(dst, indent ? JSON.stringify(value, null, Number(indent)) : JSON.stringify(value));
