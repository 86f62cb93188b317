import {
    addressOutsideSubnet,
    connectRunningUnsupported,
    EngineError,
    endpointCreateFailed,
    endpointExists,
    HNS_NOT_FOUND_TEXT,
    hnsObjectExists,
    hnsPortInUse,
    invalidIpv4Address,
    noneNetworkExclusive,
    notConnectedRunning,
    notConnectedStopped,
    staticIpNeedsSubnet,
    staticIpNeedsUserNetwork,
} from "./errors";
import { createHnsEndpoint, deleteHnsEndpoint, findHnsNetwork } from "./hns";
import { isMacAddress, newDockerId, newHyperVMac, toDockerMac, toHnsMac } from "./ids";
import {
    formatIpv4,
    type Ipv4Prefix,
    lastAddress,
    nthAddress,
    parseIpv4,
    parseIpv4Prefix,
    prefixContainsAddress,
} from "./ipv4";
import type { Attachment, Container, DockerNetwork, HnsNetwork, HostState } from "./model";
import { getProfile } from "./profiles";
import { findAdapter } from "./switches";

/** Endpoint settings a request can carry (`EndpointsConfig[net]` or the connect body). */
export interface EndpointRequest {
    ipv4Address: string | null;
    macAddress: string | null;
}

/** Address a DHCP-less segment falls back to, as Windows does (APIPA). */
const APIPA = parseIpv4Prefix("169.254.0.0/16") as Ipv4Prefix;

/** First host index DHCP hands out, so DHCP leases look apart from static addresses. */
const FIRST_DHCP_INDEX = 100;

/**
 * Attaches a container to a network and creates its endpoint. Static addresses need a user
 * network created with a subnet, as Docker requires; Windows attaches networks only to stopped
 * containers.
 */
export function attachContainer(
    state: HostState,
    container: Container,
    network: DockerNetwork,
    request: EndpointRequest,
): Attachment {
    if (container.status === "running") {
        throw connectRunningUnsupported(container.name);
    }
    if (container.attachments.some((attachment) => attachment.networkId === network.id)) {
        throw endpointExists(container.name, network.name);
    }
    const joiningNone = network.driver === "null";
    const onNone = container.attachments.some((attachment) => attachment.networkName === "none");
    if ((joiningNone || onNone) && container.attachments.length > 0) {
        throw noneNetworkExclusive();
    }
    checkRequestedAddress(network, request);
    const attachment: Attachment = {
        networkId: network.id,
        networkName: network.name,
        requestedIpv4: request.ipv4Address,
        requestedMac: request.macAddress,
        endpoint: null,
    };
    createEndpoint(state, container, network, attachment);
    container.attachments.push(attachment);
    return attachment;
}

function checkRequestedAddress(network: DockerNetwork, request: EndpointRequest): void {
    if (request.macAddress !== null && !isMacAddress(request.macAddress)) {
        throw new EngineError(400, `invalid MAC address: ${request.macAddress}`);
    }
    if (request.ipv4Address === null) {
        return;
    }
    if (network.predefined) {
        throw staticIpNeedsUserNetwork();
    }
    if (!network.subnetRequested) {
        throw staticIpNeedsSubnet();
    }
    const address = parseIpv4(request.ipv4Address);
    if (address === null) {
        throw invalidIpv4Address(request.ipv4Address);
    }
    const subnet = parseIpv4Prefix(network.ipamConfig[0]?.subnet ?? "");
    if (subnet === null || !prefixContainsAddress(subnet, address)) {
        throw addressOutsideSubnet(request.ipv4Address);
    }
}

/**
 * Creates the HNS endpoint and Docker endpoint for an attachment. Failures carry the engine's
 * "failed to create endpoint <container> on network <network>" prefix. The `none` network gets
 * no endpoint. On a DHCP network (no subnet) the address stays empty until the container starts.
 */
