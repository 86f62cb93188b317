import { expect } from "chai";
import Docker from "dockerode";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { getProfile, type ProfileName } from "../../provider/simulator/profiles";
import { setDaemonJson } from "../../provider/simulator/out-of-band";
import { readHostState } from "../../provider/simulator/state";
import { DriverOptions, DriverResult, runDriver } from "../driver";
import { simulatedTarget } from "../support/targets";

const PROGRAM = path.join(__dirname, "programs", "hostNat.js");
const PROJECT_ROOT = path.resolve(__dirname, "..", "..", "..");

/** daemon.json as the host had it before the suite: one key HostNatConfig does not manage. */
const SEEDED_DAEMON_JSON = '{\n  "debug": true\n}\n';
/** daemon.json after the first apply, written back after each hand edit. */
const APPLIED_DAEMON_JSON = '{\n  "debug": true,\n  "fixed-cidr": "172.30.0.0/16"\n}\n';

/** Settings of the HostNatConfig, as the program's `hostNat` config value takes them. */
interface HostNatSpec {
    fixedCidr?: string;
    defaultNatNetwork?: boolean;
    allowRemoveNetworks?: string[];
    allowDetachContainers?: string[];
}

/** Runs the hostNat program on one seeded host, keeping its state in a temporary folder. */
class HostNatStack {
    readonly workDir = fs.mkdtempSync(path.join(os.tmpdir(), "wcn-e2e-hostnat-"));
    hostNat: HostNatSpec = {};
    partitions: Record<string, { subnet?: string; prefixLength?: number }> = {};

    constructor(
        readonly hostName: string,
        readonly hostUrl: string,
        readonly apiVersion?: string,
    ) {}

    run(operation: DriverOptions["operation"], extra: Partial<DriverOptions> = {}): Promise<DriverResult> {
        return runDriver({
            operation,
            programPath: PROGRAM,
            statePath: path.join(this.workDir, "state.json"),
            projectRoot: PROJECT_ROOT,
            project: "wcn-e2e",
            stack: "e2e",
            config: {
                "wcn:hostName": this.hostName,
                "wcn:hostUrl": this.hostUrl,
                "wcn:hostNat": JSON.stringify(this.hostNat),
                "wcn:partitions": JSON.stringify(this.partitions),
                ...(this.apiVersion === undefined ? {} : { "wcn:apiVersion": this.apiVersion }),
            },
            ...extra,
        });
    }

    async dispose(): Promise<void> {
        await this.run("destroy").catch(() => undefined);
        fs.rmSync(this.workDir, { recursive: true, force: true });
    }
}

/**
 * Path of the daemon.json file that the simulated PowerShell module reads and writes, beside the
 * state file. The state's `daemonJson` is the copy the engine read at its last start, and the
 * module writes it to this file only while the file does not exist.
 */
function daemonJsonFile(statePath: string): string {
    return path.join(`${statePath}.ProgramData`, "docker", "config", "daemon.json");
}

/** Replaces daemon.json on a simulated host by hand, as an administrator would, without restarting docker. */
function editDaemonJson(statePath: string, text: string): void {
    fs.writeFileSync(daemonJsonFile(statePath), text);
}

/** Reads and parses daemon.json of a simulated host, or returns null when there is none. */
async function daemonJson(statePath: string): Promise<Record<string, unknown> | null> {
    const file = daemonJsonFile(statePath);
    const text = fs.existsSync(file)
        ? fs.readFileSync(file, "utf8")
        : (await readHostState(statePath)).daemonJson;
    return text === null ? null : (JSON.parse(text) as Record<string, unknown>);
}

/** Returns the subnet of a network on a simulated host by name, or undefined when it does not exist. */
async function liveSubnet(statePath: string, name: string): Promise<string | undefined> {
    const state = await readHostState(statePath);
    return state.dockerNetworks.find((network) => network.name === name)?.ipamConfig[0]?.subnet;
}

async function networkNames(statePath: string): Promise<string[]> {
    return (await readHostState(statePath)).dockerNetworks.map((network) => network.name).sort();
}

function failureText(result: DriverResult): string {
    return result.failures.map((failure) => `${failure.property ?? ""}: ${failure.reason}`).join("\n");
}

