import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createExternalSwitchOutOfBand } from "../../provider/simulator/out-of-band";
import { type HostState, readHostState, updateHostState } from "../../provider/simulator/state";
import { removeVmSwitches } from "../../provider/simulator/vswitch";
import { DriverOptions, DriverResult, runDriver } from "../driver";
import { simulatedTarget } from "../support/targets";

const PROGRAM = path.join(__dirname, "programs", "vSwitchBinding.js");
const PROJECT_ROOT = path.resolve(__dirname, "..", "..", "..");
/** Notes that create writes on the switch of binding `name` of the test stack. */
function markerOf(name: string, stack = "e2e"): string {
    return `Managed by pulumi-wcn for wcn-e2e/${stack}/${name}`;
}
/** Address of the seeded host's `Ethernet` adapter, used as the management address. */
const MANAGEMENT_ADDRESS = "192.168.50.10";

interface BindingSpec {
    switchName: string;
    adapterNames: string[];
    allowManagementOS?: boolean;
    adopt?: boolean;
    removeAdoptedOnDelete?: boolean;
    confirmManagementCutoff?: string;
    nestedHost?: { parentName: string; parentUrl: string; vmName: string };
}

/** One transparent network of the program's `networks` config value. */
interface NetworkSpec {
    subnet: string;
    gateway: string;
    binding?: string;
    adapterName?: string;
}

/** The segment of the seeded host's `Ethernet 2` adapter, free for transparent networks. */
const LAN = { subnet: "10.20.0.0/24", gateway: "10.20.0.1" };

interface SwitchOutputs {
    switchName: string;
    switchId: string;
    switchType: string;
    adapterNames: string[];
    allowManagementOS: boolean;
    adopted: boolean;
    embeddedTeaming: boolean;
    dockerNetworkName: string;
}

/** Runs the vSwitchBinding program on one simulated host, keeping its state in a temporary folder. */
class BindingStack {
    readonly workDir = fs.mkdtempSync(path.join(os.tmpdir(), "wcn-e2e-vswitch-"));
    bindings: Record<string, BindingSpec> = {};
    networks: Record<string, NetworkSpec> = {};

    constructor(
        readonly hostName: string,
        readonly hostUrl: string,
        readonly hostAddress?: string,
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
                "wcn:bindings": JSON.stringify(this.bindings),
                "wcn:networks": JSON.stringify(this.networks),
                ...(this.hostAddress === undefined ? {} : { "wcn:hostAddress": this.hostAddress }),
            },
            ...extra,
        });
    }

    async dispose(): Promise<void> {
        this.bindings = {};
        this.networks = {};
        await this.run("up").catch(() => undefined);
        fs.rmSync(this.workDir, { recursive: true, force: true });
    }
}

/** Collects the parts of a host that a binding changes, in a stable order for comparison. */
function networkingOf(state: HostState): Record<string, unknown> {
    const byName = <T extends { name: string }>(items: T[]) =>
        [...items].sort((a, b) => a.name.localeCompare(b.name));
    return {
        adapters: byName(state.adapters),
        vmSwitches: byName(state.vmSwitches),
        hnsNetworks: byName(state.hnsNetworks).map(({ id: _id, ...network }) => network),
        dockerNetworks: byName(state.dockerNetworks).map((network) => ({
            name: network.name,
            driver: network.driver,
        })),
    };
}

function switchesOf(result: DriverResult): Record<string, SwitchOutputs> {
    return (result.outputs.switches ?? {}) as Record<string, SwitchOutputs>;
}

function opsOf(result: DriverResult, name: string): string[] {
    return result.steps.filter((step) => step.name === name).map((step) => step.op);
}

function failureText(result: DriverResult): string {
    return result.failures.map((failure) => `${failure.property ?? ""}: ${failure.reason}`).join("\n");
}

function reasonsAt(result: DriverResult, property: string): string {
    return result.failures
        .filter((failure) => failure.property === property)
        .map((failure) => failure.reason)
        .join("\n");
}

