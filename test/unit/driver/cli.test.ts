// Command line of the lifecycle driver.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as path from "path";

import { parseArguments } from "../../driver/cli";
import { describeFailure } from "../../driver/recorder";
import { READ_FAILURE_VALUE, writeStore } from "../../driver/testdata/fake-record";
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

        expect(parsed).to.deep.equal({
            help: false,
            json: true,
            options: {
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
            },
        });
    });

    for (const argv of [["--help"], ["-h"], ["up", "--help"], ["preview", "--state", "s", "-h"]]) {
        it(`parseArguments returns help for ${argv.join(" ")}`, () => {
            expect(parseArguments(argv)).to.deep.equal({ help: true });
        });
    }

    it("parseArguments rejects unknown operations", () => {
        expect(() => parseArguments(["apply", "--state", "s"])).to.throw(/unknown operation "apply"/);
    });

    it("parseArguments rejects a missing operation", () => {
        expect(() => parseArguments([])).to.throw(/missing operation: expected one of preview, up/);
    });

    it("parseArguments rejects unknown options", () => {
        expect(() => parseArguments(["up", "--state", "s", "--verbose"])).to.throw(
            /unknown option --verbose/,
        );
    });

    it("parseArguments requires a program for up", () => {
        expect(() => parseArguments(["up", "--state", "s"])).to.throw(/--program is required for up/);
    });

    it("parseArguments rejects a config without a value", () => {
        expect(() => parseArguments(["up", "--config", "novalue"])).to.throw(/expects key=value/);
    });

    it("describeFailure names resource and property", () => {
        const urn = "urn:pulumi:dev::proj::pulumi-nodejs:dynamic/wcn:ContainerNetwork::app-nat";
        const failure = { urn, property: "windows.hnsNetworkName", reason: "is empty; remove it" };

        expect(describeFailure(failure)).to.equal("app-nat: windows.hnsNetworkName: is empty; remove it");
        expect(describeFailure({ urn, reason: "read failed: gone" })).to.equal("app-nat: read failed: gone");
    });

    it("describeFailure leaves out the stack name", () => {
        const urn = "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev";

        expect(describeFailure({ urn, reason: "the program failed: boom" })).to.equal(
            "the program failed: boom",
        );
        expect(describeFailure({ urn: "", reason: "state file is invalid" })).to.equal(
            "state file is invalid",
        );
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

        for (const flag of ["--help", "-h"]) {
            it(`${flag} prints usage and exits 0`, () => {
                const run = spawnSync(process.execPath, [CLI_PATH, flag], { encoding: "utf8" });

                expect(run.status, run.stderr).to.equal(0);
                expect(run.stdout).to.contain("usage: node dist/test/driver/cli.js");
                expect(run.stdout).to.contain("--expect-no-changes");
                expect(run.stderr).to.equal("");
            });
        }

        it("help after an operation runs nothing", () => {
            const run = runCli("up", JSON.stringify([{ name: "alpha", key: "ka", value: "one" }]), "--help");

            expect(run.status, run.stderr).to.equal(0);
            expect(run.stdout).to.contain("usage:");
            expect(fixture.stateText()).to.equal("");
        });

        const invalid: Array<[string[], string]> = [
            [["apply", "--state", "s.json"], 'error: unknown operation "apply"'],
            [["up", "--state", "s.json", "--verbose"], "error: unknown option --verbose"],
            [[], "error: missing operation"],
        ];
        for (const [argv, message] of invalid) {
            it(`exits 2 with usage for [${argv.join(" ")}]`, () => {
                const run = spawnSync(process.execPath, [CLI_PATH, ...argv], { encoding: "utf8" });

                expect(run.status).to.equal(2);
                expect(run.stderr).to.contain(message);
                expect(run.stderr).to.contain("usage:");
                expect(run.stdout).to.equal("");
            });
        }

        it("error summary names resource and property", () => {
            const run = runCli("up", JSON.stringify([{ name: "alpha", key: "" }]));

            expect(run.status).to.equal(1);
            expect(run.stderr).to.equal("error: up failed: alpha: key: key must be a non-empty string\n");
        });

        it("refresh failure is not reported twice", () => {
            const records = JSON.stringify([{ name: "alpha", key: "ka", value: "one" }]);
            expect(runCli("up", records).status).to.equal(0);
            const store = fixture.store();
            store.objects["ka-1"].value = READ_FAILURE_VALUE;
            writeStore(fixture.storePath, store);

            const run = runCli("refresh", records);

            expect(run.status).to.equal(1);
            expect(run.stderr).to.equal(
                "error: refresh failed: alpha: read failed: fake read failure for ka-1\n",
            );
            expect(run.stdout).to.not.contain("refresh failed");
        });
    });
});
