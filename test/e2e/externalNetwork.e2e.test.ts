import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EXTERNAL_CREATE_ATTEMPTS, EXTERNAL_CREATE_RETRY_DELAYS_MS } from "../../provider/model/uplink";
import type { HostState } from "../../provider/simulator/model";
import {
    addHostAdapter,
    createExternalSwitchOutOfBand,
    setLingeringSwitchFailures,
} from "../../provider/simulator/out-of-band";
import { readHostState, updateHostState } from "../../provider/simulator/state";
import { removeVmSwitches } from "../../provider/simulator/vswitch";
import { DriverOptions, DriverResult, runDriver } from "../driver";
import { simulatedTarget } from "../support/targets";

const PROGRAM = path.join(__dirname, "programs", "externalNetwork.js");
const PROJECT_ROOT = path.resolve(__dirname, "..", "..", "..");

/** One network of the program's `networks` config value. */
interface NetworkSpec {
    driver?: string;
    adapterName?: string;
    subnet?: string;
    gateway?: string;
    binding?: string;
}

/** One binding of the program's `bindings` config value. */
interface BindingSpec {
    switchName: string;
    adapterNames: string[];
    adopt?: boolean;
    removeAdoptedOnDelete?: boolean;
}

/** The second wired NIC of a seeded simulated host, on 10.20.0.0/24, free for external networks. */
const FREE_ADAPTER = "Ethernet 2";
const LAN = { subnet: "10.20.0.0/24", gateway: "10.20.0.1" };

/** Runs the externalNetwork program as one stack, keeping its state in a temporary folder. */
class ExternalStack {
    readonly workDir = fs.mkdtempSync(path.join(os.tmpdir(), "wcn-e2e-ext-"));
    networks: Record<string, NetworkSpec> = {};
    bindings: Record<string, BindingSpec> = {};

    constructor(
        readonly hostName: string,
        readonly hostUrl: string,
        readonly stack = "e2e",
    ) {}

    run(operation: DriverOptions["operation"], extra: Partial<DriverOptions> = {}): Promise<DriverResult> {
        return runDriver({
            operation,
            programPath: PROGRAM,
            statePath: path.join(this.workDir, "state.json"),
            projectRoot: PROJECT_ROOT,
            project: "wcn-e2e",
            stack: this.stack,
            config: {
                "wcn:hostName": this.hostName,
                "wcn:hostUrl": this.hostUrl,
                "wcn:networks": JSON.stringify(this.networks),
                "wcn:bindings": JSON.stringify(this.bindings),
            },
            ...extra,
        });
    }

    /** Runs a preview with `extra` networks added to the declared ones, leaving the declared ones as they are. */
    async previewWith(extra: Record<string, NetworkSpec>): Promise<DriverResult> {
        const declared = this.networks;
        this.networks = { ...declared, ...extra };
        try {
            return await this.run("preview");
        } finally {
            this.networks = declared;
        }
    }

    async dispose(): Promise<void> {
        await this.run("destroy").catch(() => undefined);
        fs.rmSync(this.workDir, { recursive: true, force: true });
    }
}

/** What a destroy must give back: adapters with addresses, switches, HNS and Docker networks. */
function hostShape(state: HostState): Record<string, string[]> {
    return {
        adapters: state.adapters
            .map(
                (adapter) =>
                    `${adapter.name} ${adapter.ipv4Addresses.map((ip) => `${ip.address}/${ip.prefixLength}`).join(",")}`,
            )
            .sort(),
        switches: state.vmSwitches.map((vmSwitch) => `${vmSwitch.name} ${vmSwitch.switchType}`).sort(),
        hnsNetworks: state.hnsNetworks.map((network) => `${network.name} ${network.type}`).sort(),
        dockerNetworks: state.dockerNetworks.map((network) => `${network.name} ${network.driver}`).sort(),
    };
}

function opsByName(result: DriverResult): Record<string, string> {
    return Object.fromEntries(result.steps.map((step) => [step.name, step.op]));
}

