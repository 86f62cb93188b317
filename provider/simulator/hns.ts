import { hnsObjectExists, hnsParameterIncorrect, LingeringSwitchError } from "./errors";
import { newGuid, newHyperVMac } from "./ids";
import {
    formatIpv4,
    formatIpv4Prefix,
    type Ipv4Prefix,
    nthAddress,
    parseIpv4,
    prefixContainsAddress,
} from "./ipv4";
import type {
    HnsEndpoint,
    HnsNetwork,
    HostAdapter,
    HostState,
    LingeringSwitchFault,
    MacPool,
    VmSwitch,
} from "./model";
import { addWinNat, placeNatNetwork, removeWinNatIfUnused } from "./nat";
import { getProfile, type HostProfile } from "./profiles";
import {
    addNatGatewayAddress,
    createExternalSwitch,
    findSwitch,
    NAT_SWITCH_NAME,
    removeNatGatewayAddress,
    removeSwitch,
    switchBoundTo,
} from "./switches";

/** Network creation request the engine sends HNS (the HNSNetwork request of moby's Windows driver). */
export interface HnsNetworkRequest {
    name: string;
    type: string;
    subnet: Ipv4Prefix | null;
    gateway: string | null;
    adapterName: string | null;
    dnsServerList: string | null;
    dnsSuffix: string | null;
    vlanId: number | null;
    vsid: number | null;
    macPools: MacPool[];
    /**
     * Internal prefix of the WinNAT that HNS creates with a NAT network when none is active, on
     * WS2016 hosts. Null means the network's own subnet. Only the engine's default `nat` network
     * sets it: to `fixed-cidr` or to 172.16.0.0/12.
     */
    winNatPrefix: Ipv4Prefix | null;
}

/** HNS types that sit on an external switch bound to a physical adapter. */
export const EXTERNAL_TYPES: ReadonlySet<string> = new Set(["transparent", "l2bridge", "l2tunnel"]);

export function findHnsNetwork(state: HostState, id: string): HnsNetwork | undefined {
    const wanted = id.toUpperCase();
    return state.hnsNetworks.find((network) => network.id.toUpperCase() === wanted);
}

/** Creates an HNS network, applying the host's rules; throws the HNS error when it would fail. */
export function createHnsNetwork(
    state: HostState,
    profile: HostProfile,
    request: HnsNetworkRequest,
): HnsNetwork {
    const network = EXTERNAL_TYPES.has(request.type)
        ? buildExternalNetwork(state, profile, request)
        : request.type === "nat"
          ? buildNatNetwork(state, profile, request)
          : buildPlainNetwork(request);
    state.hnsNetworks.push(network);
    return network;
}

function baseNetwork(request: HnsNetworkRequest): HnsNetwork {
    return {
        id: newGuid(),
        name: request.name,
        type: request.type,
        subnets: [],
        networkAdapterName: null,
        switchName: null,
        switchGuid: null,
        natName: null,
        dnsServerList: request.dnsServerList,
        dnsSuffix: request.dnsSuffix,
        vlanId: request.vlanId,
        vsid: request.vsid,
        macPools: request.macPools,
        dhcpOverridesStatic: false,
    };
}

/** Returns the gateway to use: the requested one, which must lie in the subnet, or the first address. */
function gatewayFor(profile: HostProfile, subnet: Ipv4Prefix, requested: string | null): string {
    if (requested === null) {
        return formatIpv4(nthAddress(subnet, 1));
    }
    const gateway = parseIpv4(requested);
    if (gateway === null || !prefixContainsAddress(subnet, gateway)) {
        throw hnsParameterIncorrect(profile);
    }
    return requested;
}

function buildNatNetwork(state: HostState, profile: HostProfile, request: HnsNetworkRequest): HnsNetwork {
    const placement = placeNatNetwork(state, profile, request);
    const subnet = placement.subnet;
    const gateway = gatewayFor(profile, subnet, request.gateway);
    addWinNat(state, placement);
    addNatGatewayAddress(state, gateway, subnet.prefixLength, newHyperVMac());
    return {
        ...baseNetwork(request),
        subnets: [{ addressPrefix: formatIpv4Prefix(subnet), gatewayAddress: gateway }],
        switchName: NAT_SWITCH_NAME,
        switchGuid: findSwitch(state, NAT_SWITCH_NAME)?.id.toUpperCase() ?? null,
        // WS2016 keeps NAT state in the WinNAT, so only later HNS versions name a NAT of their own.
        natName: profile.natModel === "hns" ? `NAT${newGuid()}` : null,
    };
}

