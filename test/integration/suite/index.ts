// The in-editor mocha suite's entry (bundled to out/integration/index.cjs, loaded by VS Code's
// extension host). It installs mocha's globals, registers the suites and runs them.
import Mocha from "mocha";
import { registerAgentsSuite } from "./agents.test.js";
import { registerExtensionSuite } from "./extension.test.js";
import { registerUxSuite } from "./ux.test.js";
import { registerModelStatusSuite } from "./modelStatus.test.js";
import { registerCodeCheckSuite } from "./codeCheck.test.js";

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: "bdd", color: false, timeout: 120_000, reporter: "spec" });
  mocha.suite.emit("pre-require", globalThis, "docent-integration", mocha);
  registerExtensionSuite();
  registerUxSuite();
  registerAgentsSuite();
  registerModelStatusSuite();
  registerCodeCheckSuite();
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
  });
}
