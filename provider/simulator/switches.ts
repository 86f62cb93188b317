import { randomUUID } from "node:crypto";
import type { HostAdapter, HostState, VmSwitch } from "./model";

/** Name of the internal switch and host vNIC that carry the gateways of NAT networks. */
export const NAT_SWITCH_NAME = "nat";

export function findAdapter(state: HostState, name: string): HostAdapter | undefined {
    const wanted = name.toLowerCase();
    return state.adapters.find((adapter) => adapter.name.toLowerCase() === wanted);
}

export function findSwitch(state: HostState, name: string): VmSwitch | undefined {
    const wanted = name.toLowerCase();
    return state.vmSwitches.find((vmSwitch) => vmSwitch.name.toLowerCase() === wanted);
}

/** Returns the external switch an adapter is bound to, if any. */
export function switchBoundTo(state: HostState, adapterName: string): VmSwitch | undefined {
    const wanted = adapterName.toLowerCase();
    return state.vmSwitches.find(
        (vmSwitch) =>
            vmSwitch.switchType === "External" &&
            vmSwitch.netAdapterNames.some((name) => name.toLowerCase() === wanted),
    );
}

function hostVnicName(switchName: string): string {
    return `vEthernet (${switchName})`;
}

function nextIfIndex(state: HostState): number {
    return state.adapters.reduce((highest, adapter) => Math.max(highest, adapter.ifIndex), 1) + 1;
}

/** Returns the next free `Hyper-V Virtual Ethernet Adapter #n` description. */
function nextVnicDescription(state: HostState): string {
    const base = "Hyper-V Virtual Ethernet Adapter";
    const used = new Set(state.adapters.map((adapter) => adapter.interfaceDescription));
    if (!used.has(base)) {
        return base;
    }
    let number = 2;
    while (used.has(`${base} #${number}`)) {
        number += 1;
    }
    return `${base} #${number}`;
}

function addHostVnic(state: HostState, switchName: string, macAddress: string): HostAdapter {
    const vnic: HostAdapter = {
        name: hostVnicName(switchName),
        interfaceDescription: nextVnicDescription(state),
        ifIndex: nextIfIndex(state),
        macAddress,
        kind: "virtual",
        physicalMediaType: "Unspecified",
        status: "Up",
        ipv4Addresses: [],
        vmSwitchName: switchName,
    };
    state.adapters.push(vnic);
    return vnic;
}

/**
 * Creates an external switch on `adapters` (more than one makes a SET team). With
 * `allowManagementOS`, Windows moves the first adapter's IP configuration to a new host vNIC
 * `vEthernet (<switch>)` that shares that adapter's MAC.
 */
export function createExternalSwitch(
    state: HostState,
    options: {
        name: string;
        adapters: HostAdapter[];
        allowManagementOS: boolean;
        createdBy: "hns" | "admin";
    },
): VmSwitch {
    const vmSwitch: VmSwitch = {
        id: randomUUID(),
        name: options.name,
        switchType: "External",
        netAdapterNames: options.adapters.map((adapter) => adapter.name),
        allowManagementOS: false,
        embeddedTeamingEnabled: options.adapters.length > 1,
        createdBy: options.createdBy,
        hnsVisible: options.createdBy === "hns",
    };
    state.vmSwitches.push(vmSwitch);
    setManagementOS(state, vmSwitch, options.allowManagementOS);
    return vmSwitch;
}

/**
 * Turns management OS access of an external switch on or off. On adds the host vNIC and moves the
 * first adapter's addresses to it. Off removes the vNIC and gives its addresses back to that
 * adapter. Other switch types only change the flag.
 */
export function setManagementOS(state: HostState, vmSwitch: VmSwitch, allowManagementOS: boolean): void {
    const wasAllowed = vmSwitch.allowManagementOS;
    vmSwitch.allowManagementOS = allowManagementOS;
    if (vmSwitch.switchType !== "External" || wasAllowed === allowManagementOS) {
        return;
    }
    const firstAdapter =
        vmSwitch.netAdapterNames.length > 0 ? findAdapter(state, vmSwitch.netAdapterNames[0]) : undefined;
    if (allowManagementOS) {
        const vnic = addHostVnic(state, vmSwitch.name, firstAdapter?.macAddress ?? "00-15-5D-00-00-00");
        if (firstAdapter !== undefined) {
            vnic.ipv4Addresses = firstAdapter.ipv4Addresses;
            firstAdapter.ipv4Addresses = [];
        }
        return;
    }
    const vnic = findAdapter(state, hostVnicName(vmSwitch.name));
    if (vnic !== undefined && vnic.kind === "virtual") {
        if (firstAdapter !== undefined) {
            firstAdapter.ipv4Addresses = [...firstAdapter.ipv4Addresses, ...vnic.ipv4Addresses];
        }
        state.adapters = state.adapters.filter((adapter) => adapter !== vnic);
    }
}

/** Removes a switch; for an external one, gives the host vNIC's addresses back to the adapter. */
export function removeSwitch(state: HostState, vmSwitch: VmSwitch): void {
    const vnic = findAdapter(state, hostVnicName(vmSwitch.name));
    const physical =
        vmSwitch.netAdapterNames.length > 0 ? findAdapter(state, vmSwitch.netAdapterNames[0]) : undefined;
    if (vnic !== undefined && vnic.kind === "virtual") {
        if (physical !== undefined && vmSwitch.switchType === "External") {
            physical.ipv4Addresses = [...physical.ipv4Addresses, ...vnic.ipv4Addresses];
        }
        state.adapters = state.adapters.filter((adapter) => adapter !== vnic);
    }
    state.vmSwitches = state.vmSwitches.filter((candidate) => candidate !== vmSwitch);
}

/** Adds a NAT gateway address to the `vEthernet (nat)` host vNIC, creating the internal switch on first use. */
export function addNatGatewayAddress(
    state: HostState,
    address: string,
    prefixLength: number,
    mac: string,
): void {
    if (findSwitch(state, NAT_SWITCH_NAME) === undefined) {
        state.vmSwitches.push({
            id: randomUUID(),
            name: NAT_SWITCH_NAME,
            switchType: "Internal",
            netAdapterNames: [],
            allowManagementOS: true,
            embeddedTeamingEnabled: false,
            createdBy: "hns",
            hnsVisible: true,
        });
    }
    const vnic =
        findAdapter(state, hostVnicName(NAT_SWITCH_NAME)) ?? addHostVnic(state, NAT_SWITCH_NAME, mac);
    vnic.ipv4Addresses.push({ address, prefixLength });
}

/** Removes a NAT gateway address; the switch and vNIC go with the last one. */
export function removeNatGatewayAddress(state: HostState, address: string): void {
    const vnic = findAdapter(state, hostVnicName(NAT_SWITCH_NAME));
    if (vnic === undefined) {
        return;
    }
    vnic.ipv4Addresses = vnic.ipv4Addresses.filter((assignment) => assignment.address !== address);
    const natSwitch = findSwitch(state, NAT_SWITCH_NAME);
    if (vnic.ipv4Addresses.length === 0 && natSwitch !== undefined) {
        removeSwitch(state, natSwitch);
    }
}

/** Returns true for an adapter that is the host side of the NAT switch. */
export function isNatVnic(adapter: HostAdapter): boolean {
    return adapter.kind === "virtual" && adapter.vmSwitchName === NAT_SWITCH_NAME;
}
