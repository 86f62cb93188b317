import { type JsonRecord, optionalBoolean, optionalString } from "./body";
import {
    activeEndpoints,
    networkAmbiguous,
    networkNameExists,
    networkNotFound,
    onlyOneNullNetwork,
    overlayNeedsSwarm,
    pluginNotFound,
    predefinedNetworkOperation,
    predefinedNetworkRemoval,
} from "./errors";
import { type Filters, matchesExact, matchesLabels, matchesSubstring } from "./filters";
import { createHnsNetwork, deleteHnsNetwork, findHnsNetwork } from "./hns";
import { dockerTimestamp, newDockerId } from "./ids";
import type { DockerNetwork, HnsNetwork, HostState, IpamConfig } from "./model";
import { parseWindowsOptions, reportedOptions } from "./network-options";
import { DEFAULT_WINDOWS_DRIVER, type NetworkCreateRequest, parseNetworkCreate } from "./network-request";
import { getProfile, type HostProfile } from "./profiles";

/** Network names a Windows engine reserves (`nat`, `none`, `default`). */
const PREDEFINED_NAMES = ["nat", "none", "default"];

/** Filters `GET /networks` accepts. */
export const NETWORK_FILTERS = ["name", "id", "label", "driver", "type", "scope", "dangling"] as const;

export interface NetworkCreateResult {
    Id: string;
    Warning: string;
}

/**
 * Finds a network the way the engine does: full id, then exact name, then unique id prefix.
 * Throws 404 when nothing matches and 400 when a name or prefix is ambiguous.
 */
export function findNetwork(state: HostState, term: string): DockerNetwork {
    const byId = state.dockerNetworks.find((network) => network.id === term);
    if (byId !== undefined) {
        return byId;
    }
    const byName = state.dockerNetworks.filter((network) => network.name === term);
    if (byName.length === 1) {
        return byName[0];
    }
    if (byName.length > 1) {
        throw networkAmbiguous(term, byName.length, "name");
    }
    const byPrefix = term === "" ? [] : state.dockerNetworks.filter((network) => network.id.startsWith(term));
    if (byPrefix.length === 1) {
        return byPrefix[0];
    }
    if (byPrefix.length > 1) {
        throw networkAmbiguous(term, byPrefix.length, "ID prefix");
    }
    throw networkNotFound(term);
}

/** Returns true when some container has a live endpoint on the network. */
export function hasActiveEndpoints(state: HostState, network: DockerNetwork): boolean {
    return state.containers.some((container) =>
        container.attachments.some(
            (attachment) => attachment.networkId === network.id && attachment.endpoint !== null,
        ),
    );
}

/**
 * Creates a network as a Windows engine does. It checks the name, the driver against the host's
 * drivers and the request against Windows' limits, then creates the HNS network (which applies
 * the NAT, adapter and switch rules) and stores the network with the engine-added `hnsid` option.
 */
export function createNetwork(state: HostState, body: JsonRecord): NetworkCreateResult {
    const profile = getProfile(state.profile);
    const name = optionalString(body, "Name") ?? "";
    if (PREDEFINED_NAMES.includes(name)) {
        throw predefinedNetworkOperation(name);
    }
    const warning = checkDuplicateName(
        state,
        profile,
        name,
        optionalBoolean(body, "CheckDuplicate") ?? false,
    );
    checkDriver(profile, optionalString(body, "Driver") || DEFAULT_WINDOWS_DRIVER);
    const request = parseNetworkCreate(body);
    const id = newDockerId();
    const hnsNetwork = createHnsForRequest(state, profile, request, id);
    state.dockerNetworks.push(buildDockerNetwork(profile, request, id, hnsNetwork));
    return { Id: id, Warning: warning };
}

/**
 * Rejects a taken name with 409. Engines before API 1.44 create the duplicate when the request
 * leaves `CheckDuplicate` false, and return a warning instead (moby daemon/network.go, 19.03).
 */
function checkDuplicateName(
    state: HostState,
    profile: HostProfile,
    name: string,
    checkDuplicate: boolean,
): string {
    const existing = state.dockerNetworks.find((network) => network.name === name);
    if (existing === undefined) {
        return "";
    }
    if (checkDuplicate || !profile.honoursCheckDuplicate) {
        throw networkNameExists(name);
    }
    return `Network with name ${name} (id : ${existing.id}) already exists`;
}

function checkDriver(profile: HostProfile, driver: string): void {
    if (!profile.networkDrivers.includes(driver)) {
        throw pluginNotFound(driver);
    }
    if (driver === "null") {
        throw onlyOneNullNetwork();
    }
    if (driver === "overlay") {
        throw overlayNeedsSwarm();
    }
}

