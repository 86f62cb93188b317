import { expect } from "chai";
import { startHnsService } from "../../../provider/simulator/daemon";
import type { HostState } from "../../../provider/simulator/model";
import {
    addVirtualMachine,
    createExternalSwitchOutOfBand,
    rebootHost,
    restartNetworkingServices,
    setLingeringSwitchFailures,
} from "../../../provider/simulator/out-of-band";
import { runOperationTwin } from "../../../provider/simulator/powershell/twins";
import type { ProfileName } from "../../../provider/simulator/profiles";
import { seedHostState } from "../../../provider/simulator/seed";
import { findHostStateProblem } from "../../../provider/simulator/state-shape";
import { readHostState } from "../../../provider/simulator/state";
import {
    ethernetPortGuid,
    getVmNetworkAdapters,
    HyperVError,
    newVmSwitch,
    removeVmSwitches,
    setVmNetworkAdapterMacSpoofing,
    setVmSwitchManagementOS,
} from "../../../provider/simulator/vswitch";
import { expectDockerError, type SimulatorFixture, startFixture } from "./helpers";

const OBJECT_EXISTS = "HNS failed with error : The object already exists. ";
const INTERFACE = "com.docker.network.windowsshim.interface";

function adapter(state: HostState, name: string) {
    const found = state.adapters.find((candidate) => candidate.name === name);
    expect(found, `adapter ${name}`).to.not.equal(undefined);
    return found!;
}

/** Runs `action`, which must throw a HyperVError, and returns the error. */
function hyperVError(action: () => unknown): HyperVError {
    try {
        action();
    } catch (error) {
        expect(error).to.be.instanceOf(HyperVError);
        return error as HyperVError;
    }
    throw new Error("expected a HyperVError, but the call succeeded");
}

async function withFixture(
    profile: ProfileName,
    body: (fixture: SimulatorFixture) => Promise<void>,
): Promise<void> {
    const fixture = await startFixture(profile);
    try {
        await body(fixture);
    } finally {
        await fixture.close();
    }
}

