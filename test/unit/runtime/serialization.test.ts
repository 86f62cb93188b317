import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { containerNetworkShell } from "../../../provider/resources/containerNetwork";

const projectRoot = path.resolve(__dirname, "..", "..", "..", "..");
const SECRET_MARKER = "wcn-secret-marker-7f3a";

/** Loads serialized provider text the way the dynamic-provider server does and runs check on it. */
function runCheckInChild(providerText: string, cwd: string, news: Record<string, unknown>) {
    const script = [
        `const load = require(${JSON.stringify(require.resolve("require-from-string"))});`,
        "let input = '';",
        "process.stdin.on('data', (chunk) => (input += chunk));",
        "process.stdin.on('end', async () => {",
        "  const { text, news } = JSON.parse(input);",
        "  const provider = load(text).handler();",
        "  const result = await provider.check({}, news);",
        "  process.stdout.write(JSON.stringify(result));",
        "});",
    ].join("\n");
    return spawnSync(process.execPath, ["-e", script], {
        cwd,
        input: JSON.stringify({ text: providerText, news }),
        encoding: "utf8",
        timeout: 60_000,
    });
}

describe("serialized provider", () => {
    let text: string;
    let containsSecrets: boolean;

    before(async () => {
        process.env.DOCKER_CERT_PATH = `/tmp/${SECRET_MARKER}`;
        process.env.WCN_TEST_PASSWORD = SECRET_MARKER;
        const serialized = await pulumi.runtime.serializeFunction(() => containerNetworkShell, {
            allowSecrets: true,
        });
        text = serialized.text;
        containsSecrets = serialized.containsSecrets;
    });

    after(() => {
        delete process.env.DOCKER_CERT_PATH;
        delete process.env.WCN_TEST_PASSWORD;
    });

    it("captures no secrets", () => {
        expect(containsSecrets).to.equal(false);
        expect(text).not.to.include(SECRET_MARKER);
        expect(text).not.to.match(/PRIVATE KEY|BEGIN CERTIFICATE/);
    });

    it("stays a small loader shell", () => {
        expect(text).to.include("providerFor");
        expect(text).not.to.include("dockerode");
        expect(text.length).to.be.below(20_000);
    });

    it("loads the handler from the project directory", () => {
        const result = runCheckInChild(text, projectRoot, {
            name: "bad name",
            host: { name: "h", docker: { url: "sim:./x.json" } },
        });
        expect(result.status, result.stderr).to.equal(0);
        const check = JSON.parse(result.stdout) as pulumi.dynamic.CheckResult;
        expect(check.failures?.map((failure) => failure.property)).to.include("name");
    });

    it("loads the handler from another working directory", () => {
        const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "wcn-serialize-"));
        try {
            const result = runCheckInChild(text, elsewhere, {
                name: "ok-name",
                driver: "NAT",
                host: { name: "h", docker: { url: "sim:./x.json" } },
            });
            expect(result.status, result.stderr).to.equal(0);
            const check = JSON.parse(result.stdout) as pulumi.dynamic.CheckResult;
            expect(check.failures?.map((failure) => failure.property)).to.deep.equal(["driver"]);
        } finally {
            fs.rmSync(elsewhere, { recursive: true, force: true });
        }
    });
});