function createHnsForRequest(
    state: HostState,
    profile: HostProfile,
    request: NetworkCreateRequest,
    dockerId: string,
): HnsNetwork {
    const options = parseWindowsOptions(profile, request.options);
    return createHnsNetwork(state, profile, {
        name: options.networkName ?? dockerId,
        type: request.driver,
        subnet: request.subnet,
        gateway: request.gateway,
        adapterName: options.adapterName,
        dnsServerList: options.dnsServers,
        dnsSuffix: options.dnsSuffix,
        vlanId: options.vlanId,
        vsid: options.vsid,
        macPools: options.macPools,
        winNatPrefix: null,
    });
}

/** IPAM config the engine reports: HNS's subnet and gateway, or `0.0.0.0/0` when HNS has none (DHCP). */
export function ipamConfigFromHns(hnsNetwork: HnsNetwork): IpamConfig[] {
    if (hnsNetwork.subnets.length === 0) {
        return [{ subnet: "0.0.0.0/0" }];
    }
    return hnsNetwork.subnets.map((subnet) =>
        subnet.gatewayAddress === null
            ? { subnet: subnet.addressPrefix }
            : { subnet: subnet.addressPrefix, gateway: subnet.gatewayAddress },
    );
}

function buildDockerNetwork(
    profile: HostProfile,
    request: NetworkCreateRequest,
    id: string,
    hnsNetwork: HnsNetwork,
): DockerNetwork {
    return {
        id,
        name: request.name,
        created: dockerTimestamp(),
        driver: request.driver,
        ipamConfig: ipamConfigFromHns(hnsNetwork),
        subnetRequested: request.subnet !== null,
        attachable: request.attachable,
        options: reportedOptions(request.options, hnsNetwork.id),
        requestedOptions: request.options,
        labels: request.labels,
        hnsNetworkId: hnsNetwork.id,
        hnsName: hnsNetwork.name,
        predefined: false,
    };
}

/**
 * Removes a network. Predefined networks (`nat`, `none`) give 403, as moby's daemon treats them
 * on Windows; so does a network with live endpoints. A network whose HNS side is already gone is
 * removed without error, as moby's Windows driver ignores "not found" from HNS.
 */
export function removeNetwork(state: HostState, term: string): void {
    const network = findNetwork(state, term);
    if (network.predefined) {
        throw predefinedNetworkRemoval(network.name);
    }
    if (hasActiveEndpoints(state, network)) {
        throw activeEndpoints(network.name, network.id);
    }
    dropNetwork(state, network);
}

/** Deletes a network and its HNS side without any check. */
export function dropNetwork(state: HostState, network: DockerNetwork): void {
    if (network.hnsNetworkId !== null && findHnsNetwork(state, network.hnsNetworkId) !== undefined) {
        deleteHnsNetwork(state, network.hnsNetworkId);
    }
    for (const container of state.containers) {
        for (const attachment of container.attachments) {
            if (attachment.networkId === network.id) {
                attachment.endpoint = null;
            }
        }
    }
    state.dockerNetworks = state.dockerNetworks.filter((candidate) => candidate !== network);
}

/** Applies `GET /networks` filters. */
export function listNetworks(state: HostState, filters: Filters): DockerNetwork[] {
    return state.dockerNetworks.filter(
        (network) =>
            matchesSubstring(filters, "name", network.name) &&
            matchesSubstring(filters, "id", network.id) &&
            matchesExact(filters, "driver", network.driver) &&
            matchesExact(filters, "scope", "local") &&
            matchesExact(filters, "type", network.predefined ? "builtin" : "custom") &&
            matchesLabels(filters, network.labels) &&
            matchesDangling(state, filters, network),
    );
}

function matchesDangling(state: HostState, filters: Filters, network: DockerNetwork): boolean {
    const values = filters.get("dangling");
    if (values === undefined) {
        return true;
    }
    const dangling = !network.predefined && !hasActiveEndpoints(state, network);
    return values.some((value) => (value === "true" || value === "1") === dangling);
}

/** Removes every custom network without live endpoints that matches the label filters; returns their names. */
export function pruneNetworks(state: HostState, filters: Filters): string[] {
    const removable = state.dockerNetworks.filter(
        (network) =>
            !network.predefined &&
            !hasActiveEndpoints(state, network) &&
            matchesLabels(filters, network.labels),
    );
    removable.forEach((network) => dropNetwork(state, network));
    return removable.map((network) => network.name);
}
