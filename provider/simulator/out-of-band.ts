import * as fs from "node:fs";
import * as path from "node:path";
import {
    startDockerService,
    startHnsService,
    stopDockerService,
    stopHnsService,
    rebootHost as rebootHostState,
} from "./daemon";
import { findHnsNetwork, deleteHnsNetwork } from "./hns";
import type {
    HostAdapter,
    HostState,
    ServiceName,
    VirtualMachine,
    VmNetworkAdapter,
    VmSwitch,
} from "./model";
import { simulatedDaemonJsonPath } from "./powershell/twins";
import { dropNetwork, findNetwork } from "./networks";
import { findAdapter } from "./switches";
import { newVmSwitch } from "./vswitch";
import { updateHostState } from "./state";

/**
 * Changes made to the simulated host behind the provider's back, and host lifecycle events, for
 * tests. Each helper is one locked update of the state file, so running servers see the change on
 * their next request.
 */

/**
 * Deletes a Docker network and its HNS network behind the engine's back, with no checks. Containers
 * on it lose their endpoints and keep a stale attachment, so they fail to start until reconnected.
 */
export async function deleteNetworkOutOfBand(statePath: string, idOrName: string): Promise<void> {
    await updateHostState(statePath, (state) => dropNetwork(state, findNetwork(state, idOrName)));
}

/**
 * Deletes an HNS network (`Remove-HnsNetwork`, by id or name). The engine keeps its Docker network
 * until it restarts, and endpoints on it then fail with HNS "not found". On WS2016 the last NAT
 * network takes the WinNAT with it.
 */
export async function removeHnsNetworkOutOfBand(statePath: string, idOrName: string): Promise<void> {
    await updateHostState(statePath, (state) => {
        const network =
            findHnsNetwork(state, idOrName) ??
            state.hnsNetworks.find((candidate) => candidate.name === idOrName);
        if (network === undefined) {
            throw new Error(`HNS network ${idOrName} not found on the simulated host`);
        }
        deleteHnsNetwork(state, network.id);
    });
}

/** Reboots the host: see the rules of the state model's `rebootHost`. */
export async function rebootHost(statePath: string): Promise<void> {
    await updateHostState(statePath, (state) => rebootHostState(state));
}

/** Stops a service; stopping `hns` stops `docker` too. */
export async function stopService(statePath: string, name: ServiceName): Promise<void> {
    await updateHostState(statePath, (state) =>
        name === "hns" ? stopHnsService(state) : stopDockerService(state),
    );
}

/** Starts a service; starting `docker` starts `hns` first. Returns the service's state afterwards. */
export async function startService(statePath: string, name: ServiceName): Promise<HostState["services"]> {
    return updateHostState(statePath, (state) => {
        if (name === "hns") {
            startHnsService(state);
        } else {
            startDockerService(state);
        }
        return state.services;
    });
}

/** Restarts `hns` and `docker`, the step that makes an out-of-band switch visible to Docker. */
export async function restartNetworkingServices(statePath: string): Promise<HostState["services"]> {
    return updateHostState(statePath, (state) => {
        stopHnsService(state);
        startHnsService(state);
        startDockerService(state);
        return state.services;
    });
}

/** Adds a host adapter; the name must be new. */
export async function addHostAdapter(statePath: string, adapter: HostAdapter): Promise<void> {
    await updateHostState(statePath, (state) => {
        if (findAdapter(state, adapter.name) !== undefined) {
            throw new Error(`adapter ${adapter.name} already exists on the simulated host`);
        }
        state.adapters.push(adapter);
    });
}

/**
 * Replaces daemon.json (null deletes the file), in the state and in the file the simulated
 * PowerShell module reads. The engine reads it at its next start.
 */
export async function setDaemonJson(statePath: string, text: string | null): Promise<void> {
    await updateHostState(statePath, (state) => {
        state.daemonJson = text;
    });
    const file = simulatedDaemonJsonPath(statePath, process.env.WCN_SIM_PROGRAMDATA || undefined);
    if (text === null) {
        fs.rmSync(file, { force: true });
    } else {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text, "utf8");
    }
}

