import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ensureSimulatedEngine } from "../../provider/simulator/url";
import { DriverOptions, runDriver } from "../driver";
import { requireOrSkip } from "../support/components";
import {
    makeCertificates,
    opensslAvailable,
    startTlsFront,
    TestCertificates,
    TlsFront,
} from "../support/tls";

const PROJECT_ROOT = path.resolve(__dirname, "..", "..", "..");
const PROGRAM = path.join(__dirname, "programs", "tlsNetwork.js");

describe("ContainerNetwork over mutual TLS with a secret key", function () {
    this.timeout(180_000);
    let workDir: string;
    let certificates: TestCertificates;
    let front: TlsFront;
    let clientKey: string;

    before(async function () {
        requireOrSkip(
            this,
            "openssl command",
            opensslAvailable(),
            "openssl is not installed, so no test certificates can be made",
        );
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "wcn-tls-"));
        certificates = makeCertificates(workDir);
        clientKey = fs.readFileSync(certificates.clientKeyFile, "utf8");
        const engine = await ensureSimulatedEngine(`sim://${path.join(workDir, "host.json")}`);
        front = await startTlsFront(certificates, engine.port);
    });

    after(async () => {
        await front?.close();
        if (workDir) {
            fs.rmSync(workDir, { recursive: true, force: true });
        }
    });

    function run(operation: DriverOptions["operation"], extra: Partial<DriverOptions> = {}) {
        return runDriver({
            operation,
            programPath: PROGRAM,
            statePath: path.join(workDir, "state.json"),
            projectRoot: PROJECT_ROOT,
            project: "wcn-tls",
            stack: "tls",
            config: {
                "wcn:hostUrl": `tcp://127.0.0.1:${front.port}`,
                "wcn:caFile": certificates.caFile,
                "wcn:certFile": certificates.clientCertFile,
            },
            secretConfig: { "wcn:clientKey": clientKey },
            ...extra,
        });
    }

    /** The base64 body of the client key, which must appear nowhere the user or the state can see. */
    function keyBody(): string {
        return clientKey.split("\n")[1];
    }

    it("creates the network with the key read from configuration", async () => {
        const result = await run("up");
        expect(result.ok, result.log).to.equal(true);
        expect(result.steps.map((step) => step.op)).to.deep.equal(["create"]);
        expect(result.outputs.networkId).to.match(/^[0-9a-f]{64}$/);
    });

    it("keeps the key out of state, outputs and logs", async () => {
        const result = await run("up");
        const state = fs.readFileSync(path.join(workDir, "state.json"), "utf8");
        expect(state).not.to.include(keyBody());
        expect(state).not.to.include("PRIVATE KEY");
        expect(result.log).not.to.include(keyBody());
        expect(JSON.stringify(result.outputs)).not.to.include(keyBody());
    });

    it("reports an unset key setting at preview", async () => {
        const result = await run("preview", { secretConfig: {} });
        expect(result.ok).to.equal(false);
        expect(result.failures.map((failure) => failure.property)).to.deep.equal([
            "host.docker.tls.keyConfigKey",
        ]);
        expect(result.failures[0].reason).to.match(
            /"wcn:clientKey", which is not set.*pulumi config set --secret wcn:clientKey/,
        );
    });

    it("rejects an engine certificate from another CA at preview", async () => {
        const otherDir = path.join(workDir, "other-ca");
        fs.mkdirSync(otherDir);
        const other = makeCertificates(otherDir, "wcn-other-ca");
        const result = await run("preview", {
            config: {
                "wcn:hostUrl": `tcp://127.0.0.1:${front.port}`,
                "wcn:caFile": other.caFile,
                "wcn:certFile": certificates.clientCertFile,
            },
        });
        expect(result.ok).to.equal(false);
        expect(result.failures.map((failure) => failure.property)).to.deep.equal(["host.docker.tls"]);
        expect(result.failures[0].reason).to.match(/TLS with the engine failed/);
        expect(result.log).not.to.include(keyBody());
    });

    it("removes the network on destroy", async () => {
        const result = await run("destroy");
        expect(result.ok, result.log).to.equal(true);
        expect(result.steps.map((step) => step.op)).to.deep.equal(["delete"]);
    });
});