describe("simulated Hyper-V switches", function () {
    describe("New-VMSwitch rules", function () {
        it("creates an admin switch hidden from HNS", function () {
            const state = seedHostState("ws2022");
            const vmSwitch = newVmSwitch(state, {
                name: "ext",
                netAdapterNames: ["Ethernet 2"],
                allowManagementOS: true,
                enableEmbeddedTeaming: false,
            });
            expect(vmSwitch.createdBy).to.equal("admin");
            expect(vmSwitch.hnsVisible).to.equal(false);
            expect(vmSwitch.embeddedTeamingEnabled).to.equal(false);
            expect(adapter(state, "Ethernet 2").ipv4Addresses).to.deep.equal([]);
            const vnic = adapter(state, "vEthernet (ext)");
            expect(vnic.ipv4Addresses).to.deep.equal([{ address: "10.20.0.5", prefixLength: 24 }]);
            expect(vnic.macAddress).to.equal(adapter(state, "Ethernet 2").macAddress);
        });

        it("makes a SET team from two adapters", function () {
            const state = seedHostState("ws2022");
            const vmSwitch = newVmSwitch(state, {
                name: "team",
                netAdapterNames: ["Ethernet", "Ethernet 2"],
                allowManagementOS: true,
                enableEmbeddedTeaming: true,
            });
            expect(vmSwitch.netAdapterNames).to.deep.equal(["Ethernet", "Ethernet 2"]);
            expect(vmSwitch.embeddedTeamingEnabled).to.equal(true);
            expect(adapter(state, "vEthernet (team)").ipv4Addresses).to.deep.equal([
                { address: "192.168.50.10", prefixLength: 24 },
            ]);
            // Only the first adapter's configuration moves to the host vNIC.
            expect(adapter(state, "Ethernet 2").ipv4Addresses).to.deep.equal([
                { address: "10.20.0.5", prefixLength: 24 },
            ]);
        });

        it("keeps the Notes it is given", function () {
            const state = seedHostState("ws2022");
            const marked = newVmSwitch(state, {
                name: "ext",
                netAdapterNames: ["Ethernet 2"],
                allowManagementOS: true,
                enableEmbeddedTeaming: false,
                notes: "Managed by pulumi-wcn for infra/prod/lan",
            });
            expect(marked.notes).to.equal("Managed by pulumi-wcn for infra/prod/lan");
            const plain = newVmSwitch(state, {
                name: "plain",
                netAdapterNames: ["Ethernet"],
                allowManagementOS: true,
                enableEmbeddedTeaming: false,
                notes: "",
            });
            expect(plain).not.to.have.property("notes");
            expect(findHostStateProblem(state)).to.equal(undefined);
        });

        it("rejects Notes that are not text in a state file", function () {
            const state = seedHostState("ws2022");
            newVmSwitch(state, {
                name: "ext",
                netAdapterNames: ["Ethernet 2"],
                allowManagementOS: true,
                enableEmbeddedTeaming: false,
            });
            (state.vmSwitches[state.vmSwitches.length - 1] as unknown as Record<string, unknown>).notes = 7;
            expect(findHostStateProblem(state)).to.match(/notes/);
        });

        it("rejects a bound adapter with ObjectInUse", function () {
            const state = seedHostState("ws2022");
            newVmSwitch(state, {
                name: "first",
                netAdapterNames: ["Ethernet 2"],
                allowManagementOS: false,
                enableEmbeddedTeaming: false,
            });
            const before = JSON.stringify(state);
            const error = hyperVError(() =>
                newVmSwitch(state, {
                    name: "second",
                    netAdapterNames: ["Ethernet", "Ethernet 2"],
                    allowManagementOS: true,
                    enableEmbeddedTeaming: true,
                }),
            );
            expect(error.category).to.equal("ResourceBusy");
            expect(error.errorId).to.equal("ObjectInUse");
            expect(error.message).to.equal(
                "Failed while adding virtual Ethernet switch connections.\r\n" +
                    "Network adapter 'Ethernet 2' is already bound to another External Switch 'first'.",
            );
            expect(JSON.stringify(state)).to.equal(before);
        });

        it("rejects Wi-Fi with bind failed 0x80070490", function () {
            const state = seedHostState("ws2022");
            const error = hyperVError(() =>
                newVmSwitch(state, {
                    name: "wifi",
                    netAdapterNames: ["Wi-Fi"],
                    allowManagementOS: true,
                    enableEmbeddedTeaming: false,
                }),
            );
            const guid = ethernetPortGuid(adapter(state, "Wi-Fi"));
            expect(guid).to.match(/^\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}$/);
            expect(error.message).to.equal(
                "Failed while adding virtual Ethernet switch connections.\r\n" +
                    `Ethernet port '${guid}' bind failed: Element not found. (0x80070490).`,
            );
            expect(error.hresult).to.equal(0x80070490);
            expect(error.category).to.equal("ObjectNotFound");
            expect(state.vmSwitches.map((vmSwitch) => vmSwitch.name)).to.deep.equal(["nat"]);
        });

        it("rejects a host vNIC and a missing adapter", function () {
            const state = seedHostState("ws2022");
            newVmSwitch(state, {
                name: "ext",
                netAdapterNames: ["Ethernet 2"],
                allowManagementOS: true,
                enableEmbeddedTeaming: false,
            });
            const vnic = hyperVError(() =>
                newVmSwitch(state, {
                    name: "nested",
                    netAdapterNames: ["vEthernet (ext)"],
                    allowManagementOS: true,
                    enableEmbeddedTeaming: false,
                }),
            );
            expect(vnic.errorId).to.equal("InvalidParameter");
            expect(vnic.hresult).to.equal(0x80070057);
            expect(vnic.message).to.match(/bind failed: The parameter is incorrect\. \(0x80070057\)\.$/);
            const missing = hyperVError(() =>
                newVmSwitch(state, {
                    name: "missing",
                    netAdapterNames: ["Ethernet 9"],
                    allowManagementOS: true,
                    enableEmbeddedTeaming: false,
                }),
            );
            expect(missing.message).to.equal(
                "No MSFT_NetAdapter objects found with property 'Name' equal to 'Ethernet 9'.  Verify the value of the property and retry.",
            );
            expect(missing.category).to.equal("ObjectNotFound");
        });
    });

    describe("Set-VMSwitch and Remove-VMSwitch rules", function () {
        it("management OS off and on round-trips", function () {
            const state = seedHostState("ws2022");
            const vmSwitch = newVmSwitch(state, {
                name: "ext",
                netAdapterNames: ["Ethernet 2"],
                allowManagementOS: true,
                enableEmbeddedTeaming: false,
            });
            const withVnic = JSON.parse(JSON.stringify(state.adapters)) as HostState["adapters"];
            setVmSwitchManagementOS(state, [vmSwitch], false);
            expect(state.adapters.some((candidate) => candidate.name === "vEthernet (ext)")).to.equal(false);
            expect(adapter(state, "Ethernet 2").ipv4Addresses).to.deep.equal([
                { address: "10.20.0.5", prefixLength: 24 },
            ]);
            setVmSwitchManagementOS(state, [vmSwitch], true);
            expect(state.adapters).to.deep.equal(withVnic);
        });

        it("removal restores the adapters", function () {
            const state = seedHostState("ws2022");
            const before = JSON.parse(JSON.stringify(state.adapters)) as HostState["adapters"];
            const vmSwitch = newVmSwitch(state, {
                name: "ext",
                netAdapterNames: ["Ethernet", "Ethernet 2"],
                allowManagementOS: true,
                enableEmbeddedTeaming: true,
            });
            removeVmSwitches(state, [vmSwitch]);
            expect(state.adapters).to.deep.equal(before);
            expect(state.vmSwitches.map((candidate) => candidate.name)).to.deep.equal(["nat"]);
        });

        it("HNS start drops networks of removed switches", function () {
            const state = seedHostState("ws2022");
            const vmSwitch = newVmSwitch(state, {
                name: "ext",
                netAdapterNames: ["Ethernet 2"],
                allowManagementOS: true,
                enableEmbeddedTeaming: false,
            });
            startHnsService(state);
            const network = state.hnsNetworks.find((candidate) => candidate.name === "ext");
            expect(network?.createdForSwitch).to.equal(true);
            expect(network?.networkAdapterName).to.equal("Ethernet 2");
            removeVmSwitches(state, [vmSwitch]);
            expect(state.hnsNetworks.some((candidate) => candidate.name === "ext")).to.equal(true);
            startHnsService(state);
            expect(state.hnsNetworks.some((candidate) => candidate.name === "ext")).to.equal(false);
            expect(state.hnsNetworks.some((candidate) => candidate.name === "nat")).to.equal(true);
        });

        it("HNS start drops networks of a re-created switch", function () {
            const state = seedHostState("ws2022");
            const options = {
                name: "ext",
                netAdapterNames: ["Ethernet 2"],
                allowManagementOS: true,
                enableEmbeddedTeaming: false,
            };
            const first = newVmSwitch(state, options);
            startHnsService(state);
            const stale = state.hnsNetworks.find((candidate) => candidate.name === "ext");
            expect(stale?.switchGuid).to.equal(first.id.toUpperCase());
            removeVmSwitches(state, [first]);
            const second = newVmSwitch(state, options);
            startHnsService(state);
            const networks = state.hnsNetworks.filter((candidate) => candidate.name === "ext");
            expect(networks.map((candidate) => candidate.id)).not.to.include(stale?.id);
            expect(networks.map((candidate) => candidate.switchGuid)).to.deep.equal([
                second.id.toUpperCase(),
            ]);
        });
    });

    describe("virtual machines", function () {
        it("MAC spoofing is set per adapter", function () {
            const state = seedHostState("ws2022");
            state.virtualMachines = [
                {
                    name: "node1",
                    networkAdapters: [
                        { name: "Network Adapter", macAddressSpoofing: "Off" },
                        { name: "Network Adapter 2", macAddressSpoofing: "Off" },
                    ],
                },
            ];
            setVmNetworkAdapterMacSpoofing(
                state,
                [{ vmName: "NODE1", adapterName: "Network Adapter 2" }],
                "On",
            );
            expect(getVmNetworkAdapters(state, ["node1"])).to.deep.equal([
                { Name: "Network Adapter", VMName: "node1", MacAddressSpoofing: "Off" },
                { Name: "Network Adapter 2", VMName: "node1", MacAddressSpoofing: "On" },
            ]);
            const error = hyperVError(() => getVmNetworkAdapters(state, ["node2"]));
            expect(error.message).to.equal('Hyper-V was unable to find a virtual machine with name "node2".');
            expect(error.errorId).to.equal("InvalidParameter");
        });

        it("older state files without VMs are valid", function () {
            const state = seedHostState("ws2022") as unknown as Record<string, unknown>;
            expect("virtualMachines" in state).to.equal(false);
            expect(findHostStateProblem(state)).to.equal(undefined);
            state.virtualMachines = [
                { name: "node1", networkAdapters: [{ name: "a", macAddressSpoofing: "yes" }] },
            ];
            expect(findHostStateProblem(state)).to.equal(
                'virtualMachines[0].networkAdapters[0].macAddressSpoofing is string "yes", expected one of "On", "Off"',
            );
        });

        it("addVirtualMachine rejects a taken name", async function () {
            await withFixture("ws2022", async (fixture) => {
                await addVirtualMachine(fixture.statePath, "node1");
                let message = "";
                try {
                    await addVirtualMachine(fixture.statePath, "Node1");
                } catch (error) {
                    message = (error as Error).message;
                }
                expect(message).to.equal("virtual machine Node1 already exists on the simulated host");
                const state = await readHostState(fixture.statePath);
                expect(state.virtualMachines).to.deep.equal([
                    {
                        name: "node1",
                        networkAdapters: [{ name: "Network Adapter", macAddressSpoofing: "Off" }],
                    },
                ]);
            });
        });
    });

    describe("Docker networks on an out-of-band switch", function () {
        it("a transparent network reuses the switch", async function () {
            await withFixture("ws2022", async (fixture) => {
                const vmSwitch = await createExternalSwitchOutOfBand(fixture.statePath, {
                    name: "prodSwitch",
                    adapterName: "Ethernet 2",
                });
                await restartNetworkingServices(fixture.statePath);
                const network = await fixture.docker.createNetwork({
                    Name: "prod",
                    Driver: "transparent",
                    Options: { [INTERFACE]: "Ethernet 2" },
                });
                const state = await readHostState(fixture.statePath);
                const external = state.vmSwitches.filter((candidate) => candidate.switchType === "External");
                expect(external.map((candidate) => candidate.id)).to.deep.equal([vmSwitch.id]);
                const hnsId = state.dockerNetworks.find(
                    (candidate) => candidate.id === network.id,
                )?.hnsNetworkId;
                const hnsNetwork = state.hnsNetworks.find((candidate) => candidate.id === hnsId);
                expect(hnsNetwork?.switchName).to.equal("prodSwitch");
                expect(hnsNetwork?.createdForSwitch).to.equal(undefined);
            });
        });

        it("host facts print SwitchGuid and SwitchName", async function () {
            await withFixture("ws2022", async (fixture) => {
                const vmSwitch = await createExternalSwitchOutOfBand(fixture.statePath, {
                    name: "prodSwitch",
                    adapterName: "Ethernet 2",
                });
                await restartNetworkingServices(fixture.statePath);
                const facts = await runOperationTwin(fixture.statePath, "get-host-facts", {});
                const printed = (facts.hnsNetworks as Record<string, unknown>[]).find(
                    (network) => network.Name === "prodSwitch",
                );
                expect(printed?.SwitchGuid).to.equal(vmSwitch.id.toUpperCase());
                expect(printed?.SwitchName).to.equal("prodSwitch");
                const nat = (facts.hnsNetworks as Record<string, unknown>[]).find(
                    (network) => network.Type === "nat",
                );
                const state = await readHostState(fixture.statePath);
                const natSwitch = state.vmSwitches.find((candidate) => candidate.name === "nat");
                expect(nat?.SwitchGuid).to.equal(natSwitch?.id.toUpperCase());
                expect(nat?.SwitchName).to.equal("nat");
            });
        });

        it("host facts and new-vswitch print Notes", async function () {
            await withFixture("ws2022", async (fixture) => {
                await createExternalSwitchOutOfBand(fixture.statePath, {
                    name: "marked",
                    adapterName: "Ethernet 2",
                    notes: "Managed by pulumi-wcn for infra/prod/lan",
                });
                const created = await runOperationTwin(fixture.statePath, "new-vswitch", {
                    name: "plain",
                    adapterNames: ["Ethernet"],
                    allowManagementOS: true,
                });
                expect(created.switch.Notes).to.equal("");
                const facts = await runOperationTwin(fixture.statePath, "get-host-facts", {});
                const notesOf = (name: string) =>
                    facts.vmSwitches.find((vmSwitch) => vmSwitch.Name === name)?.Notes;
                expect(notesOf("marked")).to.equal("Managed by pulumi-wcn for infra/prod/lan");
                expect(notesOf("plain")).to.equal("");
            });
        });

        it("a second user network fails", async function () {
            await withFixture("ws2022", async (fixture) => {
                await createExternalSwitchOutOfBand(fixture.statePath, {
                    name: "prodSwitch",
                    adapterName: "Ethernet 2",
                });
                await restartNetworkingServices(fixture.statePath);
                const first = await fixture.docker.createNetwork({
                    Name: "prod",
                    Driver: "transparent",
                    Options: { [INTERFACE]: "Ethernet 2" },
                });
                await expectDockerError(
                    fixture.docker.createNetwork({
                        Name: "prod2",
                        Driver: "l2bridge",
                        IPAM: { Config: [{ Subnet: "10.20.0.0/24", Gateway: "10.20.0.1" }] },
                        Options: { [INTERFACE]: "Ethernet 2" },
                    }),
                    500,
                    OBJECT_EXISTS,
                );
                await first.remove();
                const state = await readHostState(fixture.statePath);
                expect(state.vmSwitches.map((candidate) => candidate.name)).to.include("prodSwitch");
                expect(state.hnsNetworks.map((candidate) => candidate.name)).to.include("prodSwitch");
                expect(state.dockerNetworks.map((candidate) => candidate.name)).to.include("prodSwitch");
            });
        });

        it("removal leaves the host as it was", async function () {
            await withFixture("ws2022", async (fixture) => {
                const snapshot = (state: HostState) => ({
                    adapters: state.adapters,
                    vmSwitches: state.vmSwitches,
                    hnsNetworks: state.hnsNetworks,
                    dockerNetworks: state.dockerNetworks.map((network) => [network.id, network.name]),
                });
                const before = snapshot(await readHostState(fixture.statePath));
                const created = await runOperationTwin(fixture.statePath, "new-vswitch", {
                    name: "prodSwitch",
                    adapterNames: ["Ethernet 2"],
                    allowManagementOS: true,
                });
                await restartNetworkingServices(fixture.statePath);
                const network = await fixture.docker.createNetwork({
                    Name: "prod",
                    Driver: "transparent",
                    Options: { [INTERFACE]: "Ethernet 2" },
                });
                await network.remove();
                const adopted = await readHostState(fixture.statePath);
                expect(adopted.dockerNetworks.map((candidate) => candidate.name)).to.include("prodSwitch");
                const removal = await runOperationTwin(fixture.statePath, "remove-vswitch", {
                    name: "prodSwitch",
                    id: created.switch.Id,
                    removeSwitchNetworks: true,
                });
                expect(removal.removed).to.equal(true);
                expect(removal.removedHnsNetworks).to.have.length(1);
                await restartNetworkingServices(fixture.statePath);
                const after = snapshot(await readHostState(fixture.statePath));
                expect(after.adapters).to.deep.equal(before.adapters);
                expect(after.vmSwitches).to.deep.equal(before.vmSwitches);
                expect(after.hnsNetworks).to.deep.equal(before.hnsNetworks);
                expect(after.dockerNetworks).to.deep.equal(before.dockerNetworks);
            });
        });
    });

    describe("lingering switch after removal", function () {
        async function createTransparent(fixture: SimulatorFixture, name: string) {
            return fixture.docker.createNetwork({
                Name: name,
                Driver: "transparent",
                Options: { [INTERFACE]: "Ethernet" },
            });
        }

        it("fails the next creates, then recovers", async function () {
            await withFixture("ws2016", async (fixture) => {
                await setLingeringSwitchFailures(fixture.statePath, "Ethernet", 2);
                // No removal yet, so the first create works.
                const first = await createTransparent(fixture, "t1");
                await first.remove();
                await expectDockerError(createTransparent(fixture, "t2"), 500, OBJECT_EXISTS);
                await expectDockerError(createTransparent(fixture, "t2"), 500, OBJECT_EXISTS);
                const third = await createTransparent(fixture, "t2");
                const state = await readHostState(fixture.statePath);
                expect(state.hnsFaults?.lingeringSwitches).to.deep.equal([
                    { adapterName: "Ethernet", failuresPerRemoval: 2, remainingFailures: 0 },
                ]);
                expect(state.dockerNetworks.map((network) => network.name)).to.include("t2");
                await third.remove();
                await expectDockerError(createTransparent(fixture, "t3"), 500, OBJECT_EXISTS);
            });
        });

        it("a reboot clears pending failures", async function () {
            await withFixture("ws2022", async (fixture) => {
                await setLingeringSwitchFailures(fixture.statePath, "Ethernet", 5);
                const network = await createTransparent(fixture, "t1");
                await network.remove();
                await expectDockerError(createTransparent(fixture, "t1"), 500, OBJECT_EXISTS);
                await rebootHost(fixture.statePath);
                await createTransparent(fixture, "t1");
            });
        });

        it("zero failures turns the fault off", async function () {
            await withFixture("ws2022", async (fixture) => {
                await setLingeringSwitchFailures(fixture.statePath, "Ethernet", 3);
                await setLingeringSwitchFailures(fixture.statePath, "Ethernet", 0);
                const network = await createTransparent(fixture, "t1");
                await network.remove();
                await createTransparent(fixture, "t1");
                const state = await readHostState(fixture.statePath);
                expect(state.hnsFaults?.lingeringSwitches).to.deep.equal([]);
            });
        });
    });
});