export function createEndpoint(
    state: HostState,
    container: Container,
    network: DockerNetwork,
    attachment: Attachment,
): void {
    if (network.hnsNetworkId === null) {
        return;
    }
    const hnsNetwork = findHnsNetwork(state, network.hnsNetworkId);
    if (hnsNetwork === undefined) {
        throw endpointCreateFailed(container.name, network.name, new EngineError(500, HNS_NOT_FOUND_TEXT));
    }
    try {
        checkPortConflicts(state, container, network);
        buildEndpoint(state, container, network, hnsNetwork, attachment);
    } catch (error) {
        if (error instanceof EngineError && error.statusCode === 500) {
            throw endpointCreateFailed(container.name, network.name, error);
        }
        throw error;
    }
}

function buildEndpoint(
    state: HostState,
    container: Container,
    network: DockerNetwork,
    hnsNetwork: HnsNetwork,
    attachment: Attachment,
): void {
    const subnet = hnsNetwork.subnets[0];
    const prefix = subnet === undefined ? null : parseIpv4Prefix(subnet.addressPrefix);
    const address =
        prefix === null ? "" : chooseAddress(state, hnsNetwork, prefix, attachment.requestedIpv4, 2);
    const mac = toHnsMac(attachment.requestedMac ?? newHyperVMac());
    const hnsEndpoint = createHnsEndpoint(state, {
        name: newDockerId(),
        virtualNetwork: hnsNetwork.id,
        virtualNetworkName: hnsNetwork.name,
        ipAddress: address,
        prefixLength: prefix?.prefixLength ?? 0,
        gatewayAddress: subnet?.gatewayAddress ?? "",
        macAddress: mac,
        dnsServerList: hnsNetwork.dnsServerList ?? "",
        dnsSuffix: hnsNetwork.dnsSuffix ?? "",
        containerId: container.id,
        isStatic: attachment.requestedIpv4 !== null,
    });
    attachment.networkId = network.id;
    attachment.endpoint = {
        endpointId: hnsEndpoint.name,
        hnsEndpointId: hnsEndpoint.id,
        ipv4Address: address,
        prefixLength: hnsEndpoint.prefixLength,
        gateway: hnsEndpoint.gatewayAddress,
        macAddress: toDockerMac(mac),
    };
}

/** Addresses on the network's segment that a new endpoint must not take. */
function usedAddresses(state: HostState, hnsNetwork: HnsNetwork): Set<string> {
    const used = new Set<string>();
    hnsNetwork.subnets.forEach((subnet) => used.add(subnet.gatewayAddress ?? ""));
    state.hnsEndpoints
        .filter((endpoint) => endpoint.virtualNetwork === hnsNetwork.id)
        .forEach((endpoint) => used.add(endpoint.ipAddress));
    state.adapters
        .flatMap((adapter) => adapter.ipv4Addresses)
        .forEach((assignment) => used.add(assignment.address));
    return used;
}

/**
 * Returns the requested address when it is free, or the first free address from `firstIndex`.
 * NOTE: the "object already exists" text for a taken address is inferred, not seen on a host.
 */
function chooseAddress(
    state: HostState,
    hnsNetwork: HnsNetwork,
    prefix: Ipv4Prefix,
    requested: string | null,
    firstIndex: number,
): string {
    const used = usedAddresses(state, hnsNetwork);
    if (requested !== null) {
        if (used.has(requested)) {
            throw hnsObjectExists();
        }
        return requested;
    }
    const last = lastAddress(prefix);
    for (let candidate = nthAddress(prefix, firstIndex); candidate < last; candidate += 1) {
        if (!used.has(formatIpv4(candidate))) {
            return formatIpv4(candidate);
        }
    }
    throw hnsObjectExists();
}

/** Rejects a host port another live container binds on NAT: HNS fails with 0x20, or "Unspecified error" on WS2016. */
function checkPortConflicts(state: HostState, container: Container, network: DockerNetwork): void {
    if (network.driver !== "nat" || container.portBindings.length === 0) {
        return;
    }
    const boundPorts = new Set<string>();
    for (const other of state.containers) {
        const live = other.attachments.some((attachment) => attachment.endpoint !== null);
        if (other.id !== container.id && live) {
            other.portBindings.forEach((binding) =>
                boundPorts.add(hostPortKey(binding.containerPort, binding.hostPort)),
            );
        }
    }
    const clash = container.portBindings.some((binding) =>
        boundPorts.has(hostPortKey(binding.containerPort, binding.hostPort)),
    );
    if (clash) {
        throw hnsPortInUse(getProfile(state.profile));
    }
}