function buildPlainNetwork(request: HnsNetworkRequest): HnsNetwork {
    const subnets =
        request.subnet === null
            ? []
            : [{ addressPrefix: formatIpv4Prefix(request.subnet), gatewayAddress: request.gateway }];
    return { ...baseNetwork(request), subnets };
}

function buildExternalNetwork(
    state: HostState,
    profile: HostProfile,
    request: HnsNetworkRequest,
): HnsNetwork {
    if (request.type !== "transparent" && (request.subnet === null || request.gateway === null)) {
        // NOTE: inferred, not seen on a host: l2bridge and l2tunnel are static-only, so HNS gets
        // no usable subnet and rejects the request the way it rejects other bad parameters.
        throw hnsParameterIncorrect(profile);
    }
    const subnet = request.subnet;
    const gateway = subnet === null ? null : gatewayFor(profile, subnet, request.gateway);
    const uplink = chooseUplink(state, profile, request.adapterName);
    checkLingeringSwitch(state, uplink.adapter);
    const vmSwitch =
        uplink.existingSwitch ??
        createExternalSwitch(state, {
            name: request.name,
            adapters: [uplink.adapter],
            allowManagementOS: true,
            createdBy: "hns",
        });
    return {
        ...baseNetwork(request),
        subnets:
            subnet === null ? [] : [{ addressPrefix: formatIpv4Prefix(subnet), gatewayAddress: gateway }],
        networkAdapterName: uplink.adapter.name,
        switchName: vmSwitch.name,
        switchGuid: vmSwitch.id.toUpperCase(),
    };
}

interface Uplink {
    adapter: HostAdapter;
    existingSwitch: VmSwitch | null;
}

/** Returns true for an adapter HNS can bind an external switch to: wired, physical and up. */
function isBindable(adapter: HostAdapter): boolean {
    return adapter.kind === "physical" && adapter.physicalMediaType === "802.3" && adapter.status === "Up";
}

/**
 * Returns true when a network is layered on the switch. The network HNS made at its start for an
 * out-of-band switch does not count, because Windows reuses a switch that Docker lists.
 */
function switchInUse(state: HostState, vmSwitch: VmSwitch): boolean {
    return state.hnsNetworks.some(
        (network) => isOnSwitch(network, vmSwitch) && network.createdForSwitch !== true,
    );
}

/**
 * True when the network is layered on the switch: its SwitchGuid is the switch's id, or, for a
 * network of an older state file without one, its switch name is the switch's name.
 */
export function isOnSwitch(network: HnsNetwork, vmSwitch: VmSwitch): boolean {
    if (typeof network.switchGuid === "string") {
        return network.switchGuid.toUpperCase() === vmSwitch.id.toUpperCase();
    }
    return network.switchName !== null && network.switchName.toLowerCase() === vmSwitch.name.toLowerCase();
}

/** Returns the switch a network is layered on, if it still exists. */
export function switchOfNetwork(state: HostState, network: HnsNetwork): VmSwitch | undefined {
    return state.vmSwitches.find((vmSwitch) => isOnSwitch(network, vmSwitch));
}

/**
 * Returns the `SwitchGuid` HNS prints for a network: the stored id, or, for a network of an older
 * state file without one, the id of the switch of that name. Null for a network on no switch.
 */
export function hnsSwitchGuid(state: HostState, network: HnsNetwork): string | null {
    if (typeof network.switchGuid === "string") {
        return network.switchGuid;
    }
    return network.switchName === null
        ? null
        : (findSwitch(state, network.switchName)?.id.toUpperCase() ?? null);
}

function lingeringSwitchFault(state: HostState, adapterName: string): LingeringSwitchFault | undefined {
    const expected = adapterName.toLowerCase();
    return state.hnsFaults?.lingeringSwitches.find((fault) => fault.adapterName.toLowerCase() === expected);
}

/** Throws when a lingering switch on the adapter still makes creates fail. */
function checkLingeringSwitch(state: HostState, adapter: HostAdapter): void {
    const fault = lingeringSwitchFault(state, adapter.name);
    if (fault !== undefined && fault.remainingFailures > 0) {
        throw new LingeringSwitchError(adapter.name);
    }
}

