import { expect } from "chai";
import { type ChildProcess, spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { startSimulatedEngine, type SimulatedEngine } from "../../../provider/simulator/engine";
import { PROFILE_NAMES } from "../../../provider/simulator/profiles";
import { seedHostState } from "../../../provider/simulator/seed";
import { type HostState, readHostState, updateHostState } from "../../../provider/simulator/state";
import { findHostStateProblem } from "../../../provider/simulator/state-shape";
import { dockerClient, listNetworkViews, makeTempDirectory, rawRequest, startFixture } from "./helpers";

const CLI = path.resolve(__dirname, "../../../provider/simulator/cli.js");

/** Starts `cli.js serve` in a child process and resolves with the URL it prints. */
function serveInChild(statePath: string): Promise<{ child: ChildProcess; port: number }> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [CLI, "serve", "--state", statePath], {
            stdio: ["ignore", "pipe", "pipe"],
        });
        let output = "";
        child.stdout?.on("data", (chunk: Buffer) => {
            output += chunk.toString("utf8");
            const match = /http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
            if (match !== null) {
                resolve({ child, port: Number(match[1]) });
            }
        });
        child.once("exit", (code) =>
            reject(new Error(`simulator child exited with ${String(code)} before printing its URL`)),
        );
        child.once("error", reject);
    });
}

function stopChild(child: ChildProcess): Promise<void> {
    return new Promise((resolve) => {
        if (child.exitCode !== null) {
            resolve();
            return;
        }
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
    });
}

describe("simulated host state: persistence", () => {
    let directory: string;
    let statePath: string;

    beforeEach(async () => {
        directory = await makeTempDirectory();
        statePath = path.join(directory, "nested", "host.json");
    });

    afterEach(async () => {
        await fs.rm(directory, { recursive: true, force: true });
    });

    it("engine start creates the state file", async () => {
        const engine = await startSimulatedEngine({ statePath, profile: "ws2019" });
        await engine.close();
        const state = await readHostState(statePath);
        expect(state.schemaVersion).to.equal(1);
        expect(state.profile).to.equal("ws2019");
        expect(state.services.docker.status).to.equal("Running");
    });

    it("seeded state has the adapters later work needs", () => {
        const state = seedHostState("ws2022");
        const addresses = state.adapters.map(
            (adapter) =>
                `${adapter.name}=${adapter.ipv4Addresses.map((entry) => `${entry.address}/${entry.prefixLength}`).join(",")}`,
        );
        expect(addresses).to.include.members(["Ethernet=192.168.50.10/24", "Ethernet 2=10.20.0.5/24"]);
        expect(
            state.adapters.find((adapter) => adapter.physicalMediaType === "Native 802.11")?.name,
        ).to.equal("Wi-Fi");
        expect(state.winNats).to.deep.equal([]);
        expect(state.hnsNetworks.map((network) => network.name)).to.deep.equal(["nat"]);
        expect(state.vmSwitches.map((vmSwitch) => `${vmSwitch.name}:${vmSwitch.switchType}`)).to.deep.equal([
            "nat:Internal",
        ]);
        expect(state.daemonJson).to.equal(null);
        expect(state.services.hns.status).to.equal("Running");
    });

    it("failed update writes nothing", async () => {
        const engine = await startSimulatedEngine({ statePath });
        await engine.close();
        const before = await fs.readFile(statePath, "utf8");
        let failure: Error | null = null;
        try {
            await updateHostState(statePath, (state) => {
                state.hostName = "CHANGED";
                throw new Error("rule broken");
            });
        } catch (error) {
            failure = error as Error;
        }
        expect(failure?.message).to.equal("rule broken");
        expect(await fs.readFile(statePath, "utf8")).to.equal(before);
    });

    it("missing state file is reported with the fix", async () => {
        let failure: Error | null = null;
        try {
            await readHostState(statePath);
        } catch (error) {
            failure = error as Error;
        }
        expect(failure?.message).to.include(
            `does not exist: create it with "node dist/provider/simulator/cli.js init --state ${statePath}"`,
        );
    });

    it("invalid JSON is reported with the fix", async () => {
        await fs.mkdir(path.dirname(statePath), { recursive: true });
        await fs.writeFile(statePath, "{");

        const message = await readFailure(statePath);

        expect(message).to.include(`simulated host state ${statePath} is not valid JSON (`);
        expect(message).to.include(`node dist/provider/simulator/cli.js reset --state ${statePath}`);
    });

    it("state without its fields is reported with the fix", async () => {
        await fs.mkdir(path.dirname(statePath), { recursive: true });
        await fs.writeFile(statePath, '{"schemaVersion":1,"dockerNetworks":null}');

        const message = await readFailure(statePath);

        expect(message).to.include(
            `simulated host state ${statePath} is not a valid simulator state: profile is missing`,
        );
        expect(message).to.include(`node dist/provider/simulator/cli.js reset --state ${statePath}`);
    });

    it("engine start rejects a broken state", async () => {
        const state = seedHostState("ws2022") as unknown as Record<string, unknown>;
        await fs.mkdir(path.dirname(statePath), { recursive: true });
        await fs.writeFile(statePath, JSON.stringify({ ...state, dockerNetworks: null }));
        let failure: Error | null = null;
        try {
            const engine = await startSimulatedEngine({ statePath });
            await engine.close();
        } catch (error) {
            failure = error as Error;
        }
        expect(failure?.message).to.include(
            "is not a valid simulator state: dockerNetworks is null, expected an array",
        );
    });

    it("writes leave no temporary files", async () => {
        const engine = await startSimulatedEngine({ statePath });
        try {
            const docker = dockerClient(engine.port);
            await Promise.all(
                [1, 2, 3, 4, 5].map((index) => docker.createNetwork({ Name: `n${index}`, Driver: "nat" })),
            );
        } finally {
            await engine.close();
        }
        const files = await fs.readdir(path.dirname(statePath));
        expect(files.filter((file) => file.endsWith(".tmp"))).to.deep.equal([]);
        expect(files).to.include("host.json");
    });
});

