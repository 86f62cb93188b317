/**
 * Normalizers for HNS networks and endpoints as `Get-HnsNetwork`, `Get-HnsEndpoint`, HNS create
 * responses and the legacy `Get-ContainerNetwork` print them in JSON. Key names and layouts vary
 * by Windows generation: 2022 and later add `Flags`, `NatName` and VLAN policies, older hosts
 * carry `Resources.Allocators` (with the misspelt key `CompartmendId`), and the HCN v2 schema
 * uses `Settings` and `IpConfigurations`. Unknown keys are ignored and kept in `raw`.
 */
import { normalizeCidr } from "../model/cidr";
import {
    isJsonObject,
    normalizeGuid,
    normalizeMac,
    parseHostJson,
    readField,
    readList,
    readNumber,
    readString,
} from "./textFormats";

/** An IPv4 subnet of an HNS network. */
export interface HnsSubnet {
    /** The network prefix with host bits cleared, for example `172.21.16.0/20`. */
    prefix: string;
    /** The prefix as the host reported it, for display; differs from `prefix` when it had host bits. */
    reportedPrefix: string;
    gateway?: string;
}

/** An HNS network in one shape for every Windows generation. */
export interface HnsNetwork {
    /** HNS network id, a lower-case GUID. Docker's `windowsshim.hnsid` option contains it in upper case. */
    id: string;
    name: string;
    /** Network type in lower case: `nat`, `transparent`, `l2bridge`, `ics`, `internal`, ... */
    type: string;
    subnets: HnsSubnet[];
    /** WinNAT instance behind a NAT or ICS network, for example `NAT9EB86A6C-...`. */
    natName?: string;
    /** Name of the switch the network is layered on (`SwitchName`). */
    switchName?: string;
    /**
     * Id of that switch (`SwitchGuid`), a lower-case GUID. It distinguishes a network that
     * outlived its switch from one on a new switch of the same name.
     * NOTE: inferred, not seen on a host: a network keeps the id of a switch removed by hand
     * until HNS restarts.
     */
    switchGuid?: string;
    /** Uplink adapter of an external-switch network (transparent, l2bridge). */
    adapterName?: string;
    /** The Docker network id, when the HNS name is one (Docker names HNS networks by its id). */
    dockerNetworkId?: string;
    /**
     * VLAN id from a VLAN policy. HNS adds VLAN policies to NAT networks on its own, so on those
     * it is an HNS detail and not a user setting.
     */
    vlan?: number;
    managementIp?: string;
    /** The object as the host printed it. */
    raw: unknown;
}

/** An HNS endpoint: one container's (or namespace's) attachment to an HNS network. */
export interface HnsEndpoint {
    /** Endpoint id, a lower-case GUID. */
    id: string;
    name?: string;
    /** Id of the endpoint's HNS network, a lower-case GUID. */
    networkId: string;
    networkName?: string;
    ipAddress?: string;
    prefixLength?: number;
    gateway?: string;
    /** MAC address in the Windows form `00-15-5D-CD-BE-47`. */
    mac?: string;
    dnsServers: string[];
    dnsSuffix?: string;
    /** Containers that share the endpoint (`SharedContainers`), lower case. */
    containerIds: string[];
    /** Network namespace (compartment) id, a lower-case GUID. */
    namespaceId?: string;
    raw: unknown;
}

/** HNS data that cannot be normalized: a missing id, or a failed HNS response. */
export class HnsDataError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "HnsDataError";
    }
}

/**
 * Normalizes one HNS network object of any generation, or one row of the legacy
 * `Get-ContainerNetwork` (whose `Mode` is the type). An HNS create response
 * (`{"Success": true, "Output": {...}}`) is unwrapped. Throws {@link HnsDataError} when the object
 * has no GUID id or is a failed response, and FormattedTextError when a list in it is text.
 */
export function normalizeHnsNetwork(raw: unknown): HnsNetwork {
    const network = unwrapResponse(raw, "HNS network");
    const id = normalizeGuid(readField(network, "ID", "Id"));
    if (id === undefined) {
        throw new HnsDataError(
            `HNS network without a GUID id (ID was ${JSON.stringify(readField(network, "ID", "Id") ?? null)})`,
        );
    }
    const name = readString(readField(network, "Name")) ?? "";
    return {
        id,
        name,
        type: (readString(readField(network, "Type", "Mode")) ?? "").toLowerCase(),
        subnets: readSubnets(network),
        natName: readString(readField(network, "NatName")),
        switchName: readString(readField(network, "SwitchName")),
        switchGuid: normalizeGuid(readField(network, "SwitchGuid")),
        adapterName: readString(readField(network, "NetworkAdapterName")),
        dockerNetworkId: /^[0-9a-f]{64}$/i.test(name) ? name.toLowerCase() : undefined,
        vlan: readVlan(network),
        managementIp: readString(readField(network, "ManagementIP", "ManagementIPv4")),
        raw,
    };
}

