import { type DaemonConfig, parseDaemonConfig } from "./daemon-config";
import { EngineError } from "./errors";
import {
    createHnsNetwork,
    deleteHnsNetwork,
    EXTERNAL_TYPES,
    findHnsNetwork,
    isOnSwitch,
    switchOfNetwork,
} from "./hns";
import { dockerTimestamp, newDockerId, newGuid } from "./ids";
import { type Ipv4Prefix, parseIpv4Prefix } from "./ipv4";
import type { DockerNetwork, HnsNetwork, HostState, VmSwitch } from "./model";
import { DEFAULT_WINNAT_PREFIX } from "./nat";
import { OPTION, parseWindowsOptions, reportedOptions } from "./network-options";
import { dropNetwork, ipamConfigFromHns } from "./networks";
import { getProfile, type HostProfile } from "./profiles";

/**
 * Service lifecycle of the simulated host: the `hns` and `docker` services and a reboot. The
 * engine start follows moby's Windows daemon. It drops or re-creates networks whose HNS network
 * is gone, adopts HNS networks it has no record of, and creates the default `nat` network unless
 * daemon.json sets `"bridge": "none"`.
 */

/** HNS types the engine does not adopt at start (moby's unadoptableNetworkTypes). */
const UNADOPTABLE_TYPES = ["internal", "private", "mirrored"];

/**
 * Starts HNS. External switches made out of band become visible and show up as transparent
 * networks. Networks on an external switch that no longer exists (removed with Remove-VMSwitch)
 * are dropped.
 */
export function startHnsService(state: HostState): void {
    state.services.hns = { status: "Running", lastError: null };
    state.hnsNetworks = state.hnsNetworks.filter(
        (network) =>
            network.switchName === null ||
            !EXTERNAL_TYPES.has(network.type) ||
            switchOfNetwork(state, network) !== undefined,
    );
    const kept = new Set(state.hnsNetworks.map((network) => network.id));
    state.hnsEndpoints = state.hnsEndpoints.filter((endpoint) => kept.has(endpoint.virtualNetwork));
    for (const vmSwitch of state.vmSwitches) {
        if (vmSwitch.switchType !== "External" || vmSwitch.hnsVisible) {
            continue;
        }
        vmSwitch.hnsVisible = true;
        if (!state.hnsNetworks.some((network) => isOnSwitch(network, vmSwitch))) {
            state.hnsNetworks.push(switchNetwork(vmSwitch, vmSwitch.netAdapterNames[0] ?? null));
        }
    }
}

function switchNetwork(vmSwitch: VmSwitch, adapterName: string | null): HnsNetwork {
    return {
        id: newGuid(),
        name: vmSwitch.name,
        type: "transparent",
        subnets: [],
        networkAdapterName: adapterName,
        switchName: vmSwitch.name,
        switchGuid: vmSwitch.id.toUpperCase(),
        natName: null,
        dnsServerList: null,
        dnsSuffix: null,
        vlanId: null,
        vsid: null,
        macPools: [],
        dhcpOverridesStatic: false,
        createdForSwitch: true,
    };
}

/** Stops HNS and, because the docker service depends on it, docker first. */
export function stopHnsService(state: HostState): void {
    stopDockerService(state);
    state.services.hns = { status: "Stopped", lastError: null };
}

/** Stops the engine; running containers stop with it. */
export function stopDockerService(state: HostState): void {
    for (const container of state.containers) {
        if (container.status === "running") {
            container.status = "exited";
            container.finishedAt = dockerTimestamp();
        }
    }
    state.services.docker = { status: "Stopped", lastError: null };
}

/**
 * Starts the engine (and HNS when it is stopped). A bad daemon.json or a default network HNS
 * rejects leaves the service stopped with the engine's message in `lastError`.
 */
