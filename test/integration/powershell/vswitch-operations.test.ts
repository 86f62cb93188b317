// The vSwitch and VM operation scripts run in pwsh against the simulated Hyper-V cmdlets. Each
// step's result is compared with its TypeScript twin on a copy of the same host. The tests then
// check the host changes (host vNICs, addresses, HNS and Docker networks) on the state.

import { expect } from "chai";
import { copyFileSync } from "node:fs";
import type { LocalPowerShellRunner } from "../../../provider/powershell/localRunner";
import { OperationError, runOperation } from "../../../provider/powershell/operation";
import type { OperationInput, OperationName, OperationResult } from "../../../provider/powershell/operations";
import type { HostState } from "../../../provider/simulator/model";
import { addHostAdapter, addVirtualMachine } from "../../../provider/simulator/out-of-band";
import { runOperationTwin } from "../../../provider/simulator/powershell/twins";
import type { ProfileName } from "../../../provider/simulator/profiles";
import { readHostState } from "../../../provider/simulator/state";
import { requireOrSkip } from "../../support/components";
import { findPwsh } from "../../unit/powershell/pwsh";
import { createSimulatedHost, createSimulatedRunner, type SimulatedHost } from "./simulated-host";

const MISSING_ID = "00000000-0000-0000-0000-000000000000";
const EXT1_NOTES = "Managed by pulumi-wcn for infra/prod/ext1";

type Outcome = { result: unknown } | { error: Record<string, unknown> };

async function outcomeOf(action: () => Promise<unknown>): Promise<Outcome> {
    try {
        return { result: await action() };
    } catch (error) {
        if (!OperationError.isInstance(error)) {
            throw error;
        }
        return {
            error: {
                message: error.message,
                category: error.category,
                hresult: error.hresult,
                win32Code: error.win32Code,
                fullyQualifiedErrorId: error.fullyQualifiedErrorId,
                exceptionType: error.exceptionType,
            },
        };
    }
}

/** Id of the switch named `name` on the host, or the all-zero GUID when there is none. */
function switchId(state: HostState, name: string): string {
    return state.vmSwitches.find((vmSwitch) => vmSwitch.name === name)?.id ?? MISSING_ID;
}

/**
 * Placeholders for the ids each host gives its switches and HNS networks: every id seen so far is
 * replaced by the object's kind and name, so two hosts with different random ids compare equal.
 */
class IdNames {
    private readonly names = new Map<string, string>();

    record(state: HostState): void {
        for (const vmSwitch of state.vmSwitches) {
            this.names.set(vmSwitch.id.toLowerCase(), `<switch ${vmSwitch.name}>`);
        }
        for (const network of state.hnsNetworks) {
            this.names.set(network.id.toLowerCase(), `<hns ${network.name}>`);
        }
        for (const network of state.dockerNetworks) {
            this.names.set(network.id.toLowerCase(), `<docker ${network.name}>`);
        }
    }

    normalize(outcome: Outcome, folder: string): unknown {
        let text = JSON.stringify(outcome).split(folder).join("<folder>");
        for (const [id, name] of this.names) {
            text = text.replace(new RegExp(id, "gi"), name);
        }
        const value = JSON.parse(text) as { result?: Record<string, unknown> };
        if (value.result !== undefined && value.result !== null && typeof value.result === "object") {
            for (const key of ["powershell", "waitedMs"]) {
                if (key in value.result) {
                    value.result[key] = `<${key}>`;
                }
            }
        }
        return value;
    }
}

/** A step: operation, input built from the host's state (for ids), and whether it fails. */
interface Step {
    name: OperationName;
    input: (state: HostState) => unknown;
    fails: boolean;
}

function step<Name extends OperationName>(
    name: Name,
    input: OperationInput<Name> | ((state: HostState) => OperationInput<Name>),
    fails = false,
): Step {
    return { name, input: typeof input === "function" ? input : () => input, fails };
}