function opsOf(result: DriverResult, name: string): string[] {
    return result.steps.filter((step) => step.name === name).map((step) => step.op);
}

function hostNatLifecycle(profile: ProfileName) {
    describe(`HostNatConfig lifecycle on the simulated ${profile} host`, function () {
        this.timeout(240_000);
        let statePath: string;
        let docker: Docker;
        let stack: HostNatStack;
        let containerId: string;

        before(async () => {
            const target = await simulatedTarget(profile);
            statePath = target.statePath;
            docker = target.docker;
            stack = new HostNatStack(target.host.name, target.host.docker.url);
            // daemon.json as the engine last read it; the simulated module copies it to its file on first use.
            await setDaemonJson(statePath, SEEDED_DAEMON_JSON);
            // A NAT network the first prefix overlaps, inside the WS2016 WinNAT prefix 172.16.0.0/12
            // and clear of the default network, and a running container on the default network.
            await docker.createNetwork({
                Name: "legacy-nat",
                Driver: "nat",
                IPAM: { Config: [{ Subnet: "172.30.5.0/24", Gateway: "172.30.5.1" }] },
            });
            const container = await docker.createContainer({
                name: "web",
                Image: getProfile(profile).images[0],
                HostConfig: { NetworkMode: "nat" },
            });
            await container.start();
            containerId = container.id;
        });

        after(async () => {
            await stack?.dispose();
            await docker
                ?.getContainer(containerId)
                .remove({ force: true })
                .catch(() => undefined);
        });

        it("rejects removing an unlisted network and container", async () => {
            const networksBefore = await networkNames(statePath);
            stack.hostNat = { fixedCidr: "172.30.0.0/16" };
            const result = await stack.run("preview");
            expect(result.ok).to.equal(false);
            const byProperty = (property: string) =>
                result.failures
                    .filter((failure) => failure.property === property)
                    .map((failure) => failure.reason);
            expect(byProperty("allowRemoveNetworks").join("\n")).to.include('"legacy-nat" (172.30.5.0/24)');
            expect(byProperty("allowDetachContainers").join("\n")).to.include('"web"');
            expect(await networkNames(statePath)).to.deep.equal(networksBefore);
            expect(await daemonJson(statePath)).to.deep.equal({ debug: true });
        });

        it("still rejects the container when only the network is listed", async () => {
            stack.hostNat = { fixedCidr: "172.30.0.0/16", allowRemoveNetworks: ["legacy-nat"] };
            const result = await stack.run("preview");
            expect(result.ok).to.equal(false);
            expect(result.failures.map((failure) => failure.property)).to.deep.equal([
                "allowDetachContainers",
            ]);
            expect(failureText(result)).to.include('"web"');
        });

        it("applies a fixed-cidr once both are listed", async () => {
            stack.hostNat = {
                fixedCidr: "172.30.0.0/16",
                allowRemoveNetworks: ["legacy-nat"],
                allowDetachContainers: ["web"],
            };
            const result = await stack.run("up");
            expect(result.ok, result.log).to.equal(true);
            expect(opsOf(result, "host-nat")).to.deep.equal(["create"]);
            expect(await liveSubnet(statePath, "nat")).to.equal("172.30.0.0/16");
            expect(await networkNames(statePath)).not.to.include("legacy-nat");
            expect(await daemonJson(statePath)).to.deep.equal({ debug: true, "fixed-cidr": "172.30.0.0/16" });
            expect(result.outputs.defaultNetworkSubnet).to.equal("172.30.0.0/16");
            expect(result.outputs.removedNetworks).to.have.members(["nat", "legacy-nat"]);
        });

        it("changes nothing on a second up", async () => {
            const result = await stack.run("up");
            expect(result.ok, result.log).to.equal(true);
            expect(opsOf(result, "host-nat")).to.deep.equal(["same"]);
        });

        it("passes the drift gate while the host is unchanged", async () => {
            const result = await stack.run("preview", { refresh: true, expectNoChanges: true });
            expect(result.ok, result.log).to.equal(true);
        });

        it("fails the drift gate after fixed-cidr is removed by hand", async () => {
            editDaemonJson(statePath, SEEDED_DAEMON_JSON);
            try {
                const result = await stack.run("preview", { refresh: true, expectNoChanges: true });
                expect(result.ok).to.equal(false);
                expect(
                    result.steps.find((step) => step.name === "host-nat" && step.op === "drift")?.diffs,
                ).to.include("fixedCidr");
            } finally {
                editDaemonJson(statePath, APPLIED_DAEMON_JSON);
            }
        });

        it("fails the drift gate after fixed-cidr is changed by hand", async () => {
            editDaemonJson(statePath, '{"debug": true, "fixed-cidr": "172.29.0.0/16"}');
            try {
                const result = await stack.run("preview", { refresh: true, expectNoChanges: true });
                expect(result.ok).to.equal(false);
            } finally {
                editDaemonJson(statePath, APPLIED_DAEMON_JSON);
            }
        });

        it("rejects a fixed-cidr over a host adapter", async () => {
            stack.hostNat = { fixedCidr: "192.168.50.0/24" };
            const result = await stack.run("preview");
            expect(result.ok).to.equal(false);
            const text = failureText(result);
            expect(text).to.include('adapter "Ethernet"');
            expect(text).to.include("192.168.50.10/24");
            expect(result.failures.map((failure) => failure.property)).to.include("fixedCidr");
            expect(await liveSubnet(statePath, "nat")).to.equal("172.30.0.0/16");
        });

        it("ends a preview whose partition waits on a rejected config", async () => {
            stack.hostNat = { fixedCidr: "192.168.50.0/24" };
            stack.partitions = { waits: { subnet: "172.18.1.0/24" } };
            try {
                const result = await stack.run("preview");
                expect(result.ok).to.equal(false);
                expect(result.failures.map((failure) => failure.property)).to.include("fixedCidr");
            } finally {
                stack.partitions = {};
            }
        });

        it("moves the default network to a new fixed-cidr", async () => {
            stack.hostNat = { fixedCidr: "172.31.0.0/16" };
            const result = await stack.run("up");
            expect(result.ok, result.log).to.equal(true);
            expect(opsOf(result, "host-nat")).to.deep.equal(["update"]);
            expect(await liveSubnet(statePath, "nat")).to.equal("172.31.0.0/16");
            expect(await daemonJson(statePath)).to.deep.equal({ debug: true, "fixed-cidr": "172.31.0.0/16" });
        });

        it("removes the default network when it is turned off", async () => {
            stack.hostNat = { defaultNatNetwork: false };
            const result = await stack.run("up");
            expect(result.ok, result.log).to.equal(true);
            expect(opsOf(result, "host-nat")).to.deep.equal(["update"]);
            expect(await networkNames(statePath)).not.to.include("nat");
            expect(await daemonJson(statePath)).to.deep.equal({ debug: true, bridge: "none" });

            const again = await stack.run("up");
            expect(again.ok, again.log).to.equal(true);
            expect(opsOf(again, "host-nat")).to.deep.equal(["same"]);
        });

        it("restores daemon.json and the default network on destroy", async () => {
            const result = await stack.run("destroy");
            expect(result.ok, result.log).to.equal(true);
            expect(await daemonJson(statePath)).to.deep.equal({ debug: true });
            expect(await networkNames(statePath)).to.include("nat");
        });
    });
}

