import { createHash } from "node:crypto";
import type { HostAdapter, HostState, VirtualMachine, VmNetworkAdapter, VmSwitch } from "./model";
import { createExternalSwitch, findAdapter, removeSwitch, setManagementOS, switchBoundTo } from "./switches";

/**
 * Hyper-V switch and virtual machine rules of the simulated host, shared by the simulated cmdlets
 * (through vswitch-cli.js) and the operation twins. Failures are HyperVError values that carry
 * what the Windows cmdlet's error record carries.
 */

/** Exception type of Hyper-V cmdlet errors on Windows. */
export const VIRTUALIZATION_EXCEPTION = "Microsoft.HyperV.PowerShell.VirtualizationException";

/** HRESULT a .NET exception has when its code is not set (COR_E_EXCEPTION). */
const COR_E_EXCEPTION = 0x80131500;

/** A Hyper-V cmdlet failure: the message, error category, error id and HRESULT of its ErrorRecord. */
export class HyperVError extends Error {
    override readonly name = "HyperVError";

    constructor(
        message: string,
        readonly category: string,
        /** First part of the FullyQualifiedErrorId, such as `ObjectInUse`. */
        readonly errorId: string,
        readonly hresult: number = COR_E_EXCEPTION,
    ) {
        super(message);
    }

    /** Returns the fields vswitch-cli.js prints, from which the simulated cmdlet rebuilds the error. */
    toJSON(): HyperVErrorJson {
        return {
            message: this.message,
            category: this.category,
            errorId: this.errorId,
            hresult: this.hresult,
        };
    }
}

export interface HyperVErrorJson {
    message: string;
    category: string;
    errorId: string;
    hresult: number;
}

const ADDING_CONNECTIONS = "Failed while adding virtual Ethernet switch connections.";

/** Windows' GUID of an adapter's Ethernet port, stable per adapter name and MAC. */
export function ethernetPortGuid(adapter: HostAdapter): string {
    const hex = createHash("md5").update(`${adapter.name}|${adapter.macAddress}`).digest("hex").toUpperCase();
    return `{${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}}`;
}

/** Wording of a posted Wi-Fi bind failure (Set-VMSwitch on Windows 10). */
function bindNotFound(adapter: HostAdapter): HyperVError {
    return new HyperVError(
        `${ADDING_CONNECTIONS}\r\nEthernet port '${ethernetPortGuid(adapter)}' bind failed: Element not found. (0x80070490).`,
        "ObjectNotFound",
        "ObjectNotFound",
        0x80070490,
    );
}

// NOTE: the next three texts are inferred, not taken from posted output. The host vNIC bind
// failure follows the posted Wi-Fi wording with ERROR_INVALID_PARAMETER. The missing adapter
// follows Get-NetAdapter's CIM wording. The bound adapter keeps the words "already bound to
// another External Switch" with the ResourceBusy category and ObjectInUse id of posted output.

function bindInvalid(adapter: HostAdapter): HyperVError {
    return new HyperVError(
        `${ADDING_CONNECTIONS}\r\nEthernet port '${ethernetPortGuid(adapter)}' bind failed: The parameter is incorrect. (0x80070057).`,
        "InvalidArgument",
        "InvalidParameter",
        0x80070057,
    );
}

function adapterNotFound(name: string): HyperVError {
    return new HyperVError(
        `No MSFT_NetAdapter objects found with property 'Name' equal to '${name}'.  Verify the value of the property and retry.`,
        "ObjectNotFound",
        "ObjectNotFound",
    );
}

function adapterInUse(adapter: HostAdapter, owner: VmSwitch): HyperVError {
    return new HyperVError(
        `${ADDING_CONNECTIONS}\r\nNetwork adapter '${adapter.name}' is already bound to another External Switch '${owner.name}'.`,
        "ResourceBusy",
        "ObjectInUse",
    );
}