function hostPortKey(containerPort: string, hostPort: string): string {
    const protocol = containerPort.split("/")[1] ?? "tcp";
    return `${hostPort}/${protocol}`;
}

/** Deletes an attachment's endpoint, leaving the attachment (as a stopped container keeps its settings). */
export function releaseEndpoint(state: HostState, attachment: Attachment): void {
    if (attachment.endpoint !== null) {
        deleteHnsEndpoint(state, attachment.endpoint.hnsEndpointId);
        attachment.endpoint = null;
    }
}

/** Disconnects a container from a network with the engine's errors when it is not connected. */
export function detachContainer(state: HostState, container: Container, network: DockerNetwork): void {
    const attachment = container.attachments.find((candidate) => candidate.networkId === network.id);
    if (attachment === undefined) {
        throw container.status === "running"
            ? notConnectedRunning(container.id, network.name)
            : notConnectedStopped(container.id, network.name);
    }
    releaseEndpoint(state, attachment);
    container.attachments = container.attachments.filter((candidate) => candidate !== attachment);
}

/**
 * Runs DHCP for a starting container: endpoints on networks without a subnet get a lease from
 * the uplink's segment (or APIPA without one). On a segment marked `dhcpOverridesStatic`, static
 * endpoints get a lease too, which only HNS shows: Docker keeps reporting the requested address,
 * as posted from Windows hosts where `--ip` was ignored.
 */
export function runDhcp(state: HostState, container: Container): void {
    for (const attachment of container.attachments) {
        const endpoint = attachment.endpoint;
        const hnsEndpoint = state.hnsEndpoints.find((candidate) => candidate.id === endpoint?.hnsEndpointId);
        const hnsNetwork =
            hnsEndpoint === undefined ? undefined : findHnsNetwork(state, hnsEndpoint.virtualNetwork);
        if (endpoint === null || hnsEndpoint === undefined || hnsNetwork === undefined) {
            continue;
        }
        const dhcp = hnsNetwork.subnets.length === 0;
        const overridden = hnsNetwork.dhcpOverridesStatic && hnsEndpoint.isStatic;
        if ((dhcp && hnsEndpoint.ipAddress === "") || overridden) {
            const segment = dhcp
                ? uplinkSegment(state, hnsNetwork)
                : (parseIpv4Prefix(hnsNetwork.subnets[0].addressPrefix) as Ipv4Prefix);
            hnsEndpoint.ipAddress = chooseAddress(state, hnsNetwork, segment, null, FIRST_DHCP_INDEX);
            hnsEndpoint.prefixLength = segment.prefixLength;
            hnsEndpoint.gatewayAddress = formatIpv4(nthAddress(segment, 1));
            if (dhcp) {
                endpoint.ipv4Address = hnsEndpoint.ipAddress;
                endpoint.prefixLength = segment.prefixLength;
                endpoint.gateway = hnsEndpoint.gatewayAddress;
            }
        }
    }
}

/** Reads the physical segment behind a network's switch from the host vNIC, or else the adapter. */
function uplinkSegment(state: HostState, hnsNetwork: HnsNetwork): Ipv4Prefix {
    const holder =
        (hnsNetwork.switchName === null
            ? undefined
            : findAdapter(state, `vEthernet (${hnsNetwork.switchName})`)) ??
        (hnsNetwork.networkAdapterName === null
            ? undefined
            : findAdapter(state, hnsNetwork.networkAdapterName));
    const assignment = holder?.ipv4Addresses[0];
    return assignment === undefined
        ? APIPA
        : (parseIpv4Prefix(`${assignment.address}/${assignment.prefixLength}`) as Ipv4Prefix);
}