/** Returns every step of the named resource, in order, for runs that refresh first. */
function opsOf(result: DriverResult, name: string): string[] {
    return result.steps.filter((step) => step.name === name).map((step) => step.op);
}

/** Removes a switch as `Remove-VMSwitch -Force` does: HNS keeps its networks until hns restarts. */
async function removeSwitchByHand(statePath: string, switchName: string): Promise<void> {
    await updateHostState(statePath, (state) => {
        const vmSwitch = state.vmSwitches.find((candidate) => candidate.name === switchName);
        if (vmSwitch === undefined) {
            throw new Error(`switch "${switchName}" is not on the simulated host`);
        }
        removeVmSwitches(state, [vmSwitch]);
    });
}

/** Returns the switch that the HNS network of Docker network `name` sits on, by its SwitchGuid. */
function switchUnderNetwork(state: HostState, name: string): HostState["vmSwitches"][number] | undefined {
    const docker = state.dockerNetworks.find((network) => network.name === name);
    const hns = state.hnsNetworks.find((network) => network.id === docker?.hnsNetworkId);
    const guid = hns?.switchGuid?.toLowerCase();
    return state.vmSwitches.find((vmSwitch) => guid !== undefined && vmSwitch.id.toLowerCase() === guid);
}

function failureText(result: DriverResult): string {
    return result.failures.map((failure) => `${failure.property ?? ""}: ${failure.reason}`).join("\n");
}

/** Returns the failures reported at the adapter property. */
function adapterFailures(result: DriverResult): string[] {
    return result.failures
        .filter((failure) => failure.property === "windows.adapterName")
        .map((failure) => failure.reason);
}