/** Text of Get-VMSwitch for a name that matches no switch. */
export function switchNotFound(name: string): HyperVError {
    return new HyperVError(
        `Hyper-V was unable to find a virtual switch with name "${name}".`,
        "ObjectNotFound",
        "ObjectNotFound",
    );
}

function virtualMachineNotFound(name: string): HyperVError {
    return new HyperVError(
        `Hyper-V was unable to find a virtual machine with name "${name}".`,
        "InvalidArgument",
        "InvalidParameter",
    );
}

export interface NewVmSwitchRequest {
    name: string;
    netAdapterNames: string[];
    allowManagementOS: boolean;
    /** `-EnableEmbeddedTeaming`; several adapters make a SET team either way. */
    enableEmbeddedTeaming: boolean;
    /** `-Notes`; empty or absent leaves the switch without notes. */
    notes?: string;
}

/**
 * Creates an external switch as `New-VMSwitch -NetAdapterName` does. Every adapter must exist, be
 * a physical wired adapter and be bound to no external switch. The switch is made by an
 * administrator, so HNS and Docker see it only after both services restart.
 */
export function newVmSwitch(state: HostState, request: NewVmSwitchRequest): VmSwitch {
    const adapters: HostAdapter[] = [];
    for (const name of request.netAdapterNames) {
        const adapter = findAdapter(state, name);
        if (adapter === undefined) {
            throw adapterNotFound(name);
        }
        if (!adapters.includes(adapter)) {
            adapters.push(adapter);
        }
    }
    for (const adapter of adapters) {
        if (adapter.kind === "virtual") {
            throw bindInvalid(adapter);
        }
        if (adapter.physicalMediaType !== "802.3") {
            throw bindNotFound(adapter);
        }
        const owner = switchBoundTo(state, adapter.name);
        if (owner !== undefined) {
            throw adapterInUse(adapter, owner);
        }
    }
    if (adapters.length === 0) {
        throw adapterNotFound("");
    }
    // NOTE: assumes New-VMSwitch makes a SET team from several adapters even without
    // -EnableEmbeddedTeaming; the operation scripts always pass it for several adapters.
    const vmSwitch = createExternalSwitch(state, {
        name: request.name,
        adapters,
        allowManagementOS: request.allowManagementOS,
        createdBy: "admin",
    });
    vmSwitch.embeddedTeamingEnabled = request.enableEmbeddedTeaming || adapters.length > 1;
    if (request.notes !== undefined && request.notes !== "") {
        vmSwitch.notes = request.notes;
    }
    return vmSwitch;
}

/** Finds a switch by lower-case or upper-case GUID. */
export function findSwitchById(state: HostState, id: string): VmSwitch | undefined {
    const expected = id.toLowerCase();
    return state.vmSwitches.find((vmSwitch) => vmSwitch.id.toLowerCase() === expected);
}

/** Switches whose name equals `name`, ignoring case, as Hyper-V compares names. */
export function switchesNamed(state: HostState, name: string): VmSwitch[] {
    const expected = name.toLowerCase();
    return state.vmSwitches.filter((vmSwitch) => vmSwitch.name.toLowerCase() === expected);
}

/**
 * Selects switches as Set-VMSwitch and Remove-VMSwitch do: by the ids of switch objects when
 * given, else by name. A name or id that matches nothing fails with Get-VMSwitch's text.
 */
export function selectSwitches(state: HostState, selector: { ids?: string[]; names?: string[] }): VmSwitch[] {
    if (selector.ids !== undefined) {
        return selector.ids.map((id) => {
            const vmSwitch = findSwitchById(state, id);
            if (vmSwitch === undefined) {
                throw switchNotFound(id);
            }
            return vmSwitch;
        });
    }
    return (selector.names ?? []).flatMap((name) => {
        const found = switchesNamed(state, name);
        if (found.length === 0) {
            throw switchNotFound(name);
        }
        return found;
    });
}

