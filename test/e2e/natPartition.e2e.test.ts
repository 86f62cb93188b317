import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { normalizeCidr, containsPrefix, prefixesOverlap } from "../../provider/model/cidr";
import { addHostAdapter } from "../../provider/simulator/out-of-band";
import { getProfile } from "../../provider/simulator/profiles";
import { readHostState } from "../../provider/simulator/state";
import { DriverOptions, DriverResult, runDriver } from "../driver";
import { simulatedTarget } from "../support/targets";

const PROGRAM = path.join(__dirname, "programs", "natPartitions.js");
const PROJECT_ROOT = path.resolve(__dirname, "..", "..", "..");

/** Sizing of one partition, as the program's `partitions` config value takes it. */
interface PartitionSpec {
    subnet?: string;
    prefixLength?: number;
    pool?: string;
}

/** The program's `networks` output for one partition. */
interface PartitionOutput {
    networkId: string;
    effectiveSubnet?: string;
    allocatedSubnet?: string;
}

/** Addressing of one host generation's suite. */
interface Addressing {
    /** Two fixed subnets that lie inside the WinNAT prefix on WS2016 and clear of the default `nat`. */
    subnetA: string;
    subnetB: string;
    /** The WinNAT internal prefix every partition must lie in, on WS2016 only. */
    winNatPrefix?: string;
    /** A subnet outside the WinNAT prefix, on WS2016 only. */
    outsideWinNat?: string;
}

/** Lists every network on a simulated host as `name subnet`, sorted, to compare before and after. */
async function hostNetworks(statePath: string): Promise<string[]> {
    const state = await readHostState(statePath);
    return state.dockerNetworks
        .map((network) => `${network.name} ${network.ipamConfig.map((config) => config.subnet).join(",")}`)
        .sort();
}

/** Returns the subnet of a network on a simulated host by name, or undefined when it does not exist. */
async function liveSubnet(statePath: string, name: string): Promise<string | undefined> {
    const state = await readHostState(statePath);
    return state.dockerNetworks.find((network) => network.name === name)?.ipamConfig[0]?.subnet;
}

function opsByName(result: DriverResult): Record<string, string> {
    return Object.fromEntries(result.steps.map((step) => [step.name, step.op]));
}

function failureText(result: DriverResult): string {
    return result.failures.map((failure) => `${failure.property ?? ""}: ${failure.reason}`).join("\n");
}

function overlaps(left: string, right: string): boolean {
    return prefixesOverlap(normalizeCidr(left)!, normalizeCidr(right)!);
}

/**
 * Runs the natPartitions program on one seeded host, keeping its state in a temporary folder.
 * `partitions` is the program's config value, changed by the cases between runs.
 */
class PartitionStack {
    readonly workDir = fs.mkdtempSync(path.join(os.tmpdir(), "wcn-e2e-nat-"));
    partitions: Record<string, PartitionSpec> = {};

    constructor(
        readonly prefix: string,
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
                "wcn:prefix": this.prefix,
                "wcn:hostName": this.hostName,
                "wcn:hostUrl": this.hostUrl,
                "wcn:partitions": JSON.stringify(this.partitions),
                ...(this.apiVersion === undefined ? {} : { "wcn:apiVersion": this.apiVersion }),
            },
            ...extra,
        });
    }

    /** Runs a preview with `extra` partitions added to the declared ones, leaving the declared ones as they are. */
    async previewWith(extra: Record<string, PartitionSpec>): Promise<DriverResult> {
        const declared = this.partitions;
        this.partitions = { ...declared, ...extra };
        try {
            return await this.run("preview");
        } finally {
            this.partitions = declared;
        }
    }

    async dispose(): Promise<void> {
        await this.run("destroy").catch(() => undefined);
        fs.rmSync(this.workDir, { recursive: true, force: true });
    }
}

