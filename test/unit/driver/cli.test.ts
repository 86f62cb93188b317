// Command line of the lifecycle driver.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as path from "path";

import { parseArguments } from "../../driver/cli";
import { DriverFixture, PROGRAM_PATH } from "./fixture";

const CLI_PATH = path.resolve(__dirname, "../../driver/cli.js");

describe("driver command line", function () {
    this.timeout(120_000);

    it("parseArguments reads every option", () => {
        const parsed = parseArguments([
            "preview",
            "--program",
            "p.js",
            "--state",
            "s.json",
            "--project-root",
            "root",
            "--stack",
            "prod",
            "--project",
            "proj",
            "--config",
            "wcn:host=h1",
            "--config",
            "a=b=c",
            "--secret",
            "wcn:tlsKey=k",
            "--refresh",
            "--expect-no-changes",
            "--json",
        ]);

        expect(parsed.json).to.equal(true);
        expect(parsed.options).to.deep.equal({
            operation: "preview",
            programPath: "p.js",
            statePath: "s.json",
            projectRoot: "root",
            stack: "prod",
            project: "proj",
            config: { "wcn:host": "h1", a: "b=c" },
            secretConfig: { "wcn:tlsKey": "k" },
            refresh: true,
            expectNoChanges: true,
        });
    });

    it("parseArguments rejects unknown operations", () => {
        expect(() => parseArguments(["apply", "--state", "s"])).to.throw(/unknown operation "apply"/);
    });

    it("parseArguments requires a program for up", () => {
        expect(() => parseArguments(["up", "--state", "s"])).to.throw(/--program is required for up/);
    });

    it("parseArguments rejects a config without a value", () => {
        expect(() => parseArguments(["up", "--config", "novalue"])).to.throw(/expects key=value/);
    });

    describe("process", () => {
        let fixture: DriverFixture;

        beforeEach(() => {
            fixture = new DriverFixture();
        });

        afterEach(() => {
            fixture.cleanup();
        });

        function runCli(operation: string, records: string, ...extra: string[]) {
            const args = [CLI_PATH, operation, "--program", PROGRAM_PATH, "--state", fixture.statePath];
            args.push(
                "--config",
                `fake:storePath=${fixture.storePath}`,
                "--config",
                `fake:records=${records}`,
            );
            return spawnSync(process.execPath, [...args, ...extra], { encoding: "utf8" });
        }

        it("exits 0 and prints the summary", () => {
            const run = runCli("up", JSON.stringify([{ name: "alpha", key: "ka", value: "one" }]));

            expect(run.status, run.stderr).to.equal(0);
            expect(run.stdout).to.contain("Updating (dev):");
            expect(run.stdout).to.match(/\+ +create +pulumi-nodejs:dynamic\/fake:Record {2}alpha/);
        });

        it("exits 1 when expect-no-changes sees changes", () => {
            runCli("up", JSON.stringify([{ name: "alpha", key: "ka", value: "one" }]));
            const changed = JSON.stringify([{ name: "alpha", key: "ka", value: "two" }]);
            const run = runCli("preview", changed, "--expect-no-changes", "--json");

            expect(run.status).to.equal(1);
            expect(run.stderr).to.contain("no changes were expected but changes were proposed");
            const result = JSON.parse(run.stdout) as { ok: boolean; steps: Array<{ op: string }> };
            expect(result.ok).to.equal(false);
            expect(result.steps.map((step) => step.op)).to.deep.equal(["update"]);
        });

        it("exits 2 on invalid arguments", () => {
            const run = spawnSync(process.execPath, [CLI_PATH, "up"], { encoding: "utf8" });

            expect(run.status).to.equal(2);
            expect(run.stderr).to.contain("usage:");
        });
    });
});