export function startDockerService(state: HostState): void {
    if (state.services.hns.status !== "Running") {
        startHnsService(state);
    }
    const profile = getProfile(state.profile);
    let config: DaemonConfig;
    try {
        config = parseDaemonConfig(state.daemonJson);
    } catch (error) {
        state.services.docker = { status: "Stopped", lastError: (error as Error).message };
        return;
    }
    reconcileNetworks(state, profile);
    adoptHnsNetworks(state);
    ensureNoneNetwork(state);
    const failure = config.bridgeNone ? null : ensureDefaultNat(state, profile, config.fixedCidr);
    state.services.docker =
        failure === null ? { status: "Running", lastError: null } : { status: "Stopped", lastError: failure };
}

/** Links each Docker network to its HNS network, by id and then by HNS name; re-creates or drops the rest. */
function reconcileNetworks(state: HostState, profile: HostProfile): void {
    for (const network of [...state.dockerNetworks]) {
        if (network.hnsNetworkId === null || findHnsNetwork(state, network.hnsNetworkId) !== undefined) {
            continue;
        }
        const byName = state.hnsNetworks.find((candidate) => candidate.name === network.hnsName);
        if (byName !== undefined) {
            linkHnsNetwork(network, byName);
        } else if (network.driver === "nat" && !network.predefined && profile.recreatesMissingNatNetworks) {
            recreateNatNetwork(state, profile, network);
        } else {
            dropNetwork(state, network);
        }
    }
    const liveEndpoints = new Set(state.hnsEndpoints.map((endpoint) => endpoint.id));
    for (const container of state.containers) {
        for (const attachment of container.attachments) {
            if (attachment.endpoint !== null && !liveEndpoints.has(attachment.endpoint.hnsEndpointId)) {
                attachment.endpoint = null;
            }
        }
    }
}

function linkHnsNetwork(network: DockerNetwork, hnsNetwork: HnsNetwork): void {
    network.hnsNetworkId = hnsNetwork.id;
    network.options[OPTION.hnsId] = hnsNetwork.id;
}

/**
 * Re-creates a custom NAT network missing from HNS with its old subnet (engine 23 and later).
 * The HNS name is lost: the new HNS network is named after the Docker id.
 */
function recreateNatNetwork(state: HostState, profile: HostProfile, network: DockerNetwork): void {
    const config = network.ipamConfig[0];
    try {
        const options = parseWindowsOptions(profile, network.requestedOptions);
        const hnsNetwork = createHnsNetwork(state, profile, {
            name: network.id,
            type: "nat",
            subnet: config === undefined ? null : parseIpv4Prefix(config.subnet),
            gateway: config?.gateway ?? null,
            adapterName: null,
            dnsServerList: options.dnsServers,
            dnsSuffix: options.dnsSuffix,
            vlanId: options.vlanId,
            vsid: options.vsid,
            macPools: options.macPools,
            winNatPrefix: null,
        });
        network.hnsName = hnsNetwork.name;
        linkHnsNetwork(network, hnsNetwork);
    } catch (error) {
        if (!(error instanceof EngineError)) {
            throw error;
        }
        dropNetwork(state, network);
    }
}

/** Creates Docker networks for HNS networks the engine does not know, named after the HNS network. */
function adoptHnsNetworks(state: HostState): void {
    const linked = new Set(state.dockerNetworks.map((network) => network.hnsNetworkId?.toUpperCase()));
    for (const hnsNetwork of state.hnsNetworks) {
        const nameTaken = state.dockerNetworks.some((network) => network.name === hnsNetwork.name);
        if (
            linked.has(hnsNetwork.id.toUpperCase()) ||
            nameTaken ||
            UNADOPTABLE_TYPES.includes(hnsNetwork.type)
        ) {
            continue;
        }
        const requestedOptions = { [OPTION.networkName]: hnsNetwork.name };
        state.dockerNetworks.push({
            id: newDockerId(),
            name: hnsNetwork.name,
            created: dockerTimestamp(),
            driver: hnsNetwork.type,
            ipamConfig: ipamConfigFromHns(hnsNetwork),
            subnetRequested: hnsNetwork.subnets.length > 0,
            attachable: false,
            options: reportedOptions(requestedOptions, hnsNetwork.id),
            requestedOptions,
            labels: {},
            hnsNetworkId: hnsNetwork.id,
            hnsName: hnsNetwork.name,
            predefined: false,
        });
    }
}

