import { expect } from "chai";
import type Docker from "dockerode";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { getProfile } from "../../provider/simulator/profiles";
import { type HostState, readHostState } from "../../provider/simulator/state";
import { DriverOptions, DriverResult, runDriver } from "../driver";
import { simulatedTarget } from "../support/targets";

const PROGRAM = path.join(__dirname, "programs", "transparentSegment.js");
const PROJECT_ROOT = path.resolve(__dirname, "..", "..", "..");
const IMAGE = getProfile("ws2022").images[1];
/** The seeded host's `Ethernet 2` sits on 10.20.0.0/24; `Ethernet` carries the management address. */
const SEGMENT = { subnet: "10.20.0.0/24", gateway: "10.20.0.1" };
const ADDRESSES = { "seg-web": "10.20.0.21", "seg-db": "10.20.0.22" };

/** Collects the networking parts of a host and the containers' running state, in a stable order. */
function hostSnapshot(state: HostState): Record<string, unknown> {
    const byName = <T extends { name: string }>(items: T[]) =>
        [...items].sort((a, b) => a.name.localeCompare(b.name));
    return {
        adapters: byName(state.adapters),
        vmSwitches: byName(state.vmSwitches),
        hnsNetworks: byName(state.hnsNetworks).map(({ id: _id, ...network }) => network),
        hnsEndpoints: state.hnsEndpoints.length,
        dockerNetworks: byName(state.dockerNetworks).map((network) => `${network.name} ${network.driver}`),
        containers: byName(state.containers).map(
            (container) =>
                `${container.name} ${container.status} ${container.attachments.map((a) => a.networkName).join(",")}`,
        ),
    };
}

function reasons(result: DriverResult): string {
    return result.failures.map((failure) => `${failure.property ?? ""}: ${failure.reason}`).join("\n");
}

describe("transparent segment stack on a simulated ws2022 host", function () {
    this.timeout(300_000);
    let docker: Docker;
    let statePath: string;
    let workDir: string;
    let seeded: Record<string, unknown>;
    let config: Record<string, string>;

    function run(operation: DriverOptions["operation"]): Promise<DriverResult> {
        return runDriver({
            operation,
            programPath: PROGRAM,
            statePath: path.join(workDir, "state.json"),
            projectRoot: PROJECT_ROOT,
            project: "wcn-e2e",
            stack: "segment",
            config,
        });
    }

    /** Returns the HNS endpoint address of a container on the segment network. */
    async function hnsAddress(container: string): Promise<string | undefined> {
        const state = await readHostState(statePath);
        const id = state.containers.find((candidate) => candidate.name === container)?.id;
        return state.hnsEndpoints.find(
            (endpoint) => endpoint.containerId === id && endpoint.virtualNetworkName !== "nat",
        )?.ipAddress;
    }

    before(async () => {
        const target = await simulatedTarget("ws2022");
        docker = target.docker;
        statePath = target.statePath;
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "wcn-e2e-segment-"));
        const web = await docker.createContainer({ Image: IMAGE, name: "seg-web" });
        await web.start();
        await docker.createContainer({ Image: IMAGE, name: "seg-db" });
        seeded = hostSnapshot(await readHostState(statePath));
        config = {
            "wcn:hostName": target.host.name,
            "wcn:hostUrl": target.host.docker.url,
            "wcn:hostAddress": "192.168.50.10",
            "wcn:switchName": "ext-segment",
            "wcn:adapterName": "Ethernet 2",
            "wcn:networkName": "segment",
            "wcn:subnet": SEGMENT.subnet,
            "wcn:gateway": SEGMENT.gateway,
            "wcn:addresses": JSON.stringify(ADDRESSES),
        };
    });

    after(async () => {
        if (workDir !== undefined) {
            await run("destroy").catch(() => undefined);
            fs.rmSync(workDir, { recursive: true, force: true });
        }
    });

    it("creates switch, network and endpoints", async () => {
        const result = await run("up");
        expect(result.failures, reasons(result)).to.deep.equal([]);
        expect(result.ok, result.log).to.equal(true);

        const state = await readHostState(statePath);
        const vmSwitch = state.vmSwitches.find((candidate) => candidate.name === "ext-segment");
        expect(vmSwitch?.switchType).to.equal("External");
        expect(vmSwitch?.netAdapterNames).to.deep.equal(["Ethernet 2"]);
        const network = state.dockerNetworks.find((candidate) => candidate.name === "segment");
        expect(network?.driver).to.equal("transparent");
        expect(network?.requestedOptions["com.docker.network.windowsshim.interface"]).to.equal("Ethernet 2");
        const hnsNetwork = state.hnsNetworks.find((candidate) => candidate.id === network?.hnsNetworkId);
        expect(hnsNetwork?.switchName, "the network reuses the binding's switch").to.equal("ext-segment");
        expect(state.vmSwitches.filter((candidate) => candidate.switchType === "External")).to.have.length(1);

        expect(await hnsAddress("seg-web")).to.equal(ADDRESSES["seg-web"]);
        expect(await hnsAddress("seg-db")).to.equal(ADDRESSES["seg-db"]);
        const containers = Object.fromEntries(state.containers.map((c) => [c.name, c.status]));
        expect(containers["seg-web"], "a running container runs again").to.equal("running");
        expect(containers["seg-db"], "a stopped container stays stopped").to.not.equal("running");
        expect(result.outputs.observed).to.deep.equal(ADDRESSES);
    });

    it("plans no changes on a second run", async () => {
        const result = await run("preview");
        expect(result.failures, reasons(result)).to.deep.equal([]);
        const changed = result.steps.filter((step) => step.op !== "same").map((s) => `${s.name} ${s.op}`);
        expect(changed).to.deep.equal([]);
    });

    it("leaves the host as it was on destroy", async () => {
        const result = await run("destroy");
        expect(result.ok, result.log).to.equal(true);
        expect(hostSnapshot(await readHostState(statePath))).to.deep.equal(seeded);
    });
});

