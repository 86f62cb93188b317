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
import type { HostAdapter, HostState, ServiceName, VmSwitch } from "./model";
import { simulatedDaemonJsonPath } from "./powershell/twins";
import { dropNetwork, findNetwork } from "./networks";
import { createExternalSwitch, findAdapter, switchBoundTo } from "./switches";
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
 * Creates an external switch as `New-VMSwitch -NetAdapterName` would. HNS and Docker do not see
 * it until both services restart.
 */
export async function createExternalSwitchOutOfBand(
    statePath: string,
    options: { name: string; adapterName: string; allowManagementOS?: boolean },
): Promise<VmSwitch> {
    return updateHostState(statePath, (state) => {
        const adapter = findAdapter(state, options.adapterName);
        if (adapter === undefined || adapter.kind !== "physical") {
            throw new Error(`physical adapter ${options.adapterName} not found on the simulated host`);
        }
        const bound = switchBoundTo(state, adapter.name);
        if (bound !== undefined) {
            throw new Error(`adapter ${adapter.name} is already bound to external switch ${bound.name}`);
        }
        return createExternalSwitch(state, {
            name: options.name,
            adapter,
            allowManagementOS: options.allowManagementOS ?? true,
            createdBy: "admin",
        });
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