/** Reads the state file, which must fail, and returns the error message. */
async function readFailure(statePath: string): Promise<string> {
    try {
        await readHostState(statePath);
    } catch (error) {
        return (error as Error).message;
    }
    throw new Error(`reading ${statePath} succeeded`);
}

describe("simulated host state: shape check", () => {
    for (const profile of PROFILE_NAMES) {
        it(`seeded ${profile} state passes`, () => {
            expect(findHostStateProblem(seedHostState(profile))).to.equal(undefined);
        });
    }

    it("state with networks and containers passes", async () => {
        const fixture = await startFixture("ws2022");
        try {
            await fixture.docker.createNetwork({
                Name: "p",
                Driver: "nat",
                IPAM: { Config: [{ Subnet: "172.30.0.0/24", Gateway: "172.30.0.1" }] },
                Labels: { app: "test" },
            });
            const container = await fixture.docker.createContainer({
                Image: "mcr.microsoft.com/windows/nanoserver:ltsc2022",
                HostConfig: { NetworkMode: "p" },
            });
            await container.start();
            const state = await readHostState(fixture.statePath);
            expect(state.containers[0].attachments[0].endpoint).to.not.equal(null);
            expect(findHostStateProblem(state)).to.equal(undefined);
        } finally {
            await fixture.close();
        }
    });

    /** Each case breaks a seeded ws2022 state and names the problem the check must report. */
    const cases: Array<[string, (state: HostState) => void, string]> = [
        [
            "null instead of a list",
            (state) => Object.assign(state, { dockerNetworks: null }),
            "dockerNetworks is null, expected an array",
        ],
        [
            "missing field",
            (state) => Reflect.deleteProperty(state, "hostName"),
            "hostName is missing, expected a string",
        ],
        [
            "negative count",
            (state) => (state.bootCount = -1),
            "bootCount is number -1, expected a whole number of 0 or more",
        ],
        [
            "unknown profile",
            (state) => Object.assign(state, { profile: "ws2012" }),
            'profile is string "ws2012", expected one of "ws2016-rtm", "ws2016", "ws2019", "ws2022", "ws2025"',
        ],
        [
            "nested object",
            (state) => Reflect.deleteProperty(state.services, "hns"),
            "services.hns is missing, expected an object",
        ],
        [
            "item of a list",
            (state) => Object.assign(state.adapters, { 1: "Ethernet 2" }),
            'adapters[1] is string "Ethernet 2", expected an object',
        ],
        [
            "optional field of the wrong type",
            (state) => Object.assign(state.adapters[0], { vmSwitchName: 7 }),
            "adapters[0].vmSwitchName is number 7, expected a string",
        ],
        [
            "nullable field",
            (state) => Object.assign(state.hnsNetworks[0], { vlanId: "20" }),
            'hnsNetworks[0].vlanId is string "20", expected a number or null',
        ],
        [
            "map value",
            (state) => Object.assign(state.dockerNetworks[0], { labels: { "com.example.tier": 3 } }),
            'dockerNetworks[0].labels["com.example.tier"] is number 3, expected a string',
        ],
    ];
    for (const [name, breakState, problem] of cases) {
        it(`reports ${name}`, () => {
            const state = seedHostState("ws2022");
            breakState(state);

            expect(findHostStateProblem(state)).to.equal(problem);
        });
    }
});