describe("VSwitchBinding lifecycle on a simulated ws2022 host", function () {
    this.timeout(300_000);
    let statePath: string;
    let stack: BindingStack;
    let seeded: Record<string, unknown>;

    before(async () => {
        const target = await simulatedTarget("ws2022");
        statePath = target.statePath;
        stack = new BindingStack(target.host.name, target.host.docker.url, MANAGEMENT_ADDRESS);
        seeded = networkingOf(await readHostState(statePath));
    });

    after(async () => {
        await stack?.dispose();
    });

    it("creates a switch Docker lists", async () => {
        stack.bindings = { lan: { switchName: "ext-lan", adapterNames: ["Ethernet 2"] } };
        const result = await stack.run("up");
        expect(result.ok, result.log).to.equal(true);
        expect(opsOf(result, "lan")).to.deep.equal(["create"]);

        const state = await readHostState(statePath);
        const vmSwitch = state.vmSwitches.find((candidate) => candidate.name === "ext-lan");
        expect(vmSwitch?.switchType).to.equal("External");
        expect(vmSwitch?.netAdapterNames).to.deep.equal(["Ethernet 2"]);
        expect(vmSwitch?.notes).to.equal(markerOf("lan"));
        const vnic = state.adapters.find((adapter) => adapter.name === "vEthernet (ext-lan)");
        expect(vnic?.ipv4Addresses.map((entry) => entry.address)).to.deep.equal(["10.20.0.5"]);
        const network = state.dockerNetworks.find((candidate) => candidate.name === "ext-lan");
        expect(network?.driver).to.equal("transparent");

        const outputs = switchesOf(result).lan;
        expect(outputs.switchId).to.equal(vmSwitch?.id);
        expect(outputs.switchType).to.equal("external");
        expect(outputs.adapterNames).to.deep.equal(["Ethernet 2"]);
        expect(outputs.allowManagementOS).to.equal(true);
        expect(outputs.adopted).to.equal(false);
        expect(outputs.embeddedTeaming).to.equal(false);
        expect(outputs.dockerNetworkName).to.equal("ext-lan");
    });

    it("changes nothing on a second up", async () => {
        const result = await stack.run("up");
        expect(result.ok, result.log).to.equal(true);
        expect(opsOf(result, "lan")).to.deep.equal(["same"]);
    });

    it("passes the drift gate while the host is unchanged", async () => {
        const result = await stack.run("preview", { refresh: true, expectNoChanges: true });
        expect(result.ok, result.log).to.equal(true);
    });

    it("ignores a case-only name change", async () => {
        stack.bindings = { lan: { switchName: "EXT-LAN", adapterNames: ["Ethernet 2"] } };
        try {
            const up = await stack.run("up");
            expect(up.ok, up.log).to.equal(true);
            expect(opsOf(up, "lan")).to.deep.equal(["same"]);
            const gate = await stack.run("preview", { refresh: true, expectNoChanges: true });
            expect(gate.ok, gate.log).to.equal(true);
        } finally {
            stack.bindings = { lan: { switchName: "ext-lan", adapterNames: ["Ethernet 2"] } };
        }
    });

    it("shows Set-VMSwitch by hand as drift", async () => {
        await setSwitch(statePath, "ext-lan", (vmSwitch) => (vmSwitch.allowManagementOS = false));
        try {
            const result = await stack.run("preview", { refresh: true, expectNoChanges: true });
            expect(result.ok).to.equal(false);
            const drift = result.steps.find((step) => step.name === "lan" && step.op === "drift");
            expect(drift?.diffs).to.include("allowManagementOS");
            expect(drift?.diffs).not.to.include("owner");
        } finally {
            await setSwitch(statePath, "ext-lan", (vmSwitch) => (vmSwitch.allowManagementOS = true));
        }
    });

    it("shows a rebind by hand as drift", async () => {
        await setSwitch(statePath, "ext-lan", (vmSwitch) => (vmSwitch.netAdapterNames = ["Ethernet 3"]));
        try {
            const result = await stack.run("preview", { refresh: true, expectNoChanges: true });
            expect(result.ok).to.equal(false);
            const drift = result.steps.find((step) => step.name === "lan" && step.op === "drift");
            expect(drift?.diffs).to.include("adapterNames");
        } finally {
            await setSwitch(statePath, "ext-lan", (vmSwitch) => (vmSwitch.netAdapterNames = ["Ethernet 2"]));
        }
    });

    const refusals: { name: string; binding: BindingSpec; pattern: RegExp }[] = [
        {
            name: "host vNIC",
            binding: { switchName: "on-vnic", adapterNames: ["vEthernet (ext-lan)"] },
            pattern: /host vNIC of switch "ext-lan".*\(use "Ethernet 2", the physical adapter under it\)/,
        },
        {
            name: "Wi-Fi adapter",
            binding: { switchName: "on-wifi", adapterNames: ["Wi-Fi"] },
            pattern: /"Wi-Fi" on host .* is a Wi-Fi adapter.*0x80070490/,
        },
        {
            name: "missing adapter",
            binding: { switchName: "on-missing", adapterNames: ["Ethernet 9"] },
            pattern: /"Ethernet 9" not found on host .*: "Ethernet"$/,
        },
    ];
    for (const refusal of refusals) {
        it(`rejects a ${refusal.name} at preview`, async () => {
            stack.bindings = {
                lan: { switchName: "ext-lan", adapterNames: ["Ethernet 2"] },
                bad: refusal.binding,
            };
            const result = await stack.run("preview");
            expect(result.ok).to.equal(false);
            expect(reasonsAt(result, "adapterNames[0]")).to.match(refusal.pattern);
        });
    }

    it("rejects sibling bindings on one adapter", async () => {
        stack.bindings = {
            lan: { switchName: "ext-lan", adapterNames: ["Ethernet 2"] },
            first: { switchName: "first", adapterNames: ["Ethernet"] },
            second: { switchName: "second", adapterNames: ["ethernet"] },
        };
        const result = await stack.run("preview");
        expect(result.ok).to.equal(false);
        expect(reasonsAt(result, "adapterNames[0]")).to.match(
            /adapter "[eE]thernet" is also bound by wcn-e2e\/e2e\/(first|second) \(switch "(first|second)"\)/,
        );
    });

    it("rejects sibling bindings of one switch", async () => {
        stack.bindings = {
            lan: { switchName: "ext-lan", adapterNames: ["Ethernet 2"] },
            again: { switchName: "EXT-LAN", adapterNames: ["Ethernet"] },
        };
        const result = await stack.run("preview");
        expect(result.ok).to.equal(false);
        expect(reasonsAt(result, "switchName")).to.match(/is also declared by wcn-e2e\/e2e\/(lan|again)/);
    });

    it("rejects an adapter owned by a switch outside the stack", async () => {
        const fresh = new BindingStack(stack.hostName, stack.hostUrl, MANAGEMENT_ADDRESS);
        fresh.bindings = { owned: { switchName: "second", adapterNames: ["Ethernet 2"] } };
        const result = await fresh.run("preview");
        fs.rmSync(fresh.workDir, { recursive: true, force: true });
        expect(result.ok).to.equal(false);
        expect(reasonsAt(result, "adapterNames[0]")).to.match(
            /bound to external switch "ext-lan".*set switchName to "ext-lan" with adopt: true/,
        );
    });

    it("rejects cutting off the management adapter", async () => {
        stack.bindings = {
            lan: { switchName: "ext-lan", adapterNames: ["Ethernet 2"] },
            mgmt: { switchName: "ext-mgmt", adapterNames: ["Ethernet"], allowManagementOS: false },
        };
        const result = await stack.run("preview");
        expect(result.ok).to.equal(false);
        expect(reasonsAt(result, "allowManagementOS")).to.match(
            /192\.168\.50\.10 on "Ethernet", from host\.address.*confirmManagementCutoff to "ext-mgmt"/,
        );
    });

    it("turns management access off on another adapter", async () => {
        stack.bindings = {
            lan: { switchName: "ext-lan", adapterNames: ["Ethernet 2"], allowManagementOS: false },
        };
        const result = await stack.run("up");
        expect(result.ok, result.log).to.equal(true);
        expect(opsOf(result, "lan")).to.deep.equal(["update"]);
        const state = await readHostState(statePath);
        expect(
            state.vmSwitches.find((candidate) => candidate.name === "ext-lan")?.allowManagementOS,
        ).to.equal(false);
        expect(switchesOf(result).lan.allowManagementOS).to.equal(false);
    });

    it("leaves the host as seeded on destroy", async () => {
        const result = await stack.run("destroy");
        expect(result.ok, result.log).to.equal(true);
        expect(networkingOf(await readHostState(statePath))).to.deep.equal(seeded);
    });
});