/** Normalizes a list of HNS networks in any of the PowerShell list layouts. */
export function normalizeHnsNetworks(raw: unknown): HnsNetwork[] {
    return readList(raw, "HNS networks").map(normalizeHnsNetwork);
}

/**
 * Parses the printed output of `Get-HnsNetwork | ConvertTo-Json -Depth 10 -Compress` (or of the
 * legacy command). Throws FormattedTextError for Format-List or console-wrapped text.
 */
export function parseHnsNetworksJson(text: string): HnsNetwork[] {
    return normalizeHnsNetworks(parseHostJson(text, "HNS networks"));
}

/** True for a NAT network, identified by its type because names are user-chosen or Docker ids. */
export function isNatNetwork(network: HnsNetwork): boolean {
    return network.type === "nat";
}

/** Finds a network by its id in either case, with or without braces. */
export function findHnsNetworkById(networks: HnsNetwork[], id: string): HnsNetwork | undefined {
    const wanted = normalizeGuid(id);
    return wanted === undefined ? undefined : networks.find((network) => network.id === wanted);
}

function unwrapResponse(raw: unknown, subject: string): unknown {
    const success = readField(raw, "Success");
    if (success === false) {
        const error = readString(readField(raw, "Error")) ?? "no error text";
        const code = readNumber(readField(raw, "ErrorCode"));
        const codeText = code === undefined ? "" : ` (ErrorCode 0x${(code >>> 0).toString(16)})`;
        throw new HnsDataError(`HNS returned a failure instead of the ${subject}: ${error}${codeText}`);
    }
    const output = readField(raw, "Output");
    return success === true && isJsonObject(output) ? output : raw;
}

/**
 * Reads subnets from `Subnets` (objects with `AddressPrefix`, or `IpSubnets[].IpAddressPrefix`
 * when that is missing, or plain prefix strings), else from the legacy `SubnetPrefix`, else
 * from the NAT allocator in `Resources.Allocators`. IPv6 and malformed prefixes are skipped.
 */
function readSubnets(network: unknown): HnsSubnet[] {
    const fromList = readList(readField(network, "Subnets"), "HNS network Subnets").flatMap(readSubnet);
    if (fromList.length > 0) {
        return fromList;
    }
    const legacy = readString(readField(network, "SubnetPrefix"));
    if (legacy !== undefined) {
        return toSubnet(legacy, readString(readField(network, "GatewayAddress")));
    }
    return natAllocators(network).flatMap((allocator) => {
        const address = readString(readField(allocator, "SubnetIPAddress"));
        const length = readNumber(readField(allocator, "Prefix"));
        return address === undefined || length === undefined
            ? []
            : toSubnet(`${address}/${length}`, undefined);
    });
}

function readSubnet(subnet: unknown): HnsSubnet[] {
    if (typeof subnet === "string") {
        return toSubnet(subnet, undefined);
    }
    const gateway = readString(readField(subnet, "GatewayAddress", "Gateway"));
    const prefix = readString(readField(subnet, "AddressPrefix", "IpAddressPrefix"));
    if (prefix !== undefined) {
        return toSubnet(prefix, gateway);
    }
    const ipSubnets = readList(readField(subnet, "IpSubnets"), "HNS subnet IpSubnets");
    return ipSubnets.flatMap((ipSubnet) => {
        const inner = readString(readField(ipSubnet, "IpAddressPrefix"));
        return inner === undefined ? [] : toSubnet(inner, gateway);
    });
}

function toSubnet(reportedPrefix: string, gateway: string | undefined): HnsSubnet[] {
    const prefix = normalizeCidr(reportedPrefix);
    if (prefix === undefined) {
        return [];
    }
    return [
        gateway === undefined
            ? { prefix: prefix.cidr, reportedPrefix }
            : { prefix: prefix.cidr, reportedPrefix, gateway },
    ];
}

/** Returns the allocators tagged `NAT` in `Resources.Allocators`, which older HNS versions use for NAT partitions. */
function natAllocators(network: unknown): unknown[] {
    const allocators = readList(readField(readField(network, "Resources"), "Allocators"), "HNS allocators");
    return allocators.filter((allocator) => readString(readField(allocator, "Tag"))?.toUpperCase() === "NAT");
}