describe("simulated host state: shared between servers", () => {
    let directory: string;
    let statePath: string;
    let first: SimulatedEngine;
    let second: SimulatedEngine;

    beforeEach(async () => {
        directory = await makeTempDirectory();
        statePath = path.join(directory, "host.json");
        first = await startSimulatedEngine({ statePath });
        second = await startSimulatedEngine({ statePath });
    });

    afterEach(async () => {
        await first.close();
        await second.close();
        await fs.rm(directory, { recursive: true, force: true });
    });

    it("two servers see one network", async () => {
        const created = await dockerClient(first.port).createNetwork({ Name: "shared", Driver: "nat" });
        const seen = await dockerClient(second.port).getNetwork("shared").inspect();
        expect(seen.Id).to.equal(created.id);
    });

    it("concurrent creates all land", async () => {
        const clients = [dockerClient(first.port), dockerClient(second.port)];
        const names = Array.from({ length: 40 }, (_, index) => `net${index}`);
        const created = await Promise.all(
            names.map((name, index) =>
                clients[index % 2].createNetwork({ Name: name, Driver: "nat", CheckDuplicate: true }),
            ),
        );
        const state = await readHostState(statePath);
        expect(new Set(created.map((network) => network.id)).size).to.equal(40);
        expect(state.dockerNetworks).to.have.length(42);
        const subnets = state.hnsNetworks.map((network) => network.subnets[0].addressPrefix);
        expect(new Set(subnets).size).to.equal(subnets.length);
    });

    it("concurrent creates of one name admit one", async () => {
        const clients = [dockerClient(first.port), dockerClient(second.port)];
        const attempts = Array.from({ length: 12 }, (_, index) =>
            rawRequest(index % 2 === 0 ? first.port : second.port, "POST", "/networks/create", {
                Name: "only",
                Driver: "nat",
                CheckDuplicate: true,
            }),
        );
        const statuses = (await Promise.all(attempts)).map((reply) => reply.status);
        expect(statuses.filter((status) => status === 201)).to.have.length(1);
        expect(statuses.filter((status) => status === 409)).to.have.length(11);
        const listed = await listNetworkViews(clients[1], { name: ["only"] });
        expect(listed).to.have.length(1);
    });

    it("concurrent static addresses admit one per address", async () => {
        const docker = dockerClient(first.port);
        await docker.createNetwork({
            Name: "p",
            Driver: "nat",
            IPAM: { Config: [{ Subnet: "172.30.0.0/24" }] },
        });
        const attempts = Array.from({ length: 6 }, (_, index) =>
            rawRequest(
                index % 2 === 0 ? first.port : second.port,
                "POST",
                `/containers/create?name=c${index}`,
                {
                    Image: "mcr.microsoft.com/windows/nanoserver:ltsc2022",
                    HostConfig: { NetworkMode: "p" },
                    NetworkingConfig: {
                        EndpointsConfig: { p: { IPAMConfig: { IPv4Address: "172.30.0.50" } } },
                    },
                },
            ),
        );
        const statuses = (await Promise.all(attempts)).map((reply) => reply.status);
        expect(statuses.filter((status) => status === 201)).to.have.length(1);
        expect(statuses.filter((status) => status === 500)).to.have.length(5);
    });
});

describe("simulated host state: shared between processes", () => {
    let directory: string;
    let statePath: string;
    let child: ChildProcess | null = null;
    let local: SimulatedEngine | null = null;

    beforeEach(async () => {
        directory = await makeTempDirectory();
        statePath = path.join(directory, "host.json");
    });

    afterEach(async () => {
        if (child !== null) {
            await stopChild(child);
            child = null;
        }
        await local?.close();
        local = null;
        await fs.rm(directory, { recursive: true, force: true });
    });

    it("child process and this process see one state", async () => {
        const served = await serveInChild(statePath);
        child = served.child;
        local = await startSimulatedEngine({ statePath });
        const remote = dockerClient(served.port);
        const parent = dockerClient(local.port);
        await remote.createNetwork({ Name: "from-child", Driver: "nat" });
        await parent.createNetwork({ Name: "from-parent", Driver: "nat" });
        const namesInParent = (await listNetworkViews(parent)).map((network) => network.Name).sort();
        const namesInChild = (await listNetworkViews(remote)).map((network) => network.Name).sort();
        expect(namesInParent).to.deep.equal(["from-child", "from-parent", "nat", "none"]);
        expect(namesInChild).to.deep.equal(namesInParent);
    });

    it("concurrent creates across processes get distinct subnets", async () => {
        const served = await serveInChild(statePath);
        child = served.child;
        local = await startSimulatedEngine({ statePath });
        const clients = [dockerClient(served.port), dockerClient(local.port)];
        await Promise.all(
            Array.from({ length: 20 }, (_, index) =>
                clients[index % 2].createNetwork({ Name: `x${index}`, Driver: "nat" }),
            ),
        );
        const state = await readHostState(statePath);
        const subnets = state.hnsNetworks.map((network) => network.subnets[0].addressPrefix);
        expect(state.dockerNetworks).to.have.length(22);
        expect(new Set(subnets).size).to.equal(21);
    });
});
