// Copies the contract (../../proto) into ./proto: the package loads it at run time, and
// proto-loader-gen-types generates src/generated/ from it. Both are build outputs, not committed.
const fs = require("fs");
const path = require("path");

const from = path.join(__dirname, "..", "..", "..", "proto", "src", "main", "proto", "aeserve", "v1");
const to = path.join(__dirname, "..", "proto", "aeserve", "v1");
if (!fs.existsSync(from)) {
  throw new Error(`no protos at ${from}: build from the aeserve repository`);
}
fs.mkdirSync(to, { recursive: true });
for (const f of fs.readdirSync(from).filter((f) => f.endsWith(".proto"))) {
  fs.copyFileSync(path.join(from, f), path.join(to, f));
}
