// A CommonJS suite entry that every VS Code can require() (desktop VS Code before 1.100 loads
// extensionTestsPath only with require). It imports the real suite, an ES module, named by the
// DOCENT_SUITE_MODULE environment variable (an absolute path), and calls its run().
// Plain JS on purpose: the project's tsconfig compiles *.ts only (a .cts file would be skipped).
"use strict";
const { pathToFileURL } = require("node:url");

exports.run = async function run(testsRoot, callback) {
  const target = process.env.DOCENT_SUITE_MODULE;
  if (!target) throw new Error("esmSuiteEntry.cjs: set DOCENT_SUITE_MODULE to the suite's ES module");
  const suite = await import(pathToFileURL(target).href);
  if (typeof suite.run !== "function") throw new Error(`${target} exports no run()`);
  return suite.run(testsRoot, callback);
};