hostNatLifecycle("ws2022");
hostNatLifecycle("ws2016");

describe("HostNatConfig with a NatPartition on a one-NAT ws2016-rtm host", function () {
    this.timeout(180_000);
    let statePath: string;
    let stack: HostNatStack;

    before(async () => {
        const target = await simulatedTarget("ws2016-rtm");
        statePath = target.statePath;
        // The engine of this generation accepts Docker Engine API 1.24 at most.
        stack = new HostNatStack(
            target.host.name,
            target.host.docker.url,
            getProfile("ws2016-rtm").apiVersion,
        );
    });

    after(async () => {
        await stack?.dispose();
    });

    it("previews the partition without rejecting it", async () => {
        // `pulumi up` previews first, while the default network still exists.
        stack.hostNat = { defaultNatNetwork: false };
        stack.partitions = { app: { subnet: "172.18.1.0/24" } };
        const result = await stack.run("preview");
        expect(result.ok, result.log).to.equal(true);
        expect(opsOf(result, "app")).to.deep.equal(["create"]);
        expect(await networkNames(statePath)).to.include("nat");
    });

    it("creates the partition after the default network is gone", async () => {
        const result = await stack.run("up");
        expect(result.ok, result.log).to.equal(true);
        expect(opsOf(result, "host-nat")).to.deep.equal(["create"]);
        expect(opsOf(result, "app")).to.deep.equal(["create"]);
        expect(await networkNames(statePath)).not.to.include("nat");
        expect(await liveSubnet(statePath, "app")).to.equal("172.18.1.0/24");
        expect(result.outputs.partitionSubnets).to.deep.equal({ app: "172.18.1.0/24" });
    });

    it("restores the default network on destroy", async () => {
        const result = await stack.run("destroy");
        expect(result.ok, result.log).to.equal(true);
        expect(await liveSubnet(statePath, "app")).to.equal(undefined);
        expect(await networkNames(statePath)).to.include("nat");
        expect((await daemonJson(statePath)) ?? {}).to.deep.equal({});
    });
});