function partitionLifecycle(profile: "ws2016" | "ws2022", addressing: Addressing) {
    describe(`NatPartition lifecycle on the simulated ${profile} host`, function () {
        this.timeout(180_000);
        const prefix = `part-${profile}`;
        const name = (key: string) => `${prefix}-${key}`;
        let statePath: string;
        let stack: PartitionStack;
        let networksBefore: string[];
        let allocatedBlock: string;

        before(async () => {
            const target = await simulatedTarget(profile);
            statePath = target.statePath;
            stack = new PartitionStack(prefix, target.host.name, target.host.docker.url);
            networksBefore = await hostNetworks(statePath);
        });

        after(async () => {
            await stack?.dispose();
        });

        function outputsOf(result: DriverResult): Record<string, PartitionOutput> {
            return result.outputs.networks as Record<string, PartitionOutput>;
        }

        it("creates two fixed partitions and one allocated", async () => {
            stack.partitions = {
                a: { subnet: addressing.subnetA },
                b: { subnet: addressing.subnetB },
                c: { prefixLength: 24 },
            };
            const result = await stack.run("up");
            expect(result.ok, result.log).to.equal(true);
            expect(opsByName(result)).to.deep.equal({
                [name("a")]: "create",
                [name("b")]: "create",
                [name("c")]: "create",
            });

            expect(await liveSubnet(statePath, name("a"))).to.equal(addressing.subnetA);
            expect(await liveSubnet(statePath, name("b"))).to.equal(addressing.subnetB);
            const outputs = outputsOf(result);
            allocatedBlock = outputs.c.allocatedSubnet as string;
            expect(allocatedBlock).to.match(/^\d+\.\d+\.\d+\.0\/24$/);
            expect(await liveSubnet(statePath, name("c"))).to.equal(allocatedBlock);
            expect(outputs.c.effectiveSubnet).to.equal(allocatedBlock);
            expect(outputs.a.allocatedSubnet).to.equal(undefined);
            for (const subnet of [addressing.subnetA, addressing.subnetB]) {
                expect(overlaps(allocatedBlock, subnet), `${allocatedBlock} overlaps ${subnet}`).to.equal(
                    false,
                );
            }
        });

        if (addressing.winNatPrefix !== undefined) {
            it("keeps every partition inside the WinNAT prefix", async () => {
                const state = await readHostState(statePath);
                const active = state.winNats.filter((winNat) => winNat.active);
                expect(
                    active.map((winNat) => normalizeCidr(winNat.internalIPInterfaceAddressPrefix)?.cidr),
                ).to.deep.equal([addressing.winNatPrefix]);
                const winNat = normalizeCidr(addressing.winNatPrefix as string)!;
                for (const key of ["a", "b", "c"]) {
                    const subnet = (await liveSubnet(statePath, name(key))) as string;
                    expect(containsPrefix(winNat, normalizeCidr(subnet)!), `${key}: ${subnet}`).to.equal(
                        true,
                    );
                }
            });
        }

        it("keeps every partition and its block on a second up", async () => {
            const result = await stack.run("up");
            expect(result.ok, result.log).to.equal(true);
            expect(opsByName(result)).to.deep.equal({
                [name("a")]: "same",
                [name("b")]: "same",
                [name("c")]: "same",
            });
            expect(outputsOf(result).c.allocatedSubnet).to.equal(allocatedBlock);
            expect(await liveSubnet(statePath, name("c"))).to.equal(allocatedBlock);
        });

        it("passes the drift gate while the host is unchanged", async () => {
            const result = await stack.run("preview", { refresh: true, expectNoChanges: true });
            expect(result.ok, result.log).to.equal(true);
        });

        it("allocates disjoint blocks to partitions declared together", async () => {
            stack.partitions = { ...stack.partitions, d: { prefixLength: 24 }, e: { prefixLength: 24 } };
            const result = await stack.run("up");
            expect(result.ok, result.log).to.equal(true);
            expect(opsByName(result)).to.include({
                [name("d")]: "create",
                [name("e")]: "create",
                [name("c")]: "same",
            });

            const subnets: Record<string, string> = {};
            for (const key of ["a", "b", "c", "d", "e"]) {
                subnets[key] = (await liveSubnet(statePath, name(key))) as string;
                expect(subnets[key], key).to.be.a("string");
            }
            expect(subnets.c).to.equal(allocatedBlock);
            const keys = Object.keys(subnets);
            for (const [index, left] of keys.entries()) {
                for (const right of keys.slice(index + 1)) {
                    expect(
                        overlaps(subnets[left], subnets[right]),
                        `${left} ${subnets[left]} and ${right} ${subnets[right]}`,
                    ).to.equal(false);
                }
            }
            const outputs = outputsOf(result);
            expect(outputs.d.allocatedSubnet).to.equal(subnets.d);
            expect(outputs.e.allocatedSubnet).to.equal(subnets.e);
        });

        it("deletes only the partition removed from the program", async () => {
            stack.partitions = { ...stack.partitions };
            delete stack.partitions.b;
            const result = await stack.run("up");
            expect(result.ok, result.log).to.equal(true);
            expect(opsByName(result)).to.deep.equal({
                [name("a")]: "same",
                [name("b")]: "delete",
                [name("c")]: "same",
                [name("d")]: "same",
                [name("e")]: "same",
            });
            expect(await liveSubnet(statePath, name("b"))).to.equal(undefined);
            expect(await liveSubnet(statePath, name("a"))).to.equal(addressing.subnetA);
            expect(await liveSubnet(statePath, name("c"))).to.equal(allocatedBlock);
        });

        it("rejects a subnet over the seeded adapter at preview", async () => {
            const before = await hostNetworks(statePath);
            const result = await stack.previewWith({ x: { subnet: "192.168.50.0/24" } });
            expect(result.ok).to.equal(false);
            const extraFailures = result.failures.filter((failure) => failure.urn.endsWith(`::${name("x")}`));
            expect(extraFailures.map((failure) => failure.property)).to.include("subnet");
            const text = failureText(result);
            expect(text).to.include('adapter "Ethernet"');
            expect(text).to.include("192.168.50.10/24");
            expect(await hostNetworks(statePath)).to.deep.equal(before);
        });

        it("rejects a subnet over an added adapter at preview", async () => {
            await addHostAdapter(statePath, {
                name: "Ethernet 3",
                interfaceDescription: "Intel(R) Ethernet Connection X722 for 10GbE SFP+ #3",
                ifIndex: 9,
                macAddress: "00-00-5E-00-53-09",
                kind: "physical",
                physicalMediaType: "802.3",
                status: "Up",
                ipv4Addresses: [{ address: "172.19.0.5", prefixLength: 24 }],
            });
            const before = await hostNetworks(statePath);
            const result = await stack.previewWith({ x: { subnet: "172.19.0.0/24" } });
            expect(result.ok).to.equal(false);
            expect(result.failures.map((failure) => failure.property)).to.deep.equal(["subnet"]);
            const text = failureText(result);
            expect(text).to.include('adapter "Ethernet 3"');
            expect(text).to.include("172.19.0.5/24");
            expect(await hostNetworks(statePath)).to.deep.equal(before);
        });

        if (addressing.outsideWinNat !== undefined) {
            it("rejects a subnet outside the WinNAT prefix", async () => {
                const before = await hostNetworks(statePath);
                const result = await stack.previewWith({ x: { subnet: addressing.outsideWinNat } });
                expect(result.ok).to.equal(false);
                expect(result.failures.map((failure) => failure.property)).to.deep.equal(["subnet"]);
                const text = failureText(result);
                expect(text).to.include(
                    `${addressing.outsideWinNat} lies outside the WinNAT internal prefix`,
                );
                expect(text).to.include(addressing.winNatPrefix);
                expect(await hostNetworks(statePath)).to.deep.equal(before);
            });
        }

        it("restores the host's networks on destroy", async () => {
            const result = await stack.run("destroy");
            expect(result.ok, result.log).to.equal(true);
            expect(await hostNetworks(statePath)).to.deep.equal(networksBefore);
        });
    });
}