describe("ContainerNetwork on external switches (simulated ws2022 host)", function () {
    this.timeout(180_000);

    describe("transparent network on a free adapter", () => {
        let statePath: string;
        let stack: ExternalStack;
        let shapeBefore: Record<string, string[]>;

        before(async () => {
            const target = await simulatedTarget("ws2022");
            statePath = target.statePath;
            stack = new ExternalStack(target.host.name, target.host.docker.url);
            shapeBefore = hostShape(await readHostState(statePath));
        });

        after(async () => {
            await stack?.dispose();
        });

        it("creates it on up", async () => {
            stack.networks = { lan: { adapterName: FREE_ADAPTER, ...LAN } };
            const result = await stack.run("up");
            expect(result.ok, result.log).to.equal(true);
            expect(opsByName(result)).to.deep.equal({ lan: "create" });
            const state = await readHostState(statePath);
            const hns = state.hnsNetworks.find((network) => network.type === "transparent");
            expect(hns?.networkAdapterName).to.equal(FREE_ADAPTER);
            expect(state.dockerNetworks.find((network) => network.name === "lan")?.driver).to.equal(
                "transparent",
            );
        });

        it("shows no changes on a second up", async () => {
            const result = await stack.run("up");
            expect(result.ok, result.log).to.equal(true);
            expect(opsByName(result)).to.deep.equal({ lan: "same" });
        });

        it("rejects a second network on the adapter in the stack", async () => {
            const result = await stack.previewWith({
                "lan-b": { adapterName: FREE_ADAPTER, driver: "l2bridge", ...LAN },
            });
            expect(result.ok).to.equal(false);
            const reasons = adapterFailures(result).join("\n");
            expect(reasons, failureText(result)).to.contain(
                `adapter "${FREE_ADAPTER}" is also used by wcn-e2e/e2e/lan on host ${stack.hostName}`,
            );
        });

        it("rejects a network on the adapter from another stack", async () => {
            const other = new ExternalStack(stack.hostName, stack.hostUrl, "other");
            try {
                other.networks = { "lan-other": { adapterName: FREE_ADAPTER } };
                const result = await other.run("preview");
                expect(result.ok).to.equal(false);
                expect(adapterFailures(result).join("\n"), failureText(result)).to.contain(
                    `"${FREE_ADAPTER}" on host ${stack.hostName} already carries the transparent network "lan"`,
                );
            } finally {
                await other.dispose();
            }
        });

        it("rejects Wi-Fi at preview", async () => {
            const result = await stack.previewWith({ wifi: { adapterName: "Wi-Fi" } });
            expect(result.ok).to.equal(false);
            expect(adapterFailures(result).join("\n"), failureText(result)).to.contain(
                `"Wi-Fi" on host ${stack.hostName} is a Wi-Fi adapter`,
            );
        });

        it("retries a replacement while the old switch lingers", async () => {
            await setLingeringSwitchFailures(statePath, FREE_ADAPTER, 1);
            stack.networks = {
                lan: { adapterName: FREE_ADAPTER, subnet: "10.20.0.0/25", gateway: "10.20.0.1" },
            };
            const result = await stack.run("up");
            expect(result.ok, result.log).to.equal(true);
            expect(opsByName(result)).to.deep.equal({ lan: "replace" });
            expect(result.log).to.contain("HNS reported that the object already exists");
            const state = await readHostState(statePath);
            const lan = state.dockerNetworks.find((network) => network.name === "lan");
            expect(lan?.ipamConfig[0]?.subnet).to.equal("10.20.0.0/25");
        });

        it("fails naming a reboot when the switch stays", async () => {
            await setLingeringSwitchFailures(statePath, FREE_ADAPTER, 5);
            stack.networks = { lan: { adapterName: FREE_ADAPTER, ...LAN } };
            const result = await stack.run("up");
            expect(result.ok).to.equal(false);
            const reasons = result.failures.map((failure) => failure.reason).join("\n");
            const seconds = EXTERNAL_CREATE_RETRY_DELAYS_MS.reduce((sum, ms) => sum + ms, 0) / 1000;
            expect(reasons, result.log).to.contain(
                `after ${EXTERNAL_CREATE_ATTEMPTS} tries over ${seconds} s`,
            );
            expect(reasons).to.contain(`adapter "${FREE_ADAPTER}"`);
            expect(reasons).to.contain("reboot the host");
            await setLingeringSwitchFailures(statePath, FREE_ADAPTER, 0);
        });

        it("leaves the host as it was after destroy", async () => {
            const result = await stack.run("destroy");
            expect(result.ok, result.log).to.equal(true);
            expect(hostShape(await readHostState(statePath))).to.deep.equal(shapeBefore);
        });
    });

    describe("out-of-band switch", () => {
        let stack: ExternalStack;

        before(async () => {
            const target = await simulatedTarget("ws2022");
            await createExternalSwitchOutOfBand(target.statePath, { name: "oob", adapterName: "Ethernet" });
            await addHostAdapter(target.statePath, {
                name: "Ethernet 3",
                interfaceDescription: "Intel(R) Ethernet Connection X722 for 10GbE SFP+ #3",
                ifIndex: 8,
                macAddress: "00-00-5E-00-53-04",
                kind: "physical",
                physicalMediaType: "802.3",
                status: "Disconnected",
                ipv4Addresses: [],
            });
            stack = new ExternalStack(target.host.name, target.host.docker.url);
        });

        after(async () => {
            await stack?.dispose();
        });

        it("rejects the switch's host vNIC", async () => {
            const result = await stack.previewWith({ vnic: { adapterName: "vEthernet (oob)" } });
            expect(result.ok).to.equal(false);
            const reasons = adapterFailures(result);
            expect(reasons, failureText(result)).to.have.length(1);
            expect(reasons[0]).to.contain('"vEthernet (oob)" on host');
            expect(reasons[0]).to.contain('host vNIC of Hyper-V switch "oob"');
            expect(reasons[0]).to.contain('Name "Ethernet", the physical adapter with the same MAC address');
        });

        it("rejects the adapter Docker does not see yet", async () => {
            const result = await stack.previewWith({ hidden: { adapterName: "Ethernet" } });
            expect(result.ok).to.equal(false);
            const reasons = adapterFailures(result);
            expect(reasons, failureText(result)).to.have.length(1);
            expect(reasons[0]).to.contain('"Ethernet" on host');
            expect(reasons[0]).to.contain('bound to Hyper-V switch "oob"');
            expect(reasons[0]).to.contain("adopt: true");
        });

        it("names the uplink HNS rejected", async () => {
            stack.networks = { unplugged: { adapterName: "Ethernet 3" } };
            const result = await stack.run("up");
            expect(result.ok).to.equal(false);
            expect(result.log).to.contain('"Ethernet 3" on host sim-ws2022 is Disconnected');
            const reasons = result.failures.map((failure) => failure.reason).join("\n");
            expect(reasons, result.log).to.contain(
                'HNS rejected the uplink adapter "Ethernet 3" on host sim-ws2022',
            );
            expect(reasons).to.contain("The parameter is incorrect");
            stack.networks = {};
        });
    });

    describe("transparent network on a VSwitchBinding", () => {
        let statePath: string;
        let stack: ExternalStack;
        let shapeBefore: Record<string, string[]>;

        before(async () => {
            const target = await simulatedTarget("ws2022");
            statePath = target.statePath;
            stack = new ExternalStack(target.host.name, target.host.docker.url);
            shapeBefore = hostShape(await readHostState(statePath));
            stack.bindings = { ext: { switchName: "ext-lan", adapterNames: [FREE_ADAPTER] } };
            stack.networks = { lan: { binding: "ext", ...LAN } };
        });

        after(async () => {
            await stack?.dispose();
        });

        it("creates the binding, then the network", async () => {
            const result = await stack.run("up");
            expect(result.ok, result.log).to.equal(true);
            expect(opsByName(result)).to.deep.equal({ ext: "create", lan: "create" });
            const order = result.steps
                .map((step) => step.name)
                .filter((name) => name === "ext" || name === "lan");
            expect(order).to.deep.equal(["ext", "lan"]);
        });

        it("puts the network on the binding's adapter", async () => {
            const state = await readHostState(statePath);
            const lan = state.dockerNetworks.find((network) => network.name === "lan");
            const hns = state.hnsNetworks.find((network) => network.id === lan?.hnsNetworkId);
            expect(hns?.networkAdapterName).to.equal(FREE_ADAPTER);
            expect(hns?.switchName).to.equal("ext-lan");
            expect(state.vmSwitches.filter((vmSwitch) => vmSwitch.switchType === "External")).to.have.length(
                1,
            );
        });

        it("reports the binding's switch", async () => {
            const result = await stack.run("up");
            expect(result.ok, result.log).to.equal(true);
            expect(opsByName(result)).to.deep.equal({ ext: "same", lan: "same" });
            const outputs = result.outputs.outputs as Record<string, { vSwitch?: { switchName: string } }>;
            expect(outputs.lan.vSwitch?.switchName).to.equal("ext-lan");
        });

        it("rejects an adapter outside the binding", async () => {
            const result = await stack.previewWith({
                other: { binding: "ext", adapterName: "Ethernet", ...LAN },
            });
            expect(result.ok).to.equal(false);
            const reasons = adapterFailures(result).join("\n");
            expect(reasons, failureText(result)).to.contain(
                '"Ethernet" is not one of the adapters of switch "ext-lan"',
            );
        });

        it("leaves the host as it was after destroy", async () => {
            const result = await stack.run("destroy");
            expect(result.ok, result.log).to.equal(true);
            expect(hostShape(await readHostState(statePath))).to.deep.equal(shapeBefore);
        });
    });

    describe("switch removed by hand", () => {
        describe("under a network on a VSwitchBinding", () => {
            let statePath: string;
            let stack: ExternalStack;

            before(async () => {
                const target = await simulatedTarget("ws2022");
                statePath = target.statePath;
                stack = new ExternalStack(target.host.name, target.host.docker.url);
                stack.bindings = { ext: { switchName: "ext-lan", adapterNames: [FREE_ADAPTER] } };
                stack.networks = { lan: { binding: "ext", ...LAN } };
                const result = await stack.run("up");
                expect(result.ok, result.log).to.equal(true);
                await removeSwitchByHand(statePath, "ext-lan");
            });

            after(async () => {
                await stack?.dispose();
            });

            it("reports the binding and network gone", async () => {
                const state = await readHostState(statePath);
                expect(state.dockerNetworks.map((network) => network.name)).to.include("lan");
                const result = await stack.run("preview", { refresh: true });
                expect(result.ok, result.log).to.equal(true);
                expect(opsOf(result, "ext")).to.deep.equal(["read-gone", "create"]);
                expect(opsOf(result, "lan")).to.deep.equal(["read-gone", "create"]);
                expect(result.log).to.contain('network "lan" on host');
                expect(result.log).to.contain('sits on switch "ext-lan"');
            });

            it("repairs both in one up", async () => {
                const result = await stack.run("up", { refresh: true });
                expect(result.ok, result.log).to.equal(true);
                expect(opsOf(result, "ext")).to.deep.equal(["read-gone", "create"]);
                expect(opsOf(result, "lan")).to.deep.equal(["read-gone", "create"]);
                const state = await readHostState(statePath);
                const vmSwitch = state.vmSwitches.find((candidate) => candidate.name === "ext-lan");
                expect(vmSwitch?.switchType).to.equal("External");
                expect(state.dockerNetworks.find((network) => network.name === "lan")?.driver).to.equal(
                    "transparent",
                );
                expect(switchUnderNetwork(state, "lan")?.id).to.equal(vmSwitch?.id);
            });

            it("passes the drift gate after the repair", async () => {
                const result = await stack.run("preview", { refresh: true, expectNoChanges: true });
                expect(result.ok, result.log).to.equal(true);
                expect(opsByName(result)).to.deep.equal({ ext: "same", lan: "same" });
            });
        });

        describe("under a network on an adapter", () => {
            let statePath: string;
            let stack: ExternalStack;

            before(async () => {
                const target = await simulatedTarget("ws2022");
                statePath = target.statePath;
                stack = new ExternalStack(target.host.name, target.host.docker.url);
                stack.networks = { lan: { adapterName: FREE_ADAPTER, ...LAN } };
                const result = await stack.run("up");
                expect(result.ok, result.log).to.equal(true);
                const hnsSwitch = switchUnderNetwork(await readHostState(statePath), "lan");
                expect(hnsSwitch, "the switch HNS made for lan").to.not.equal(undefined);
                await removeSwitchByHand(statePath, hnsSwitch!.name);
            });

            after(async () => {
                await stack?.dispose();
            });

            it("removes the stale network and creates it", async () => {
                const stale = (await readHostState(statePath)).dockerNetworks.find(
                    (network) => network.name === "lan",
                );
                expect(stale, "Docker still lists lan").to.not.equal(undefined);
                const result = await stack.run("up", { refresh: true });
                expect(result.ok, result.log).to.equal(true);
                expect(opsOf(result, "lan")).to.deep.equal(["read-gone", "create"]);
                expect(result.log).to.contain("removing it before the network is created again");
                const state = await readHostState(statePath);
                const lan = state.dockerNetworks.find((network) => network.name === "lan");
                expect(lan?.id).to.not.equal(stale?.id);
                expect(switchUnderNetwork(state, "lan")?.netAdapterNames).to.deep.equal([FREE_ADAPTER]);
            });

            it("passes the drift gate after the repair", async () => {
                const result = await stack.run("preview", { refresh: true, expectNoChanges: true });
                expect(result.ok, result.log).to.equal(true);
                expect(opsByName(result)).to.deep.equal({ lan: "same" });
            });
        });
    });
});