describe("HostNatConfig with partitions inside its prefix on a ws2016 host", function () {
    this.timeout(180_000);
    let statePath: string;
    let stack: HostNatStack;

    before(async () => {
        const target = await simulatedTarget("ws2016");
        statePath = target.statePath;
        stack = new HostNatStack(target.host.name, target.host.docker.url);
        stack.hostNat = { fixedCidr: "172.24.0.0/16" };
        stack.partitions = { orders: { subnet: "172.24.1.0/24" }, billing: { prefixLength: 24 } };
    });

    after(async () => {
        await stack?.dispose();
    });

    it("carves both partitions from the new prefix", async () => {
        const result = await stack.run("up");
        expect(result.ok, result.log).to.equal(true);
        expect(await liveSubnet(statePath, "nat")).to.equal("172.24.0.0/16");
        expect(await liveSubnet(statePath, "orders")).to.equal("172.24.1.0/24");
        expect(await liveSubnet(statePath, "billing")).to.match(/^172\.24\.\d+\.0\/24$/);
    });

    it("changes nothing on a second up", async () => {
        const result = await stack.run("up");
        expect(result.ok, result.log).to.equal(true);
        expect(new Set(result.steps.map((step) => step.op))).to.deep.equal(new Set(["same"]));
    });

    it("passes the drift gate", async () => {
        const result = await stack.run("preview", { refresh: true, expectNoChanges: true });
        expect(result.ok, result.log).to.equal(true);
    });
});

describe("HostNatConfig moved over an allocated partition on a ws2022 host", function () {
    this.timeout(180_000);
    let statePath: string;
    let stack: HostNatStack;

    before(async () => {
        const target = await simulatedTarget("ws2022");
        statePath = target.statePath;
        stack = new HostNatStack(target.host.name, target.host.docker.url);
        stack.hostNat = { fixedCidr: "172.24.0.0/16" };
        stack.partitions = { billing: { prefixLength: 24 } };
    });

    after(async () => {
        await stack?.dispose();
    });

    it("allocates the partition beside the default network", async () => {
        const result = await stack.run("up");
        expect(result.ok, result.log).to.equal(true);
        expect(await liveSubnet(statePath, "billing")).to.match(/^172\.31\.\d+\.0\/24$/);
    });

    it("allocates the partition again after the prefix covers it", async () => {
        stack.hostNat = { fixedCidr: "172.31.0.0/16", allowRemoveNetworks: ["billing"] };
        const result = await stack.run("up");
        expect(result.ok, result.log).to.equal(true);
        expect(await liveSubnet(statePath, "nat")).to.equal("172.31.0.0/16");
        const billing = await liveSubnet(statePath, "billing");
        expect(billing).to.match(/^172\.\d+\.\d+\.0\/24$/);
        expect(billing).not.to.match(/^172\.31\./);
        const again = await stack.run("up");
        expect(again.ok, again.log).to.equal(true);
        expect(new Set(again.steps.map((step) => step.op))).to.deep.equal(new Set(["same"]));
    });
});