const STEPS: Step[] = [
    step("new-vswitch", {
        name: "ext1",
        adapterNames: ["Ethernet 2"],
        allowManagementOS: true,
        notes: EXT1_NOTES,
    }),
    step("get-host-facts", {}),
    step("new-vswitch", { name: "ext2", adapterNames: ["Ethernet 2"], allowManagementOS: true }, true),
    step("new-vswitch", { name: "wifi", adapterNames: ["Wi-Fi"], allowManagementOS: true }, true),
    step("new-vswitch", { name: "vnic", adapterNames: ["vEthernet (ext1)"], allowManagementOS: true }, true),
    step("new-vswitch", { name: "missing", adapterNames: ["Ethernet 9"], allowManagementOS: true }, true),
    step("new-vswitch", { name: "", adapterNames: ["Ethernet"], allowManagementOS: true }, true),
    step("new-vswitch", { name: "team", adapterNames: ["Ethernet", "Ethernet 3"], allowManagementOS: false }),
    step("set-vswitch", (state) => ({ name: "ext1", id: switchId(state, "ext1"), allowManagementOS: false })),
    step("set-vswitch", (state) => ({ name: "ext1", id: switchId(state, "ext1"), allowManagementOS: false })),
    step("set-vswitch", { name: "ext1", id: MISSING_ID, allowManagementOS: true }, true),
    step("set-vswitch", { name: "nothing", id: MISSING_ID, allowManagementOS: true }, true),
    step("set-vswitch", (state) => ({ name: "ext1", id: switchId(state, "ext1"), allowManagementOS: true })),
    step("get-host-facts", {}),
    step("restart-container-services", { timeoutSeconds: 20 }),
    step("get-host-facts", {}),
    step("remove-vswitch", { name: "ext1", id: MISSING_ID, removeSwitchNetworks: true }, true),
    step("remove-vswitch", (state) => ({
        name: "ext1",
        id: switchId(state, "ext1"),
        removeSwitchNetworks: true,
    })),
    step("remove-vswitch", (state) => ({
        name: "ext1",
        id: switchId(state, "ext1"),
        removeSwitchNetworks: true,
    })),
    step("remove-vswitch", (state) => ({
        name: "team",
        id: switchId(state, "team"),
        removeSwitchNetworks: false,
    })),
    step("set-vm-mac-spoofing", { vmName: "node1", enabled: true }),
    step("set-vm-mac-spoofing", { vmName: "node1", enabled: true }),
    step("set-vm-mac-spoofing", { vmName: "node1", enabled: false }),
    step("set-vm-mac-spoofing", { vmName: "absent", enabled: true }, true),
    step("restart-container-services", { timeoutSeconds: 20 }),
    step("get-host-facts", {}),
];

/** Adds a third wired adapter and a VM with two adapters, so teaming and MAC spoofing can be tested. */
async function prepareHost(host: SimulatedHost): Promise<void> {
    await addHostAdapter(host.statePath, {
        name: "Ethernet 3",
        interfaceDescription: "Intel(R) Ethernet Connection X722 for 10GbE SFP+ #3",
        ifIndex: 8,
        macAddress: "00-00-5E-00-53-04",
        kind: "physical",
        physicalMediaType: "802.3",
        status: "Up",
        ipv4Addresses: [{ address: "10.30.0.5", prefixLength: 24 }],
    });
    await addVirtualMachine(host.statePath, "node1", [
        { name: "Network Adapter", macAddressSpoofing: "Off" },
        { name: "Network Adapter 2", macAddressSpoofing: "On" },
    ]);
}