describe("VSwitchBinding adoption on a simulated ws2022 host", function () {
    this.timeout(300_000);
    let statePath: string;
    let stack: BindingStack;

    before(async () => {
        const target = await simulatedTarget("ws2022");
        statePath = target.statePath;
        stack = new BindingStack(target.host.name, target.host.docker.url, MANAGEMENT_ADDRESS);
        await createExternalSwitchOutOfBand(statePath, { name: "oob", adapterName: "Ethernet 2" });
    });

    after(async () => {
        await stack?.dispose();
    });

    it("rejects the existing switch without adopt", async () => {
        stack.bindings = { oob: { switchName: "oob", adapterNames: ["Ethernet 2"] } };
        const result = await stack.run("preview");
        expect(result.ok).to.equal(false);
        expect(reasonsAt(result, "switchName")).to.match(/"oob" already exists .*set adopt: true/);
    });

    it("lists the differences of a mismatched switch", async () => {
        stack.bindings = {
            oob: { switchName: "oob", adapterNames: ["Ethernet 2"], adopt: true, allowManagementOS: false },
        };
        const result = await stack.run("preview");
        expect(result.ok).to.equal(false);
        expect(reasonsAt(result, "adopt")).to.match(/AllowManagementOS is true, not false/);
    });

    it("adopts the switch and makes Docker see it", async () => {
        const before = await readHostState(statePath);
        expect(before.dockerNetworks.map((network) => network.name)).not.to.include("oob");
        stack.bindings = { oob: { switchName: "oob", adapterNames: ["Ethernet 2"], adopt: true } };
        const result = await stack.run("up");
        expect(result.ok, result.log).to.equal(true);
        const outputs = switchesOf(result).oob;
        expect(outputs.adopted).to.equal(true);
        expect(outputs.dockerNetworkName).to.equal("oob");
        const after = await readHostState(statePath);
        expect(after.dockerNetworks.find((network) => network.name === "oob")?.driver).to.equal(
            "transparent",
        );
        expect(outputs.switchId).to.equal(
            before.vmSwitches.find((candidate) => candidate.name === "oob")?.id,
        );
    });

    it("releases the adopted switch on destroy", async () => {
        const result = await stack.run("destroy");
        expect(result.ok, result.log).to.equal(true);
        const state = await readHostState(statePath);
        expect(state.vmSwitches.map((vmSwitch) => vmSwitch.name)).to.include("oob");
    });
});