function ensureNoneNetwork(state: HostState): void {
    if (state.dockerNetworks.some((network) => network.name === "none")) {
        return;
    }
    state.dockerNetworks.push({
        id: newDockerId(),
        name: "none",
        created: dockerTimestamp(),
        driver: "null",
        ipamConfig: [],
        subnetRequested: false,
        attachable: false,
        options: {},
        requestedOptions: {},
        labels: {},
        hnsNetworkId: null,
        hnsName: null,
        predefined: true,
    });
}

/**
 * Creates the default `nat` network when it is missing, on `fixed-cidr` or on a subnet HNS picks.
 * On WS2016 a host without an active WinNAT gets one with it, on `fixed-cidr` or on 172.16.0.0/12.
 * An existing `nat` network stays as it is even when `fixed-cidr` changed, because the engine
 * reuses it: that is why the documented procedure removes networks before editing daemon.json.
 * Returns the engine's fatal start-up message when HNS rejects the network, or null.
 */
function ensureDefaultNat(
    state: HostState,
    profile: HostProfile,
    fixedCidr: Ipv4Prefix | null,
): string | null {
    if (state.dockerNetworks.some((network) => network.name === "nat")) {
        return null;
    }
    let hnsNetwork: HnsNetwork;
    try {
        hnsNetwork = createHnsNetwork(state, profile, {
            name: "nat",
            type: "nat",
            subnet: fixedCidr,
            gateway: null,
            adapterName: null,
            dnsServerList: null,
            dnsSuffix: null,
            vlanId: null,
            vsid: null,
            macPools: [],
            winNatPrefix: fixedCidr === null ? DEFAULT_WINNAT_PREFIX : null,
        });
    } catch (error) {
        if (!(error instanceof EngineError)) {
            throw error;
        }
        return `Error starting daemon: Error initializing network controller: Error creating default network: ${error.message}`;
    }
    state.dockerNetworks.push({
        id: newDockerId(),
        name: "nat",
        created: dockerTimestamp(),
        driver: "nat",
        ipamConfig: ipamConfigFromHns(hnsNetwork),
        subnetRequested: fixedCidr !== null,
        attachable: false,
        options: reportedOptions({}, hnsNetwork.id),
        requestedOptions: {},
        labels: {},
        hnsNetworkId: hnsNetwork.id,
        hnsName: hnsNetwork.name,
        predefined: true,
    });
    return null;
}

/**
 * Reboots the host. Containers stop and lose their endpoints; HNS networks come back with new ids,
 * except NAT networks on WS2019 and later, which Windows does not keep. Then HNS and the engine
 * start, which re-links, re-creates or drops Docker networks as the profile's engine does.
 */
export function rebootHost(state: HostState): void {
    const profile = getProfile(state.profile);
    stopHnsService(state);
    state.hnsEndpoints = [];
    for (const container of state.containers) {
        container.attachments.forEach((attachment) => {
            attachment.endpoint = null;
        });
    }
    for (const network of [...state.hnsNetworks]) {
        if (network.type === "nat" && !profile.natSurvivesReboot) {
            deleteHnsNetwork(state, network.id);
        } else {
            network.id = newGuid();
        }
    }
    state.bootCount += 1;
    // A reboot clears switches that linger in HNS after their network was removed.
    for (const fault of state.hnsFaults?.lingeringSwitches ?? []) {
        fault.remainingFailures = 0;
    }
    startHnsService(state);
    startDockerService(state);
}
