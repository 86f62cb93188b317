import { expect } from "chai";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { readHostState } from "../../../provider/simulator/state";
import { closeSimulatedEngines, ensureSimulatedEngine, parseSimUrl } from "../../../provider/simulator/url";
import { dockerClient, makeTempDirectory } from "./helpers";

const run = promisify(execFile);
const CLI = path.resolve(__dirname, "../../../provider/simulator/cli.js");

describe("sim URL parsing", () => {
    it("absolute form with profile", () => {
        expect(parseSimUrl("sim:///srv/wcn/host.json?profile=ws2016")).to.deep.equal({
            statePath: "/srv/wcn/host.json",
            profile: "ws2016",
        });
    });

    it("profile with a hyphen", () => {
        expect(parseSimUrl("sim:///srv/wcn/host.json?profile=ws2016-rtm")).to.deep.equal({
            statePath: "/srv/wcn/host.json",
            profile: "ws2016-rtm",
        });
    });

    it("absolute form without profile", () => {
        expect(parseSimUrl("sim:///srv/wcn/host.json")).to.deep.equal({ statePath: "/srv/wcn/host.json" });
    });

    it("relative form resolves against cwd", () => {
        expect(parseSimUrl("sim:./.wcn/host.json", "/work/project").statePath).to.equal(
            "/work/project/.wcn/host.json",
        );
        expect(parseSimUrl("sim:hosts/a.json", "/work/project").statePath).to.equal(
            "/work/project/hosts/a.json",
        );
    });

    it("percent-encoded path is decoded", () => {
        expect(parseSimUrl("sim:///srv/my%20hosts/h.json").statePath).to.equal("/srv/my hosts/h.json");
    });

    const invalid: [string, RegExp][] = [
        ["tcp://host:2376", /must start with "sim:"/],
        ["sim://server/host.json", /without a host/],
        ["sim:", /state file path is missing/],
        ["sim:///h.json?profile=ws2012", /profile "ws2012" is not one of ws2016-rtm, ws2016, ws2019/],
        ["sim:///h.json?tls=1", /unknown parameter "tls"/],
    ];
    for (const [url, message] of invalid) {
        it(`rejects ${url}`, () => {
            expect(() => parseSimUrl(url)).to.throw(message);
        });
    }
});

describe("sim URL engine registry", () => {
    let directory: string;

    beforeEach(async () => {
        directory = await makeTempDirectory();
    });

    afterEach(async () => {
        await closeSimulatedEngines();
        await fs.rm(directory, { recursive: true, force: true });
    });

    it("one engine per state file is reused", async () => {
        const url = `sim://${path.join(directory, "a.json")}?profile=ws2019`;
        const first = await ensureSimulatedEngine(url);
        const second = await ensureSimulatedEngine(url);
        const other = await ensureSimulatedEngine(`sim://${path.join(directory, "b.json")}`);
        expect(second).to.equal(first);
        expect(other.port).to.not.equal(first.port);
        const info = await dockerClient(first.port).info();
        expect(info.KernelVersion).to.match(/^10\.0 17763 /);
    });

    it("ws2016-rtm URL serves a Docker 1.12 engine", async () => {
        const engine = await ensureSimulatedEngine(
            `sim://${path.join(directory, "e.json")}?profile=ws2016-rtm`,
        );
        const info = await dockerClient(engine.port, "v1.24").info();
        expect(info.ServerVersion).to.equal("1.12.2-cs2-ws-beta");
        expect(info.KernelVersion).to.match(/^10\.0 14393 /);
    });

    it("registry engine lets the process exit", async () => {
        const registry = path.resolve(__dirname, "../../../provider/simulator/url.js");
        const script = `require(${JSON.stringify(registry)}).ensureSimulatedEngine(${JSON.stringify(`sim://${path.join(directory, "d.json")}`)}).then((engine) => console.log(engine.url))`;
        const { stdout } = await run(process.execPath, ["-e", script], { timeout: 20_000 });
        expect(stdout).to.match(/^http:\/\/127\.0\.0\.1:\d+\n$/);
    });

    it("failed start is not cached", async () => {
        const statePath = path.join(directory, "c.json");
        await ensureSimulatedEngine(`sim://${statePath}?profile=ws2016`);
        await closeSimulatedEngines();
        let failure: Error | null = null;
        try {
            await ensureSimulatedEngine(`sim://${statePath}?profile=ws2022`);
        } catch (error) {
            failure = error as Error;
        }
        expect(failure?.message).to.match(/is a ws2016 host, not ws2022/);
        const retried = await ensureSimulatedEngine(`sim://${statePath}`);
        expect(retried.statePath).to.equal(statePath);
    });
});

