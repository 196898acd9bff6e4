// Writes a form as Node's URLSearchParams does after parsing it.
// usage: node gen_node.js IN OUT
const fs = require("fs");
const [src, dst] = process.argv.slice(2);
fs.writeFileSync(dst, new URLSearchParams(fs.readFileSync(src, "ascii")).toString());