// A run killed between New-VMSwitch and saving the state leaves a switch with the binding's
// marker that the stack does not record; creating that switch out of band gives the same host.
describe("VSwitchBinding after an interrupted create", function () {
    this.timeout(300_000);
    let statePath: string;
    let stack: BindingStack;
    let seeded: Record<string, unknown>;

    before(async () => {
        const target = await simulatedTarget("ws2022");
        statePath = target.statePath;
        stack = new BindingStack(target.host.name, target.host.docker.url, MANAGEMENT_ADDRESS);
        seeded = networkingOf(await readHostState(statePath));
    });

    after(async () => {
        await stack?.dispose();
    });

    it("takes over its own switch", async () => {
        const left = await createExternalSwitchOutOfBand(statePath, {
            name: "ext-lan",
            adapterName: "Ethernet 2",
            notes: markerOf("lan"),
        });
        stack.bindings = { lan: { switchName: "ext-lan", adapterNames: ["Ethernet 2"] } };
        const result = await stack.run("up");
        expect(result.ok, result.log).to.equal(true);
        expect(opsOf(result, "lan")).to.deep.equal(["create"]);

        const outputs = switchesOf(result).lan;
        expect(outputs.switchId).to.equal(left.id);
        expect(outputs.adopted).to.equal(false);
        expect(outputs.dockerNetworkName).to.equal("ext-lan");
        const state = await readHostState(statePath);
        expect(state.vmSwitches.filter((vmSwitch) => vmSwitch.name === "ext-lan")).to.have.length(1);
        const network = state.dockerNetworks.find((candidate) => candidate.name === "ext-lan");
        expect(network?.driver).to.equal("transparent");
    });

    it("removes the taken-over switch on destroy", async () => {
        const result = await stack.run("destroy");
        expect(result.ok, result.log).to.equal(true);
        expect(networkingOf(await readHostState(statePath))).to.deep.equal(seeded);
    });

    it("rejects a switch of another stack", async () => {
        await createExternalSwitchOutOfBand(statePath, {
            name: "ext-lan",
            adapterName: "Ethernet 2",
            notes: markerOf("lan", "staging"),
        });
        stack.bindings = { lan: { switchName: "ext-lan", adapterNames: ["Ethernet 2"] } };
        const result = await stack.run("up");
        expect(result.ok).to.equal(false);
        expect(reasonsAt(result, "switchName")).to.match(
            /"ext-lan" already exists .* managed by pulumi-wcn for wcn-e2e\/staging\/lan/,
        );
        const state = await readHostState(statePath);
        const kept = state.vmSwitches.find((vmSwitch) => vmSwitch.name === "ext-lan");
        expect(kept?.notes).to.equal(markerOf("lan", "staging"));

        stack.bindings = {};
        await updateHostState(statePath, (host) =>
            removeVmSwitches(
                host,
                host.vmSwitches.filter((vmSwitch) => vmSwitch.id === kept?.id),
            ),
        );
        expect(networkingOf(await readHostState(statePath))).to.deep.equal(seeded);
    });

    it("keeps another stack's adopted switch on destroy", async () => {
        const other = await createExternalSwitchOutOfBand(statePath, {
            name: "ext-lan",
            adapterName: "Ethernet 2",
            notes: markerOf("lan", "staging"),
        });
        const adopting = { switchName: "ext-lan", adapterNames: ["Ethernet 2"], adopt: true };
        stack.bindings = { lan: { ...adopting, removeAdoptedOnDelete: true } };
        const rejected = await stack.run("preview");
        expect(rejected.ok).to.equal(false);
        expect(reasonsAt(rejected, "removeAdoptedOnDelete")).to.match(
            /managed by pulumi-wcn for wcn-e2e\/staging\/lan/,
        );

        stack.bindings = { lan: adopting };
        const adopted = await stack.run("up");
        expect(adopted.ok, adopted.log).to.equal(true);
        // Asking for removal later goes through update, so delete checks the marker again.
        stack.bindings = { lan: { ...adopting, removeAdoptedOnDelete: true } };
        expect((await stack.run("up")).ok).to.equal(true);
        const destroyed = await stack.run("destroy");
        expect(destroyed.ok, destroyed.log).to.equal(true);
        const kept = (await readHostState(statePath)).vmSwitches.find((vmSwitch) => vmSwitch.id === other.id);
        expect(kept?.notes).to.equal(markerOf("lan", "staging"));

        stack.bindings = {};
        await updateHostState(statePath, (host) =>
            removeVmSwitches(
                host,
                host.vmSwitches.filter((vmSwitch) => vmSwitch.id === other.id),
            ),
        );
    });
});