describe("simulator CLI", () => {
    let directory: string;
    let statePath: string;

    beforeEach(async () => {
        directory = await makeTempDirectory();
        statePath = path.join(directory, "host.json");
    });

    afterEach(async () => {
        await fs.rm(directory, { recursive: true, force: true });
    });

    it("init creates a host of the profile", async () => {
        const { stdout } = await run(process.execPath, [
            CLI,
            "init",
            "--state",
            statePath,
            "--profile",
            "ws2016",
        ]);
        expect(stdout).to.include("simulated ws2016 host ready");
        expect((await readHostState(statePath)).profile).to.equal("ws2016");
    });

    it("init creates a Docker 1.12 host", async () => {
        const { stdout } = await run(process.execPath, [
            CLI,
            "init",
            "--state",
            statePath,
            "--profile",
            "ws2016-rtm",
        ]);
        expect(stdout).to.include("simulated ws2016-rtm host ready");
        const state = await readHostState(statePath);
        expect(state.profile).to.equal("ws2016-rtm");
        expect(state.winNats).to.have.length(1);
    });

    it("show prints the networks", async () => {
        await run(process.execPath, [CLI, "init", "--state", statePath]);
        const { stdout } = await run(process.execPath, [CLI, "show", "--state", statePath]);
        expect(stdout).to.match(/\(ws2022\)/);
        expect(stdout).to.match(/ nat +nat +172\.25\.16\.0\/20/);
        expect(stdout).to.match(/ none +null /);
    });

    it("reset replaces the state", async () => {
        await run(process.execPath, [CLI, "init", "--state", statePath, "--profile", "ws2019"]);
        await run(process.execPath, [CLI, "reboot", "--state", statePath]);
        expect((await readHostState(statePath)).bootCount).to.equal(1);
        await run(process.execPath, [CLI, "reset", "--state", statePath]);
        const state = await readHostState(statePath);
        expect(state.bootCount).to.equal(0);
        expect(state.profile).to.equal("ws2019");
    });

    /** Runs the CLI and returns its exit code and output, also when it fails. */
    async function runCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
        try {
            const { stdout, stderr } = await run(process.execPath, [CLI, ...args]);
            return { code: 0, stdout, stderr };
        } catch (error) {
            const failure = error as { code?: number; stdout?: string; stderr?: string };
            return { code: failure.code ?? -1, stdout: failure.stdout ?? "", stderr: failure.stderr ?? "" };
        }
    }

    for (const args of [["--help"], ["-h"], ["show", "--help"], ["serve", "--port", "0", "-h"]]) {
        it(`${args.join(" ")} prints usage and exits 0`, async () => {
            const result = await runCli(...args);

            expect(result.code, result.stderr).to.equal(0);
            expect(result.stdout).to.include(
                "usage: node dist/provider/simulator/cli.js COMMAND --state FILE",
            );
            expect(result.stdout).to.include("--latency-ms N");
            expect(result.stderr).to.equal("");
        });
    }

    const invalid: Array<[string[], string]> = [
        [[], "error: missing COMMAND"],
        [["start", "--state", "h.json"], 'error: unknown command "start"'],
        [["show", "--state", "h.json", "--verbose"], 'error: unknown option "--verbose"'],
        [["show", "--state"], "error: option --state needs a value"],
        [
            ["serve", "--state", "h.json", "--port", "70000"],
            'error: --port needs a whole number from 0 to 65535, got "70000"',
        ],
        [
            ["init", "--state", "h.json", "--profile", "ws2012"],
            'error: unknown simulated host profile "ws2012"',
        ],
    ];
    for (const [args, message] of invalid) {
        it(`exits 2 with usage for [${args.join(" ")}]`, async () => {
            const result = await runCli(...args);

            expect(result.code).to.equal(2);
            expect(result.stderr).to.include(message);
            expect(result.stderr).to.include("usage:");
        });
    }

    it("runtime error prints no usage", async () => {
        await fs.writeFile(statePath, '{"schemaVersion":1,"dockerNetworks":null}');

        const result = await runCli("show", "--state", statePath);

        expect(result.code).to.equal(1);
        expect(result.stderr).to.match(/^error: simulated host state .* is not a valid simulator state: /);
        expect(result.stderr).to.include(`node dist/provider/simulator/cli.js reset --state ${statePath}`);
        expect(result.stderr.trimEnd().split("\n")).to.have.length(1);
        expect(result.stderr).to.not.include("usage:");
    });

    it("missing state file prints no usage", async () => {
        const result = await runCli("show", "--state", statePath);

        expect(result.code).to.equal(1);
        expect(result.stderr).to.include("does not exist: create it with");
        expect(result.stderr).to.not.include("usage:");
    });

    it("reset repairs a broken state and keeps its profile", async () => {
        await run(process.execPath, [CLI, "init", "--state", statePath, "--profile", "ws2019"]);
        const broken = JSON.parse(await fs.readFile(statePath, "utf8")) as Record<string, unknown>;
        await fs.writeFile(statePath, JSON.stringify({ ...broken, dockerNetworks: null }));

        const reset = await runCli("reset", "--state", statePath);

        expect(reset.code, reset.stderr).to.equal(0);
        const state = await readHostState(statePath);
        expect(state.profile).to.equal("ws2019");
        expect(state.dockerNetworks.map((network) => network.name).sort()).to.deep.equal(["nat", "none"]);
    });

    it("missing state option exits with usage", async () => {
        let failure: { code?: number; stderr?: string } | null = null;
        try {
            await run(process.execPath, [CLI, "show"]);
        } catch (error) {
            failure = error as { code?: number; stderr?: string };
        }
        expect(failure?.code).to.equal(2);
        expect(failure?.stderr).to.include("--state FILE is required");
        expect(failure?.stderr).to.include("usage:");
    });
});