/** Sets management OS access as `Set-VMSwitch -AllowManagementOS` does (see `setManagementOS`). */
export function setVmSwitchManagementOS(
    state: HostState,
    switches: VmSwitch[],
    allowManagementOS: boolean,
): void {
    for (const vmSwitch of switches) {
        setManagementOS(state, vmSwitch, allowManagementOS);
    }
}

/**
 * Removes switches and their host vNICs as `Remove-VMSwitch -Force` does. The first adapter of an
 * external switch gets the vNIC's addresses back. HNS networks on a removed switch stay until
 * HNS restarts and drops them.
 */
export function removeVmSwitches(state: HostState, switches: VmSwitch[]): void {
    for (const vmSwitch of switches) {
        removeSwitch(state, vmSwitch);
    }
}

function findVirtualMachine(state: HostState, name: string): VirtualMachine {
    const expected = name.toLowerCase();
    const machine = (state.virtualMachines ?? []).find(
        (candidate) => candidate.name.toLowerCase() === expected,
    );
    if (machine === undefined) {
        throw virtualMachineNotFound(name);
    }
    return machine;
}

/** A VM network adapter as `Get-VMNetworkAdapter` prints its name, VM and MAC spoofing setting. */
export interface VmNetworkAdapterView {
    Name: string;
    VMName: string;
    MacAddressSpoofing: "On" | "Off";
}

function viewOf(machine: VirtualMachine, adapter: VmNetworkAdapter): VmNetworkAdapterView {
    return { Name: adapter.name, VMName: machine.name, MacAddressSpoofing: adapter.macAddressSpoofing };
}

/** Lists the adapters of each named VM as `Get-VMNetworkAdapter -VMName` does. An unknown VM fails. */
export function getVmNetworkAdapters(state: HostState, vmNames: string[]): VmNetworkAdapterView[] {
    return vmNames.flatMap((vmName) => {
        const machine = findVirtualMachine(state, vmName);
        return machine.networkAdapters.map((adapter) => viewOf(machine, adapter));
    });
}

/**
 * Sets MAC address spoofing as `Set-VMNetworkAdapter -MacAddressSpoofing` does, on the adapters
 * given as (VM name, adapter name) pairs, or on every adapter of a VM when the adapter name is null.
 */
export function setVmNetworkAdapterMacSpoofing(
    state: HostState,
    targets: { vmName: string; adapterName: string | null }[],
    value: "On" | "Off",
): VmNetworkAdapterView[] {
    return targets.flatMap((target) => {
        const machine = findVirtualMachine(state, target.vmName);
        const adapters = machine.networkAdapters.filter(
            (adapter) => target.adapterName === null || adapter.name === target.adapterName,
        );
        for (const adapter of adapters) {
            adapter.macAddressSpoofing = value;
        }
        return adapters.map((adapter) => viewOf(machine, adapter));
    });
}

/** A switch as the simulated `Get-VMSwitch` prints it, with the adapter descriptions looked up. */
export interface VmSwitchView {
    Name: string;
    Id: string;
    SwitchType: string;
    AllowManagementOS: boolean;
    EmbeddedTeamingEnabled: boolean;
    NetAdapterInterfaceDescription: string | null;
    NetAdapterInterfaceDescriptions: string[];
}

export function viewSwitch(state: HostState, vmSwitch: VmSwitch): VmSwitchView {
    const descriptions = vmSwitch.netAdapterNames.map(
        (adapterName) => findAdapter(state, adapterName)?.interfaceDescription ?? "",
    );
    return {
        Name: vmSwitch.name,
        Id: vmSwitch.id.toLowerCase(),
        SwitchType: vmSwitch.switchType,
        AllowManagementOS: vmSwitch.allowManagementOS,
        EmbeddedTeamingEnabled: vmSwitch.embeddedTeamingEnabled,
        NetAdapterInterfaceDescription: descriptions[0] ?? null,
        NetAdapterInterfaceDescriptions: descriptions,
    };
}