describe("transparent-segment example on a simulated ws2022 host", function () {
    this.timeout(300_000);
    const program = path.join(PROJECT_ROOT, "dist", "examples", "transparent-segment", "index.js");
    let workDir: string;
    let hostUrl: string;
    let statePath: string;

    before(async () => {
        const target = await simulatedTarget("ws2022");
        hostUrl = target.host.docker.url;
        statePath = target.statePath;
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "wcn-e2e-segment-example-"));
        const web = await target.docker.createContainer({ Image: IMAGE, name: "web" });
        await web.start();
    });

    after(() => fs.rmSync(workDir, { recursive: true, force: true }));

    function run(operation: DriverOptions["operation"]): Promise<DriverResult> {
        return runDriver({
            operation,
            programPath: program,
            statePath: path.join(workDir, "state.json"),
            projectRoot: PROJECT_ROOT,
            project: "wcn-transparent-segment",
            stack: "dev",
            config: { dockerUrl: hostUrl, endpoints: JSON.stringify({ web: "10.20.0.21" }) },
        });
    }

    it("pins the container on the new switch", async () => {
        const result = await run("up");
        expect(result.ok, result.log).to.equal(true);
        expect(result.outputs.addresses).to.deep.equal(["10.20.0.21"]);
        const state = await readHostState(statePath);
        const external = state.vmSwitches.filter((vmSwitch) => vmSwitch.switchType === "External");
        expect(external.map((vmSwitch) => vmSwitch.name)).to.deep.equal(["ext-lan"]);
        const web = state.containers.find((container) => container.name === "web");
        expect(web?.status).to.equal("running");
    });

    it("removes switch and network on destroy", async () => {
        const result = await run("destroy");
        expect(result.ok, result.log).to.equal(true);
        const state = await readHostState(statePath);
        const external = state.vmSwitches.filter((vmSwitch) => vmSwitch.switchType === "External");
        expect(external).to.deep.equal([]);
        expect(state.dockerNetworks.map((network) => network.name).sort()).to.deep.equal(["nat", "none"]);
        const ethernet2 = state.adapters.find((adapter) => adapter.name === "Ethernet 2");
        expect(ethernet2?.ipv4Addresses).to.deep.equal([{ address: "10.20.0.5", prefixLength: 24 }]);
    });
});

describe("transparent segment preview with a host address", function () {
    this.timeout(120_000);

    it("rejects the endpoint before anything changes", async () => {
        const target = await simulatedTarget("ws2022");
        const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "wcn-e2e-segment-taken-"));
        await target.docker.createContainer({ Image: IMAGE, name: "seg-web" });
        const seeded = hostSnapshot(await readHostState(target.statePath));
        try {
            const result = await runDriver({
                operation: "preview",
                programPath: PROGRAM,
                statePath: path.join(workDir, "state.json"),
                projectRoot: PROJECT_ROOT,
                project: "wcn-e2e",
                stack: "segment-taken",
                config: {
                    "wcn:hostName": target.host.name,
                    "wcn:hostUrl": target.host.docker.url,
                    "wcn:hostAddress": "192.168.50.10",
                    "wcn:switchName": "ext-segment",
                    "wcn:adapterName": "Ethernet 2",
                    "wcn:networkName": "segment",
                    "wcn:subnet": SEGMENT.subnet,
                    "wcn:gateway": SEGMENT.gateway,
                    // 10.20.0.5 is the address of the host's adapter `Ethernet 2`.
                    "wcn:addresses": JSON.stringify({ "seg-web": "10.20.0.5" }),
                },
            });
            expect(result.ok).to.equal(false);
            expect(result.failures.map((failure) => failure.property)).to.deep.equal(["ipv4Address"]);
            expect(reasons(result)).to.contain("Ethernet 2");
            expect(hostSnapshot(await readHostState(target.statePath))).to.deep.equal(seeded);
        } finally {
            fs.rmSync(workDir, { recursive: true, force: true });
        }
    });
});