describe("vSwitch operations", function () {
    this.timeout(240_000);
    let pwsh: string;

    before(function () {
        const found = findPwsh();
        requireOrSkip(
            this,
            "pwsh",
            found !== undefined,
            "install it with: dotnet tool install --global PowerShell --version 7.6.10",
        );
        pwsh = found as string;
    });

    for (const profile of ["ws2022", "ws2016"] as ProfileName[]) {
        describe(profile, function () {
            let scriptHost: SimulatedHost;
            let twinHost: SimulatedHost;
            let runner: LocalPowerShellRunner;
            const outcomes: Outcome[] = [];
            const states: HostState[] = [];

            before(async function () {
                scriptHost = await createSimulatedHost(profile);
                await prepareHost(scriptHost);
                twinHost = await createSimulatedHost(profile);
                copyFileSync(scriptHost.statePath, twinHost.statePath);
                runner = createSimulatedRunner(pwsh, scriptHost);

                const scriptIds = new IdNames();
                const twinIds = new IdNames();
                for (const [index, { name, input, fails }] of STEPS.entries()) {
                    const scriptBefore = await readHostState(scriptHost.statePath);
                    const twinBefore = await readHostState(twinHost.statePath);
                    scriptIds.record(scriptBefore);
                    twinIds.record(twinBefore);
                    const fromScript = await outcomeOf(() =>
                        runOperation(runner, name, input(scriptBefore) as never, { timeoutMs: 60_000 }),
                    );
                    const fromTwin = await outcomeOf(() =>
                        runOperationTwin(twinHost.statePath, name, input(twinBefore) as never),
                    );
                    scriptIds.record(await readHostState(scriptHost.statePath));
                    twinIds.record(await readHostState(twinHost.statePath));
                    const label = `step ${index} ${name}`;
                    expect("error" in fromScript, `${label} failed: ${JSON.stringify(fromScript)}`).to.equal(
                        fails,
                    );
                    expect(twinIds.normalize(fromTwin, twinHost.folder), label).to.deep.equal(
                        scriptIds.normalize(fromScript, scriptHost.folder),
                    );
                    outcomes.push(fromScript);
                    states.push(await readHostState(scriptHost.statePath));
                }
            });

            after(async function () {
                await runner?.dispose();
                scriptHost?.remove();
                twinHost?.remove();
            });

            function resultOf<Name extends OperationName>(index: number, name: Name): OperationResult<Name> {
                expect(STEPS[index].name).to.equal(name);
                const outcome = outcomes[index];
                expect("result" in outcome, `step ${index} succeeded`).to.equal(true);
                return (outcome as { result: OperationResult<Name> }).result;
            }

            function errorOf(index: number): Record<string, unknown> {
                const outcome = outcomes[index];
                expect("error" in outcome, `step ${index} failed`).to.equal(true);
                return (outcome as { error: Record<string, unknown> }).error;
            }

            it("new-vswitch moves the address to the host vNIC", function () {
                const created = resultOf(0, "new-vswitch").switch;
                expect(created.Name).to.equal("ext1");
                expect(created.SwitchType).to.equal("External");
                expect(created.AllowManagementOS).to.equal(true);
                expect(created.EmbeddedTeamingEnabled).to.equal(false);
                expect(created.Id).to.equal(switchId(states[0], "ext1").toLowerCase());
                const facts = resultOf(1, "get-host-facts");
                const addresses = facts.ipAddresses.filter((row) => row.IPAddress === "10.20.0.5");
                expect(addresses.map((row) => row.InterfaceAlias)).to.deep.equal(["vEthernet (ext1)"]);
                const vmSwitch = states[0].vmSwitches.find((candidate) => candidate.name === "ext1");
                expect(vmSwitch?.createdBy).to.equal("admin");
                expect(vmSwitch?.notes).to.equal(EXT1_NOTES);
                expect(vmSwitch?.hnsVisible).to.equal(false);
            });

            it("new-vswitch reports Hyper-V's errors", function () {
                const inUse = errorOf(2);
                expect(inUse.message).to.match(/already bound to another External Switch 'ext1'/);
                expect(inUse.category).to.equal("ResourceBusy");
                expect(inUse.fullyQualifiedErrorId).to.match(
                    /^ObjectInUse,Microsoft\.HyperV\.PowerShell\.Commands\.NewVMSwitch/,
                );
                expect(inUse.exceptionType).to.equal("Microsoft.HyperV.PowerShell.VirtualizationException");

                const wifi = errorOf(3);
                expect(wifi.message).to.match(
                    /Ethernet port '\{[0-9A-F-]{36}\}' bind failed: Element not found\. \(0x80070490\)\.$/,
                );
                expect(wifi.hresult).to.equal("0x80070490");
                expect(wifi.win32Code).to.equal(0x490);
                expect(wifi.category).to.equal("ObjectNotFound");

                const vnic = errorOf(4);
                expect(vnic.message).to.match(/bind failed: The parameter is incorrect\. \(0x80070057\)\.$/);
                expect(vnic.win32Code).to.equal(87);
                expect(vnic.fullyQualifiedErrorId).to.match(/^InvalidParameter,/);

                const missing = errorOf(5);
                expect(missing.message).to.match(
                    /No MSFT_NetAdapter objects found with property 'Name' equal to 'Ethernet 9'/,
                );
                expect(missing.category).to.equal("ObjectNotFound");

                expect(errorOf(6).message).to.match(/needs the switch name in name/);
                // None of the failed creates changed the host.
                expect(states[6].vmSwitches).to.deep.equal(states[1].vmSwitches);
                expect(states[6].adapters).to.deep.equal(states[1].adapters);
            });

            it("new-vswitch writes Notes that host facts print", function () {
                expect(resultOf(0, "new-vswitch").switch.Notes).to.equal(EXT1_NOTES);
                expect(resultOf(7, "new-vswitch").switch.Notes).to.equal("");
                const facts = resultOf(13, "get-host-facts");
                const notesOf = (name: string) =>
                    facts.vmSwitches.find((vmSwitch) => vmSwitch.Name === name)?.Notes;
                expect(notesOf("ext1")).to.equal(EXT1_NOTES);
                expect(notesOf("team")).to.equal("");
            });

            it("new-vswitch with two adapters makes a SET team", function () {
                const team = resultOf(7, "new-vswitch").switch;
                expect(team.EmbeddedTeamingEnabled).to.equal(true);
                expect(team.AllowManagementOS).to.equal(false);
                expect(team.NetAdapterInterfaceDescriptions).to.have.length(2);
                const names = states[7].vmSwitches.find(
                    (vmSwitch) => vmSwitch.name === "team",
                )?.netAdapterNames;
                expect(names).to.deep.equal(["Ethernet", "Ethernet 3"]);
                expect(states[7].adapters.some((adapter) => adapter.name === "vEthernet (team)")).to.equal(
                    false,
                );
            });

            it("set-vswitch toggles management OS access", function () {
                expect(resultOf(8, "set-vswitch").switch.AllowManagementOS).to.equal(false);
                const adapter = (state: HostState, name: string) =>
                    state.adapters.find((candidate) => candidate.name === name);
                expect(adapter(states[8], "vEthernet (ext1)")).to.equal(undefined);
                expect(adapter(states[8], "Ethernet 2")?.ipv4Addresses).to.deep.equal([
                    { address: "10.20.0.5", prefixLength: 24 },
                ]);
                expect(states[9]).to.deep.equal(states[8]);
                expect(resultOf(12, "set-vswitch").switch.AllowManagementOS).to.equal(true);
                expect(adapter(states[12], "vEthernet (ext1)")?.ipv4Addresses).to.deep.equal([
                    { address: "10.20.0.5", prefixLength: 24 },
                ]);
                expect(adapter(states[12], "Ethernet 2")?.ipv4Addresses).to.deep.equal([]);
            });

            it("set-vswitch checks the id first", function () {
                const mismatch = errorOf(10);
                expect(mismatch.fullyQualifiedErrorId).to.equal("VSwitchIdMismatch");
                expect(mismatch.message).to.match(/has id [0-9a-f-]{36}, not 0{8}-/);
                expect(states[10]).to.deep.equal(states[9]);
                expect(errorOf(11).fullyQualifiedErrorId).to.equal("VSwitchNotFound");
            });

            it("restart makes the switch visible to Docker", function () {
                const network = states[14].hnsNetworks.find((candidate) => candidate.name === "ext1");
                expect(network?.type).to.equal("transparent");
                expect(network?.createdForSwitch).to.equal(true);
                const adopted = states[14].dockerNetworks.find((candidate) => candidate.name === "ext1");
                expect(adopted?.driver).to.equal("transparent");
            });

            it("remove-vswitch removes the switch network", function () {
                expect(errorOf(16).fullyQualifiedErrorId).to.equal("VSwitchIdMismatch");
                const removed = resultOf(17, "remove-vswitch");
                const hnsId = states[15].hnsNetworks.find((candidate) => candidate.name === "ext1")?.id;
                expect(removed).to.deep.equal({ removed: true, removedHnsNetworks: [hnsId] });
                expect(states[17].vmSwitches.map((vmSwitch) => vmSwitch.name)).to.not.include("ext1");
                expect(states[17].hnsNetworks.map((network) => network.name)).to.not.include("ext1");
                const ethernet2 = states[17].adapters.find((adapter) => adapter.name === "Ethernet 2");
                expect(ethernet2?.ipv4Addresses).to.deep.equal([{ address: "10.20.0.5", prefixLength: 24 }]);
                expect(resultOf(18, "remove-vswitch")).to.deep.equal({
                    removed: false,
                    removedHnsNetworks: [],
                });
                expect(resultOf(19, "remove-vswitch")).to.deep.equal({
                    removed: true,
                    removedHnsNetworks: [],
                });
            });

            it("set-vm-mac-spoofing changes only what differs", function () {
                expect(resultOf(20, "set-vm-mac-spoofing")).to.deep.equal({
                    adapters: [
                        { Name: "Network Adapter", VMName: "node1", MacAddressSpoofing: "On" },
                        { Name: "Network Adapter 2", VMName: "node1", MacAddressSpoofing: "On" },
                    ],
                    changed: true,
                });
                expect(resultOf(21, "set-vm-mac-spoofing").changed).to.equal(false);
                const off = resultOf(22, "set-vm-mac-spoofing");
                expect(off.changed).to.equal(true);
                expect(off.adapters.map((adapter) => adapter.MacAddressSpoofing)).to.deep.equal([
                    "Off",
                    "Off",
                ]);
                const absent = errorOf(23);
                expect(absent.message).to.match(
                    /Hyper-V was unable to find a virtual machine with name "absent"\./,
                );
                expect(absent.fullyQualifiedErrorId).to.match(/^InvalidParameter,/);
            });

            it("docker drops the adopted network after removal", function () {
                const names = states[24].dockerNetworks.map((network) => network.name);
                expect(names).to.not.include("ext1");
                expect(states[24].services.docker.status).to.equal("Running");
            });
        });
    }
});