describe("VSwitchBinding delete guard on a simulated ws2022 host", function () {
    this.timeout(300_000);
    let statePath: string;
    let stack: BindingStack;
    let target: Awaited<ReturnType<typeof simulatedTarget>>;

    before(async () => {
        target = await simulatedTarget("ws2022");
        statePath = target.statePath;
        stack = new BindingStack(target.host.name, target.host.docker.url, MANAGEMENT_ADDRESS);
    });

    after(async () => {
        await stack?.dispose();
    });

    it("rejects destroy with an outside network", async () => {
        stack.bindings = { lan: { switchName: "ext-lan", adapterNames: ["Ethernet 2"] } };
        const up = await stack.run("up");
        expect(up.ok, up.log).to.equal(true);
        const outside = await target.docker.createNetwork({
            Name: "outside",
            Driver: "transparent",
            IPAM: { Config: [{ Subnet: LAN.subnet, Gateway: LAN.gateway }] },
            Options: { "com.docker.network.windowsshim.interface": "Ethernet 2" },
        });

        const destroy = await stack.run("destroy");
        expect(destroy.ok).to.equal(false);
        expect(failureText(destroy)).to.match(/switch "ext-lan" .* still carries Docker networks "outside"/);
        const state = await readHostState(statePath);
        expect(state.dockerNetworks.map((network) => network.name)).to.include("outside");
        expect(state.vmSwitches.map((vmSwitch) => vmSwitch.name)).to.include("ext-lan");

        await outside.remove();
    });

    it("rejects removing a binding in use", async () => {
        stack.bindings = { lan: { switchName: "ext-lan", adapterNames: ["Ethernet 2"] } };
        stack.networks = { app: { ...LAN, binding: "lan" } };
        const up = await stack.run("up");
        expect(up.ok, up.log).to.equal(true);

        stack.bindings = {};
        stack.networks = { app: { ...LAN, adapterName: "Ethernet 2" } };
        const removal = await stack.run("up");
        expect(removal.ok).to.equal(false);
        expect(failureText(removal)).to.match(/switch "ext-lan" .* still carries Docker networks "app"/);
        const state = await readHostState(statePath);
        expect(state.dockerNetworks.map((network) => network.name)).to.include("app");
        expect(state.vmSwitches.map((vmSwitch) => vmSwitch.name)).to.include("ext-lan");
    });

    it("removes the switch once its network is gone", async () => {
        stack.bindings = { lan: { switchName: "ext-lan", adapterNames: ["Ethernet 2"] } };
        stack.networks = {};
        const up = await stack.run("up");
        expect(up.ok, up.log).to.equal(true);
        const result = await stack.run("destroy");
        expect(result.ok, result.log).to.equal(true);
        const state = await readHostState(statePath);
        expect(state.dockerNetworks.map((network) => network.name)).not.to.include("app");
        expect(state.vmSwitches.map((vmSwitch) => vmSwitch.name)).not.to.include("ext-lan");
    });
});

