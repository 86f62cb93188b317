import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readHostState } from "../../provider/simulator/state";
import { DriverOptions, runDriver } from "../driver";

const PROJECT_ROOT = path.resolve(__dirname, "..", "..", "..");
const PROGRAM = path.join(PROJECT_ROOT, "dist", "examples", "quickstart", "index.js");

describe("quickstart example on the simulated host", function () {
    this.timeout(180_000);
    let workDir: string;
    let hostPath: string;

    before(() => {
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "wcn-quickstart-"));
        hostPath = path.join(workDir, "host.json");
    });

    after(() => fs.rmSync(workDir, { recursive: true, force: true }));

    function run(operation: DriverOptions["operation"], extra: Partial<DriverOptions> = {}) {
        return runDriver({
            operation,
            programPath: PROGRAM,
            statePath: path.join(workDir, "state.json"),
            projectRoot: PROJECT_ROOT,
            stack: "dev",
            config: { dockerUrl: `sim://${hostPath}` },
            ...extra,
        });
    }

    async function hostNetworks() {
        const state = await readHostState(hostPath);
        return state.dockerNetworks
            .filter((network) => network.name.startsWith("app-"))
            .map((network) => network.name)
            .sort();
    }

    it("creates the nat and transparent networks", async () => {
        const result = await run("up");
        expect(result.ok, result.log).to.equal(true);
        expect(result.steps.map((step) => step.op)).to.deep.equal(["create", "create"]);
        expect(result.outputs.natSubnet).to.equal("172.28.0.0/24");
        expect(result.outputs.transparentHnsId).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
        expect(await hostNetworks()).to.deep.equal(["app-nat", "app-transparent"]);
    });

    it("reports no changes on the next preview with refresh", async () => {
        const result = await run("preview", { refresh: true, expectNoChanges: true });
        expect(result.ok, result.log).to.equal(true);
    });

    it("removes both networks on destroy", async () => {
        const result = await run("destroy");
        expect(result.ok, result.log).to.equal(true);
        expect(await hostNetworks()).to.deep.equal([]);
    });
});