/**
 * Creates an external switch as `New-VMSwitch -NetAdapterName` would, on `adapterName` or on
 * several `adapterNames` (a SET team), with `notes` as its Notes. HNS and Docker do not see it
 * until both services restart.
 * Throws the HyperVError New-VMSwitch gives for a missing, Wi-Fi, virtual or already bound adapter.
 */
export async function createExternalSwitchOutOfBand(
    statePath: string,
    options: {
        name: string;
        adapterName?: string;
        adapterNames?: string[];
        allowManagementOS?: boolean;
        notes?: string;
    },
): Promise<VmSwitch> {
    const adapterNames =
        options.adapterNames ?? (options.adapterName === undefined ? [] : [options.adapterName]);
    return updateHostState(statePath, (state) =>
        newVmSwitch(state, {
            name: options.name,
            netAdapterNames: adapterNames,
            allowManagementOS: options.allowManagementOS ?? true,
            enableEmbeddedTeaming: adapterNames.length > 1,
            notes: options.notes,
        }),
    );
}

/**
 * Adds a virtual machine to a simulated Hyper-V parent host, with network adapters named
 * "Network Adapter", "Network Adapter 2" and so on, MAC address spoofing off unless `adapters`
 * gives the settings. The name must be new.
 */
export async function addVirtualMachine(
    statePath: string,
    name: string,
    adapters: VmNetworkAdapter[] = [{ name: "Network Adapter", macAddressSpoofing: "Off" }],
): Promise<VirtualMachine> {
    return updateHostState(statePath, (state) => {
        const machines = state.virtualMachines ?? [];
        if (machines.some((machine) => machine.name.toLowerCase() === name.toLowerCase())) {
            throw new Error(`virtual machine ${name} already exists on the simulated host`);
        }
        const machine: VirtualMachine = {
            name,
            networkAdapters: adapters.map((adapter) => ({ ...adapter })),
        };
        state.virtualMachines = [...machines, machine];
        return machine;
    });
}

/**
 * Makes HNS keep the switch of a removed external network on `adapterName` for a while, as
 * Windows Server 2016 and Windows 10 hosts have done: after each removal of a transparent,
 * l2bridge or l2tunnel network on the adapter, the next `failures` creates of an external network
 * on it fail with "HNS failed with error : The object already exists. ". A reboot clears pending
 * failures; `failures` 0 turns the fault off.
 */
export async function setLingeringSwitchFailures(
    statePath: string,
    adapterName: string,
    failures: number,
): Promise<void> {
    if (!Number.isInteger(failures) || failures < 0) {
        throw new Error(`failures must be a whole number of 0 or more, but it is ${failures}`);
    }
    await updateHostState(statePath, (state) => {
        if (findAdapter(state, adapterName) === undefined) {
            throw new Error(`adapter ${adapterName} not found on the simulated host`);
        }
        const faults = state.hnsFaults ?? { lingeringSwitches: [] };
        const others = faults.lingeringSwitches.filter(
            (fault) => fault.adapterName.toLowerCase() !== adapterName.toLowerCase(),
        );
        faults.lingeringSwitches =
            failures === 0
                ? others
                : [...others, { adapterName, failuresPerRemoval: failures, remainingFailures: 0 }];
        state.hnsFaults = faults;
    });
}

/**
 * Marks the segment of a network (Docker id or name) as having a DHCP server that overrides
 * static container addresses: the HNS endpoint then gets a lease at start while Docker keeps
 * reporting the requested address.
 */
export async function setDhcpOverride(statePath: string, idOrName: string, enabled: boolean): Promise<void> {
    await updateHostState(statePath, (state) => {
        const network = findNetwork(state, idOrName);
        const hnsNetwork =
            network.hnsNetworkId === null ? undefined : findHnsNetwork(state, network.hnsNetworkId);
        if (hnsNetwork === undefined) {
            throw new Error(`network ${idOrName} has no HNS network on the simulated host`);
        }
        hnsNetwork.dhcpOverridesStatic = enabled;
    });
}