describe("VSwitchBinding replacement on a simulated ws2022 host", function () {
    this.timeout(300_000);
    let statePath: string;
    let stack: BindingStack;

    before(async () => {
        const target = await simulatedTarget("ws2022");
        statePath = target.statePath;
        stack = new BindingStack(target.host.name, target.host.docker.url, MANAGEMENT_ADDRESS);
        stack.bindings = { lan: { switchName: "ext-lan", adapterNames: ["Ethernet 2"] } };
        const result = await stack.run("up");
        expect(result.ok, result.log).to.equal(true);
    });

    after(async () => {
        await stack?.dispose();
    });

    it("replaces the switch for new adapters", async () => {
        const oldId = switchOf(await readHostState(statePath), "ext-lan")?.id;
        stack.bindings = { lan: { switchName: "ext-lan", adapterNames: ["Ethernet"] } };
        const result = await stack.run("up");
        expect(result.ok, result.log).to.equal(true);

        const state = await readHostState(statePath);
        const vmSwitch = switchOf(state, "ext-lan");
        expect(vmSwitch?.id).not.to.equal(oldId);
        expect(state.vmSwitches.map((candidate) => candidate.id)).not.to.include(oldId);
        expect(vmSwitch?.netAdapterNames).to.deep.equal(["Ethernet"]);
        expect(addressesOf(state, "Ethernet 2")).to.deep.equal(["10.20.0.5"]);
        expect(addressesOf(state, "vEthernet (ext-lan)")).to.deep.equal([MANAGEMENT_ADDRESS]);
        expect(dockerSwitchGuid(state, "ext-lan")).to.equal(vmSwitch?.id.toUpperCase());
        const outputs = switchesOf(result).lan;
        expect(outputs.switchId).to.equal(vmSwitch?.id);
        expect(outputs.adapterNames).to.deep.equal(["Ethernet"]);
        expect(outputs.dockerNetworkName).to.equal("ext-lan");
    });

    it("repairs a switch turned Internal by hand", async () => {
        await setSwitch(statePath, "ext-lan", (vmSwitch) => {
            vmSwitch.switchType = "Internal";
            vmSwitch.netAdapterNames = [];
        });
        const gate = await stack.run("preview", { refresh: true, expectNoChanges: true });
        expect(gate.ok).to.equal(false);
        const drift = gate.steps.find((step) => step.name === "lan" && step.op === "drift");
        expect(drift?.diffs).to.include("adapterNames");

        const result = await stack.run("up", { refresh: true });
        expect(result.ok, result.log).to.equal(true);
        const state = await readHostState(statePath);
        const vmSwitch = switchOf(state, "ext-lan");
        expect(vmSwitch?.switchType).to.equal("External");
        expect(vmSwitch?.netAdapterNames).to.deep.equal(["Ethernet"]);
        expect(dockerSwitchGuid(state, "ext-lan")).to.equal(vmSwitch?.id.toUpperCase());
        const after = await stack.run("preview", { refresh: true, expectNoChanges: true });
        expect(after.ok, after.log).to.equal(true);
    });

    it("restarts hns for a re-created switch", async () => {
        await updateHostState(statePath, (state) => {
            removeVmSwitches(state, [switchOf(state, "ext-lan")!]);
        });
        const result = await stack.run("up", { refresh: true });
        expect(result.ok, result.log).to.equal(true);
        expect(opsOf(result, "lan")).to.include("create");
        const state = await readHostState(statePath);
        const vmSwitch = switchOf(state, "ext-lan");
        expect(vmSwitch?.hnsVisible).to.equal(true);
        expect(dockerSwitchGuid(state, "ext-lan")).to.equal(vmSwitch?.id.toUpperCase());
    });
});