/** Reads the VLAN id from a `VLAN` policy: `{Type: "VLAN", VLAN: 1}` (v1) or `Settings.IsolationId` (v2). */
function readVlan(network: unknown): number | undefined {
    for (const policy of readList(readField(network, "Policies"), "HNS network Policies")) {
        if (readString(readField(policy, "Type"))?.toUpperCase() !== "VLAN") {
            continue;
        }
        const vlan =
            readNumber(readField(policy, "VLAN", "VlanId")) ??
            readNumber(readField(readField(policy, "Settings"), "IsolationId"));
        if (vlan !== undefined) {
            return vlan;
        }
    }
    return undefined;
}

/**
 * Normalizes one HNS endpoint: the v1 layout of `Get-HnsEndpoint` (`VirtualNetwork`,
 * `IPAddress`, `DNSServerList` as comma-separated text) or the v2 layout (`HostComputeNetwork`,
 * `IpConfigurations`, `Dns`). Throws {@link HnsDataError} when the endpoint id or network id is
 * not a GUID.
 */
export function normalizeHnsEndpoint(raw: unknown): HnsEndpoint {
    const endpoint = unwrapResponse(raw, "HNS endpoint");
    const id = normalizeGuid(readField(endpoint, "ID", "Id"));
    const networkId = normalizeGuid(readField(endpoint, "VirtualNetwork", "HostComputeNetwork"));
    if (id === undefined || networkId === undefined) {
        throw new HnsDataError(
            `HNS endpoint without a GUID id and network id (ID ${JSON.stringify(readField(endpoint, "ID") ?? null)}, ` +
                `VirtualNetwork ${JSON.stringify(readField(endpoint, "VirtualNetwork") ?? null)})`,
        );
    }
    const ipConfiguration = readList(
        readField(endpoint, "IpConfigurations"),
        "HNS endpoint IpConfigurations",
    )[0];
    const dns = readField(endpoint, "Dns");
    return {
        id,
        name: readString(readField(endpoint, "Name")),
        networkId,
        networkName: readString(readField(endpoint, "VirtualNetworkName")),
        ipAddress: readString(readField(endpoint, "IPAddress") ?? readField(ipConfiguration, "IpAddress")),
        prefixLength: readNumber(
            readField(endpoint, "PrefixLength") ?? readField(ipConfiguration, "PrefixLength"),
        ),
        gateway: readString(readField(endpoint, "GatewayAddress")),
        mac: normalizeMac(readField(endpoint, "MacAddress")),
        dnsServers: readDnsServers(readField(endpoint, "DNSServerList") ?? readField(dns, "ServerList")),
        dnsSuffix: readString(readField(endpoint, "DNSSuffix") ?? readField(dns, "Domain")),
        containerIds: readList(readField(endpoint, "SharedContainers"), "HNS endpoint SharedContainers")
            .map(readString)
            .filter((value): value is string => value !== undefined)
            .map((value) => value.toLowerCase()),
        namespaceId: normalizeGuid(readField(readField(endpoint, "Namespace"), "ID")),
        raw,
    };
}

/** Normalizes a list of HNS endpoints in any of the PowerShell list layouts. */
export function normalizeHnsEndpoints(raw: unknown): HnsEndpoint[] {
    return readList(raw, "HNS endpoints").map(normalizeHnsEndpoint);
}

/** Parses the printed output of `Get-HnsEndpoint | ConvertTo-Json -Depth 10 -Compress`. */
export function parseHnsEndpointsJson(text: string): HnsEndpoint[] {
    return normalizeHnsEndpoints(parseHostJson(text, "HNS endpoints"));
}

/** Reads DNS servers, which HNS v1 prints as one comma-separated string and v2 as a list. */
function readDnsServers(value: unknown): string[] {
    const items = typeof value === "string" ? value.split(",") : readList(value, "HNS endpoint DNS servers");
    return items.map(readString).filter((server): server is string => server !== undefined);
}

/** Endpoints grouped by their network, and those whose network is not in the list. */
export interface EndpointJoin {
    /** Endpoints by network id (lower-case GUID); every network has an entry, possibly empty. */
    byNetwork: Map<string, HnsEndpoint[]>;
    /** Endpoints whose `VirtualNetwork` matches no network. */
    unmatched: HnsEndpoint[];
}

/** Joins endpoints to networks by network GUID; both sides are lower case after normalization. */
export function joinEndpointsToNetworks(networks: HnsNetwork[], endpoints: HnsEndpoint[]): EndpointJoin {
    const byNetwork = new Map<string, HnsEndpoint[]>(networks.map((network) => [network.id, []]));
    const unmatched: HnsEndpoint[] = [];
    for (const endpoint of endpoints) {
        const list = byNetwork.get(endpoint.networkId);
        if (list) {
            list.push(endpoint);
        } else {
            unmatched.push(endpoint);
        }
    }
    return { byNetwork, unmatched };
}