partitionLifecycle("ws2016", {
    subnetA: "172.18.1.0/24",
    subnetB: "172.18.2.0/24",
    winNatPrefix: "172.16.0.0/12",
    outsideWinNat: "10.99.0.0/24",
});

partitionLifecycle("ws2022", {
    subnetA: "172.18.1.0/24",
    subnetB: "172.18.2.0/24",
});

describe("NatPartition on a one-NAT ws2016-rtm host", function () {
    this.timeout(120_000);
    let statePath: string;
    let stack: PartitionStack;

    before(async () => {
        const target = await simulatedTarget("ws2016-rtm");
        statePath = target.statePath;
        // The engine of this generation accepts Docker Engine API 1.24 at most.
        stack = new PartitionStack(
            "part-rtm",
            target.host.name,
            target.host.docker.url,
            getProfile("ws2016-rtm").apiVersion,
        );
    });

    after(async () => {
        await stack?.dispose();
    });

    it("rejects a second NAT network at preview", async () => {
        const before = await hostNetworks(statePath);
        stack.partitions = { a: { subnet: "172.18.1.0/24" } };
        const result = await stack.run("preview");
        expect(result.ok).to.equal(false);
        expect(result.failures.map((failure) => failure.property)).to.deep.equal(["subnet"]);
        const text = failureText(result);
        expect(text).to.include("allows one NAT network per host");
        expect(text).to.include('"nat"');
        expect(await hostNetworks(statePath)).to.deep.equal(before);
    });
});

describe("nat-partitions example on the simulated ws2016 host", function () {
    this.timeout(180_000);
    const program = path.join(PROJECT_ROOT, "dist", "examples", "nat-partitions", "index.js");
    let workDir: string;
    let hostPath: string;

    before(() => {
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "wcn-e2e-example-"));
        hostPath = path.join(workDir, "host.json");
    });

    after(() => fs.rmSync(workDir, { recursive: true, force: true }));

    function run(operation: DriverOptions["operation"]): Promise<DriverResult> {
        return runDriver({
            operation,
            programPath: program,
            statePath: path.join(workDir, "state.json"),
            projectRoot: PROJECT_ROOT,
            project: "wcn-nat-partitions",
            stack: "dev",
            config: { dockerUrl: `sim://${hostPath}?profile=ws2016` },
        });
    }

    it("creates the three partitions", async () => {
        const result = await run("up");
        expect(result.ok, result.log).to.equal(true);
        expect(opsByName(result)).to.deep.equal({
            "host-nat": "create",
            build: "create",
            web: "create",
            batch: "create",
        });
        expect(await liveSubnet(hostPath, "build")).to.equal("172.18.0.0/24");
        expect(await liveSubnet(hostPath, "web")).to.equal("172.18.1.0/24");
        const batch = result.outputs.batchSubnet as string;
        expect(await liveSubnet(hostPath, "batch")).to.equal(batch);
        expect(containsPrefix(normalizeCidr("172.16.0.0/12")!, normalizeCidr(batch)!), batch).to.equal(true);
    });

    it("removes the partitions on destroy", async () => {
        const result = await run("destroy");
        expect(result.ok, result.log).to.equal(true);
        const names = (await hostNetworks(hostPath)).map((entry) => entry.split(" ")[0]);
        expect(names).to.deep.equal(["nat", "none"]);
    });
});