describe("VSwitchBinding on a nested host", function () {
    this.timeout(300_000);
    let parentStatePath: string;
    let targetStatePath: string;
    let stack: BindingStack;

    before(async () => {
        const target = await simulatedTarget("ws2022");
        targetStatePath = target.statePath;
        const parent = await simulatedTarget("ws2022");
        parentStatePath = parent.statePath;
        await updateHostState(parentStatePath, (state) => {
            state.virtualMachines = [
                { name: "web-01", networkAdapters: [{ name: "Network Adapter", macAddressSpoofing: "Off" }] },
            ];
        });
        stack = new BindingStack(target.host.name, target.host.docker.url, MANAGEMENT_ADDRESS);
        stack.bindings = {
            lan: {
                switchName: "ext-lan",
                adapterNames: ["Ethernet 2"],
                nestedHost: {
                    parentName: parent.host.name,
                    parentUrl: parent.host.docker.url,
                    vmName: "web-01",
                },
            },
        };
    });

    after(async () => {
        await stack?.dispose();
    });

    it("turns on MAC spoofing on the parent", async () => {
        const result = await stack.run("up");
        expect(result.ok, result.log).to.equal(true);
        const parent = await readHostState(parentStatePath);
        expect(parent.virtualMachines?.[0].networkAdapters[0].macAddressSpoofing).to.equal("On");
    });

    it("removes the new switch when the parent fails", async () => {
        const before = networkingOf(await readHostState(targetStatePath));
        const failing = new BindingStack(stack.hostName, stack.hostUrl, MANAGEMENT_ADDRESS);
        failing.bindings = {
            second: {
                switchName: "ext-second",
                adapterNames: ["Ethernet"],
                nestedHost: { ...stack.bindings.lan.nestedHost!, vmName: "missing-vm" },
            },
        };
        try {
            const result = await failing.run("up");
            expect(result.ok).to.equal(false);
            const text = result.failures.map((failure) => failure.reason).join("\n");
            expect(text).to.match(/VM "missing-vm"/);
            expect(text).to.match(/"ext-second" was removed again/);
            expect(networkingOf(await readHostState(targetStatePath))).to.deep.equal(before);
        } finally {
            fs.rmSync(failing.workDir, { recursive: true, force: true });
        }
    });
});

function switchOf(state: HostState, name: string): HostState["vmSwitches"][number] | undefined {
    return state.vmSwitches.find((candidate) => candidate.name === name);
}

function addressesOf(state: HostState, adapterName: string): string[] {
    const adapter = state.adapters.find((candidate) => candidate.name === adapterName);
    return (adapter?.ipv4Addresses ?? []).map((entry) => entry.address);
}

/** Returns the SwitchGuid of the HNS network behind the Docker network of that name. */
function dockerSwitchGuid(state: HostState, networkName: string): string | null | undefined {
    const network = state.dockerNetworks.find((candidate) => candidate.name === networkName);
    const hnsNetwork = state.hnsNetworks.find((candidate) => candidate.id === network?.hnsNetworkId);
    return hnsNetwork?.switchGuid;
}

/** Changes a switch on the simulated host by hand, as Set-VMSwitch would. */
async function setSwitch(
    statePath: string,
    name: string,
    change: (vmSwitch: HostState["vmSwitches"][number]) => void,
): Promise<void> {
    await updateHostState(statePath, (state) => {
        const vmSwitch = state.vmSwitches.find((candidate) => candidate.name === name);
        if (vmSwitch === undefined) {
            throw new Error(`switch ${name} not found on the simulated host`);
        }
        change(vmSwitch);
    });
}