/** Counts one create that failed because of a lingering switch on the adapter. */
export function consumeLingeringSwitchFailure(state: HostState, adapterName: string): void {
    const fault = lingeringSwitchFault(state, adapterName);
    if (fault !== undefined && fault.remainingFailures > 0) {
        fault.remainingFailures -= 1;
    }
}

/**
 * Picks the adapter for an external network. A named adapter that is missing, a host vNIC,
 * Wi-Fi or disconnected fails with "The parameter is incorrect" (0x57), as posted from WS2019 and
 * Wi-Fi hosts. An adapter whose switch already carries a network fails with "The object already
 * exists". An adapter whose switch was made out of band, before HNS last started, fails with 0x57.
 */
function chooseUplink(state: HostState, profile: HostProfile, adapterName: string | null): Uplink {
    if (adapterName !== null) {
        const adapter = state.adapters.find(
            (candidate) => candidate.name.toLowerCase() === adapterName.toLowerCase(),
        );
        if (adapter === undefined || !isBindable(adapter)) {
            throw hnsParameterIncorrect(profile);
        }
        return uplinkOn(state, profile, adapter);
    }
    const candidates = state.adapters.filter(isBindable).sort((a, b) => a.ifIndex - b.ifIndex);
    const free = candidates.find((adapter) => {
        const bound = switchBoundTo(state, adapter.name);
        return bound === undefined || (bound.hnsVisible && !switchInUse(state, bound));
    });
    if (free !== undefined) {
        return uplinkOn(state, profile, free);
    }
    throw candidates.length > 0 ? hnsObjectExists() : hnsParameterIncorrect(profile);
}

function uplinkOn(state: HostState, profile: HostProfile, adapter: HostAdapter): Uplink {
    const bound = switchBoundTo(state, adapter.name);
    if (bound === undefined) {
        return { adapter, existingSwitch: null };
    }
    if (switchInUse(state, bound)) {
        throw hnsObjectExists();
    }
    if (!bound.hnsVisible) {
        throw hnsParameterIncorrect(profile);
    }
    return { adapter, existingSwitch: bound };
}

/**
 * Deletes an HNS network by id (any letter case) with its endpoints, as `Remove-HnsNetwork` and
 * the engine do. A NAT network takes its gateway address along, and on WS2016 the last NAT network
 * takes the WinNAT. The switch HNS made for an external network goes too (the adapter gets its
 * addresses back); a switch made by an administrator stays. Docker networks and container
 * attachments are left as they are: the engine notices at its next start. Returns the deleted
 * network, or undefined when no network has that id.
 */
export function deleteHnsNetwork(state: HostState, id: string): HnsNetwork | undefined {
    const network = findHnsNetwork(state, id);
    if (network === undefined) {
        return undefined;
    }
    state.hnsEndpoints = state.hnsEndpoints.filter((endpoint) => endpoint.virtualNetwork !== network.id);
    state.hnsNetworks = state.hnsNetworks.filter((candidate) => candidate !== network);
    if (network.type === "nat") {
        network.subnets.forEach((subnet) => removeNatGatewayAddress(state, subnet.gatewayAddress ?? ""));
        removeWinNatIfUnused(state, getProfile(state.profile));
        return network;
    }
    const lingering =
        network.networkAdapterName === null
            ? undefined
            : lingeringSwitchFault(state, network.networkAdapterName);
    if (lingering !== undefined && EXTERNAL_TYPES.has(network.type)) {
        lingering.remainingFailures = lingering.failuresPerRemoval;
    }
    const vmSwitch = switchOfNetwork(state, network);
    if (vmSwitch !== undefined && vmSwitch.createdBy === "hns" && vmSwitch.switchType === "External") {
        if (!switchInUse(state, vmSwitch)) {
            removeSwitch(state, vmSwitch);
        }
    }
    return network;
}

/** Fields of a new HNS endpoint that the caller decides. */
export type HnsEndpointRequest = Omit<HnsEndpoint, "id">;

export function createHnsEndpoint(state: HostState, request: HnsEndpointRequest): HnsEndpoint {
    const endpoint: HnsEndpoint = { id: newGuid(), ...request };
    state.hnsEndpoints.push(endpoint);
    return endpoint;
}

export function deleteHnsEndpoint(state: HostState, id: string): void {
    state.hnsEndpoints = state.hnsEndpoints.filter((endpoint) => endpoint.id !== id);
}
