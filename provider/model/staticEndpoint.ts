import type { HostSpec } from "../host/spec";
import { broadcastAddress, containsAddress, isIpv6Text, normalizeCidr, parseIpv4 } from "./cidr";
import { FailureList } from "./failures";
import { validateHostSpec } from "./hostSpec";
import { containsUnknown } from "./unknown";

/**
 * Rules of the StaticEndpoint resource: input syntax, whether an address fits a network, who else
 * uses it, how two states differ, and the message when the host shows another address than the
 * requested one. Nothing here does I/O.
 */

/** The inputs of a StaticEndpoint after check filled in defaults. */
export interface StaticEndpointInputs {
    host: HostSpec;
    /** Container name or id, as the user wrote it. */
    container: string;
    /** Network name or id, as the user wrote it. */
    network: string;
    ipv4Address: string;
    /** MAC address in Docker's form `00:15:5d:0a:0b:0c`, lower case. */
    macAddress?: string;
    allowStop: boolean;
}

export const STATIC_ENDPOINT_INPUT_KEYS: readonly (keyof StaticEndpointInputs)[] = [
    "host",
    "container",
    "network",
    "ipv4Address",
    "macAddress",
    "allowStop",
];

/** Settings check accepts: the inputs, the owner the resource class adds, and the serialized provider. */
const KNOWN_KEYS = new Set<string>([...STATIC_ENDPOINT_INPUT_KEYS, "owner", "__provider"]);

/** Returns the checked inputs with defaults filled in and the MAC normalized, and every syntax failure at once. */
export function checkStaticEndpoint(raw: Record<string, unknown>): {
    inputs: Record<string, unknown>;
    failures: FailureList;
} {
    const failures = new FailureList();
    const inputs: Record<string, unknown> = { ...raw };
    inputs.allowStop = raw.allowStop ?? false;
    if (raw.macAddress === null) {
        delete inputs.macAddress;
    }

    for (const key of Object.keys(raw)) {
        if (!KNOWN_KEYS.has(key)) {
            failures.add(
                key,
                `is not a StaticEndpoint setting; use one of ${STATIC_ENDPOINT_INPUT_KEYS.join(", ")}. Setting names are case-sensitive`,
            );
        }
    }
    validateHostSpec(raw.host, failures);
    validateReference(raw.container, "container", '"web-01" or a container id', failures);
    validateReference(raw.network, "network", '"tlan1" or a network id', failures);
    validateAddress(raw.ipv4Address, failures);
    if (inputs.macAddress !== undefined) {
        const mac = checkMacAddress(raw.macAddress, failures);
        if (mac !== undefined) {
            inputs.macAddress = mac;
        }
    }
    if (!containsUnknown(inputs.allowStop) && typeof inputs.allowStop !== "boolean") {
        failures.add(
            "allowStop",
            `${JSON.stringify(inputs.allowStop)} is ${typeName(inputs.allowStop)}, not a boolean; use true or false`,
        );
    }
    return { inputs, failures };
}

/** Returns the MAC in Docker's form, or undefined after adding a failure (or for a value unknown during preview). */
function checkMacAddress(value: unknown, failures: FailureList): string | undefined {
    if (containsUnknown(value)) {
        return undefined;
    }
    if (typeof value !== "string") {
        failures.add(
            "macAddress",
            `${JSON.stringify(value)} is ${typeName(value)}, not a string; write the MAC as text, for example "00:15:5d:0a:0b:0c"`,
        );
        return undefined;
    }
    const mac = normalizeMacAddress(value);
    if (mac === undefined) {
        failures.add(
            "macAddress",
            `${JSON.stringify(value)} is not a MAC address; write six hex pairs, for example "00:15:5d:0a:0b:0c"`,
        );
        return undefined;
    }
    const problem = macProblem(mac);
    if (problem !== undefined) {
        failures.add("macAddress", `${value} ${problem}`);
        return undefined;
    }
    return mac;
}

/** Returns the JSON type of a value with its article, for messages: "a number", "a list", "an object". */
function typeName(value: unknown): string {
    if (value === null) {
        return "null";
    }
    if (Array.isArray(value)) {
        return "a list";
    }
    return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function validateReference(value: unknown, property: string, example: string, failures: FailureList): void {
    if (containsUnknown(value)) {
        return;
    }
    if (value === undefined || value === null || value === "") {
        failures.add(property, `is required: give the ${property} name or id, for example ${example}`);
    } else if (typeof value !== "string") {
        failures.add(
            property,
            `${JSON.stringify(value)} is ${typeName(value)}, not a string; give the ${property} name or id as text, for example ${example}`,
        );
    } else if (value !== value.trim()) {
        failures.add(
            property,
            `${JSON.stringify(value)} has spaces around it; write ${JSON.stringify(value.trim())}`,
        );
    }
}

function validateAddress(value: unknown, failures: FailureList): void {
    if (containsUnknown(value)) {
        return;
    }
    if (value === undefined || value === null || value === "") {
        failures.add("ipv4Address", 'is required: the container\'s IPv4 address, for example "10.20.0.50"');
    } else if (typeof value !== "string") {
        failures.add(
            "ipv4Address",
            `${JSON.stringify(value)} is ${typeName(value)}, not a string; write the address as text, for example "10.20.0.50"`,
        );
    } else if (isIpv6Text(value)) {
        failures.add(
            "ipv4Address",
            `"${value}" is IPv6, which Windows container networks do not support; use an IPv4 address`,
        );
    } else if (value.includes("/")) {
        failures.add(
            "ipv4Address",
            `"${value}" has a prefix length; give the address only ("${value.split("/")[0]}"), because the network's subnet sets the length`,
        );
    } else if (parseIpv4(value) === undefined || value !== value.trim()) {
        failures.add(
            "ipv4Address",
            `${JSON.stringify(value)} is not an IPv4 address; write four decimal numbers without leading zeros, for example "10.20.0.50"`,
        );
    }
}

/**
 * Returns the MAC in Docker's form (`00:15:5d:0a:0b:0c`) from the Docker, Windows (`00-15-5D-...`),
 * Cisco (`0015.5d0a.0b0c`) or bare hex form, or undefined when it is none of them.
 */
export function normalizeMacAddress(text: string): string | undefined {
    const trimmed = text.trim();
    const forms = [
        /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i,
        /^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i,
        /^[0-9a-f]{12}$/i,
    ];
    if (!forms.some((form) => form.test(trimmed))) {
        return undefined;
    }
    const hex = trimmed.replace(/[-:.]/g, "").toLowerCase();
    return (hex.match(/../g) as string[]).join(":");
}

/** Returns why a well-formed MAC cannot be a container's address, or undefined when it can. */
function macProblem(mac: string): string | undefined {
    const firstOctet = parseInt(mac.slice(0, 2), 16);
    if (mac === "00:00:00:00:00:00") {
        return "is the all-zero address, which no adapter can use; choose a unicast address such as 00:15:5d:0a:0b:0c";
    }
    if ((firstOctet & 1) === 1) {
        return "is a multicast or broadcast address (the lowest bit of the first octet is set); choose a unicast address such as 00:15:5d:0a:0b:0c";
    }
    return undefined;
}

/** The facts about a network that decide whether a static address fits it. */
export interface EndpointNetwork {
    name: string;
    driver: string;
    /** The subnet the engine reports; absent for a network without one (DHCP). */
    subnet?: string;
    gateway?: string;
}

/** Networks every Windows engine creates itself, whose addresses the engine always assigns. */
const PREDEFINED_NETWORKS = ["nat", "none", "host", "bridge", "default"];

/**
 * Adds a failure on `ipv4Address` (or `network`) when the address cannot be pinned on the network:
 * a predefined or subnet-less network, an address outside the subnet, or the subnet's network,
 * broadcast or gateway address.
 */
export function checkAddressFitsNetwork(
    address: string,
    network: EndpointNetwork,
    failures: FailureList,
): void {
    if (PREDEFINED_NETWORKS.includes(network.name.toLowerCase()) || network.driver === "null") {
        failures.add(
            "network",
            `"${network.name}" is a network the engine created itself, and static addresses work only on user-defined ` +
                "networks created with a subnet and gateway; create one (ContainerNetwork with subnet and gateway) and use it",
        );
        return;
    }
    const subnet = network.subnet === undefined ? undefined : normalizeCidr(network.subnet);
    if (subnet === undefined) {
        const reason =
            network.driver === "l2bridge"
                ? "l2bridge networks take static addresses only, and this one has no subnet"
                : `the ${network.driver} network has no subnet, so its containers get addresses from DHCP`;
        failures.add(
            "network",
            `"${network.name}" cannot take static addresses: ${reason}. Static addresses need a network created with ` +
                "the physical network's subnet and gateway; re-create it with subnet and gateway set",
        );
        return;
    }
    const parsed = parseIpv4(address);
    if (parsed === undefined) {
        return;
    }
    if (!containsAddress(subnet, parsed)) {
        failures.add(
            "ipv4Address",
            `${address} is outside the subnet ${subnet.cidr} of network "${network.name}"; choose an address inside it`,
        );
    } else if (parsed.toString() === subnet.network.toString()) {
        failures.add(
            "ipv4Address",
            `${address} is the network address of ${subnet.cidr}; choose a host address inside the subnet`,
        );
    } else if (parsed.toString() === broadcastAddress(subnet).toString()) {
        failures.add(
            "ipv4Address",
            `${address} is the broadcast address of ${subnet.cidr}; choose a host address inside the subnet`,
        );
    } else if (
        network.gateway !== undefined &&
        parseIpv4(network.gateway)?.toString() === parsed.toString()
    ) {
        failures.add(
            "ipv4Address",
            `${address} is the gateway of network "${network.name}"; choose another address inside ${subnet.cidr}`,
        );
    }
}

/**
 * Returns the warnings for a network whose addresses DHCP can change: on a transparent segment a DHCP
 * server can override a static address after the container starts, and only the host's HNS endpoint
 * shows it.
 */
export function networkWarnings(address: string, network: EndpointNetwork): string[] {
    if (network.driver !== "transparent") {
        return [];
    }
    return [
        `network "${network.name}" is transparent: a DHCP server on that segment can replace ${address} after the ` +
            "container starts. The provider compares the host's HNS endpoint with the requested address after each " +
            "start and fails when they differ. A DHCP reservation or an address outside the DHCP scope avoids it",
    ];
}

/** Something on the host or in the stack that uses an IPv4 address. */
export type AddressHolder =
    | { kind: "container"; containerId: string; containerName: string; address: string; networkName: string }
    | { kind: "hns-endpoint"; endpointId: string; containerIds: string[]; address: string }
    | { kind: "host-adapter"; interfaceAlias: string; address: string }
    | { kind: "stack"; owner: string; address: string };

/** The endpoint being checked, so that its own address does not count as taken. */
export interface EndpointSelf {
    /** Full container id, lower case, when the container exists. */
    containerId?: string;
    /** HNS endpoint id of the container's current attachment, lower case. */
    hnsEndpointId?: string;
}

/** Returns one failure reason for each holder other than the endpoint itself that has the address. */
export function findAddressConflicts(
    address: string,
    holders: AddressHolder[],
    self: EndpointSelf,
): string[] {
    const wanted = parseIpv4(address)?.toString();
    if (wanted === undefined) {
        return [];
    }
    const ownContainer = self.containerId?.toLowerCase();
    const reasons: string[] = [];
    for (const holder of holders) {
        if (parseIpv4(holder.address)?.toString() !== wanted) {
            continue;
        }
        switch (holder.kind) {
            case "container":
                if (holder.containerId.toLowerCase() !== ownContainer) {
                    reasons.push(
                        `${address} is taken by container "${holder.containerName}" (${holder.containerId.slice(0, 12)}) ` +
                            `on network "${holder.networkName}"; choose another address or move that container`,
                    );
                }
                break;
            case "hns-endpoint":
                if (
                    holder.endpointId.toLowerCase() !== self.hnsEndpointId?.toLowerCase() &&
                    !holder.containerIds.some((id) => id.toLowerCase() === ownContainer)
                ) {
                    const owners =
                        holder.containerIds.length > 0 ? holder.containerIds.join(", ") : "no container";
                    reasons.push(
                        `${address} is taken by HNS endpoint ${holder.endpointId} (${owners}) on the host; ` +
                            "choose another address, or remove that endpoint (Get-HnsEndpoint shows it)",
                    );
                }
                break;
            case "host-adapter":
                reasons.push(
                    `${address} is an address of the host's adapter "${holder.interfaceAlias}"; choose another address`,
                );
                break;
            case "stack":
                reasons.push(
                    `${address} is also requested by ${holder.owner} on the same host and network; give each endpoint its own address`,
                );
                break;
        }
    }
    return reasons;
}

/** Something on the host that uses a MAC address on the network, in Docker's or the Windows form. */
export type MacHolder =
    | {
          kind: "container";
          containerId: string;
          containerName: string;
          macAddress: string;
          networkName: string;
      }
    | { kind: "hns-endpoint"; endpointId: string; containerIds: string[]; macAddress: string }
    | { kind: "host-adapter"; adapterName: string; macAddress: string };

/**
 * Returns one failure reason for each holder other than the endpoint itself that uses the MAC
 * (`mac` in Docker's form). An HNS endpoint of a container that is already reported by name is
 * left out, and host adapters that share the MAC are named in one reason.
 */
export function findMacConflicts(mac: string, holders: MacHolder[], self: EndpointSelf): string[] {
    const ownContainer = self.containerId?.toLowerCase();
    const matching = holders.filter((holder) => normalizeMacAddress(holder.macAddress) === mac);
    const reasons: string[] = [];
    const reportedContainers = new Set<string>();
    const fix = "choose another MAC, or leave macAddress out so that the host chooses one";

    for (const holder of matching) {
        if (holder.kind === "container" && holder.containerId.toLowerCase() !== ownContainer) {
            reportedContainers.add(holder.containerId.toLowerCase());
            reasons.push(
                `MAC ${mac} is taken by container "${holder.containerName}" (${holder.containerId.slice(0, 12)}) ` +
                    `on network "${holder.networkName}"; ${fix}`,
            );
        }
    }
    for (const holder of matching) {
        if (
            holder.kind === "hns-endpoint" &&
            holder.endpointId.toLowerCase() !== self.hnsEndpointId?.toLowerCase() &&
            !holder.containerIds.some((id) => id === ownContainer || reportedContainers.has(id))
        ) {
            const owners = holder.containerIds.length > 0 ? holder.containerIds.join(", ") : "no container";
            reasons.push(
                `MAC ${mac} is taken by HNS endpoint ${holder.endpointId} (${owners}) on the host; ${fix}, ` +
                    "or remove that endpoint (Get-HnsEndpoint shows it)",
            );
        }
    }
    const adapters = matching.flatMap((holder) =>
        holder.kind === "host-adapter" ? [holder.adapterName] : [],
    );
    if (adapters.length > 0) {
        const names = adapters.map((name) => `"${name}"`).join(", ");
        reasons.push(`MAC ${mac} belongs to the host's adapter ${names}; ${fix}`);
    }
    return reasons;
}

/** The other owners that claimed the same thing as the caller; each is undefined when there is none. */
export interface ClaimConflicts {
    address?: string;
    container?: string;
    macAddress?: string;
}

/**
 * Records which StaticEndpoint of the current operation requests which address, container and MAC
 * on each host and network, so that check reports two endpoints of one stack that collide before
 * either is created. One provider process serves one Pulumi operation.
 */
export class EndpointClaims {
    private readonly addresses = new Map<string, string>();
    private readonly containers = new Map<string, string>();
    private readonly macs = new Map<string, string>();

    /**
     * Records the claims of `owner` and returns the other owners that claimed the same address,
     * container or MAC on the same host and network. `macAddress` is undefined when the endpoint
     * requests none. A later claim of the same owner replaces its earlier one.
     */
    claim(
        owner: string,
        hostKey: string,
        networkKey: string,
        address: string,
        containerKey: string,
        macAddress?: string,
    ): ClaimConflicts {
        for (const map of [this.addresses, this.containers, this.macs]) {
            for (const [key, value] of map) {
                if (value === owner) {
                    map.delete(key);
                }
            }
        }
        const scope = `${hostKey}|${networkKey}`;
        const conflicts: ClaimConflicts = {
            address: this.record(
                this.addresses,
                `${scope}|${parseIpv4(address)?.toString() ?? address}`,
                owner,
            ),
            container: this.record(this.containers, `${scope}|${containerKey}`, owner),
        };
        if (macAddress !== undefined) {
            conflicts.macAddress = this.record(
                this.macs,
                `${scope}|${normalizeMacAddress(macAddress) ?? macAddress}`,
                owner,
            );
        }
        return conflicts;
    }

    clear(): void {
        this.addresses.clear();
        this.containers.clear();
        this.macs.clear();
    }

    /** Returns the owner already recorded for `key`, or records `owner` for it and returns undefined. */
    private record(map: Map<string, string>, key: string, owner: string): string | undefined {
        const holder = map.get(key);
        if (holder === undefined) {
            map.set(key, owner);
        }
        return holder;
    }
}

/** The outcome of comparing two StaticEndpoint states. */
export interface EndpointDiff {
    /** Properties whose change means another endpoint: the host, the container or the network. */
    replaces: string[];
    /** Properties that change in place: the address and MAC (a reconnect), and the provider's flags. */
    updates: string[];
}

type Fields = Record<string, unknown>;

/**
 * Compares two StaticEndpoint states over the properties the user manages. It is symmetric and does
 * no I/O, because the engine also calls it after refresh with the sides swapped. A container or
 * network given once by name and once by id counts as the same when the recorded outputs link the
 * two. A value that is unknown during preview counts as changed.
 */
export function diffStaticEndpoint(olds: Fields, news: Fields): EndpointDiff {
    const replaces: string[] = [];
    const updates: string[] = [];
    const differs = (left: unknown, right: unknown) =>
        containsUnknown(left) || containsUnknown(right) || JSON.stringify(left) !== JSON.stringify(right);

    const oldHost = (olds.host ?? {}) as Fields;
    const newHost = (news.host ?? {}) as Fields;
    const oldDocker = (oldHost.docker ?? {}) as Fields;
    const newDocker = (newHost.docker ?? {}) as Fields;
    if (differs(oldDocker.url, newDocker.url)) {
        replaces.push("host.docker.url");
    }
    for (const key of ["container", "network"] as const) {
        if (!sameReference(key, olds, news)) {
            replaces.push(key);
        }
    }
    if (differs(canonicalAddress(olds.ipv4Address), canonicalAddress(news.ipv4Address))) {
        updates.push("ipv4Address");
    }
    if (differs(requestedMac(olds), requestedMac(news))) {
        updates.push("macAddress");
    }
    if (differs(olds.allowStop ?? false, news.allowStop ?? false)) {
        updates.push("allowStop");
    }
    if (differs(oldHost.name, newHost.name)) {
        updates.push("host.name");
    }
    for (const key of ["apiVersion", "timeoutMs", "tls", "ssh"]) {
        if (differs(sorted(oldDocker[key]), sorted(newDocker[key]))) {
            updates.push(`host.docker.${key}`);
        }
    }
    if (differs(sorted(oldHost.powershell), sorted(newHost.powershell))) {
        updates.push("host.powershell");
    }
    return { replaces, updates };
}

/**
 * True when both sides name the same container (or network): the same text, or one side's text is
 * the id or name the other side recorded. A unique id prefix counts, as Docker accepts it.
 */
function sameReference(key: "container" | "network", olds: Fields, news: Fields): boolean {
    const left = olds[key];
    const right = news[key];
    if (containsUnknown(left) || containsUnknown(right)) {
        return false;
    }
    if (left === right) {
        return true;
    }
    const aliases = (side: Fields): string[] =>
        [side[`${key}Id`], side[`${key}Name`]].filter((value): value is string => typeof value === "string");
    const matches = (text: unknown, side: Fields) =>
        typeof text === "string" &&
        aliases(side).some((alias) => alias === text || (text.length >= 12 && alias.startsWith(text)));
    return matches(left, news) || matches(right, olds);
}

function canonicalAddress(value: unknown): unknown {
    return typeof value === "string" ? (parseIpv4(value)?.toString() ?? value) : value;
}

/**
 * Returns the MAC a state requests. Outputs carry it as `requestedMacAddress` (null for none) because
 * their `macAddress` is the MAC in effect; inputs carry it as `macAddress`.
 */
function requestedMac(side: Fields): unknown {
    const value = "requestedMacAddress" in side ? side.requestedMacAddress : side.macAddress;
    if (value === null || value === undefined) {
        return undefined;
    }
    return typeof value === "string" ? (normalizeMacAddress(value) ?? value) : value;
}

function sorted(value: unknown): unknown {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        return value;
    }
    return Object.fromEntries(
        Object.entries(value as Fields)
            .filter(([, item]) => item !== undefined)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([key, item]) => [key, sorted(item)]),
    );
}

/** Source of an endpoint's observed address: the HNS endpoint or Docker's inspect. */
export type AddressSource = "hns" | "docker";

/**
 * Returns the error message for an endpoint whose host view shows another address than the
 * requested one, or undefined when they agree. An empty observed address (no lease yet) counts as
 * different.
 */
export function addressMismatch(
    requested: string,
    observed: string | undefined,
    context: { container: string; network: string; driver: string; hostName: string },
): string | undefined {
    if (observed !== undefined && parseIpv4(observed)?.toString() === parseIpv4(requested)?.toString()) {
        return undefined;
    }
    const shown = observed === undefined || observed === "" ? "no address" : observed;
    const cause =
        context.driver === "transparent"
            ? "The likely cause is a DHCP server on the segment that replaced the static address (docker inspect still " +
              "shows the requested one). Give the container's MAC a DHCP reservation for that address or move the address " +
              "out of the DHCP scope; on a nested (virtual) container host turn on MAC address spoofing for the VM's " +
              "adapter on the Hyper-V parent (Set-VMNetworkAdapter -MacAddressSpoofing On); or use an l2bridge network"
            : "Check the host's HNS endpoint (Get-HnsEndpoint) and whether another component manages that address";
    return (
        `container "${context.container}" requested ${requested} on network "${context.network}", but host ` +
        `${context.hostName} shows ${shown} on its HNS endpoint. ${cause}`
    );
}

/** One network attachment of a container, as container inspect or list shows it. */
export interface ContainerAttachment {
    networkName: string;
    networkId: string;
    /** Docker's endpoint id; empty while the attachment has no endpoint. */
    endpointId: string;
    /** The address Docker reports (on Windows, the requested one even when DHCP replaced it). */
    ipv4Address?: string;
    /** The address requested with `IPAMConfig.IPv4Address`. */
    requestedIpv4Address?: string;
    /** MAC in Docker's form, lower case. */
    macAddress?: string;
}

/** A container as the provider reads it from the engine. */
export interface ObservedContainer {
    id: string;
    /** Name without the leading `/`. */
    name: string;
    running: boolean;
    /** Docker's state text: `created`, `running`, `exited`, ... */
    status: string;
    /** `process` or `hyperv` on Windows; empty when the engine reports none. */
    isolation: string;
    attachments: ContainerAttachment[];
}

/** Normalizes a container inspect object, or a `GET /containers/json` entry (which has `Names` and `State` text). */
export function normalizeContainer(raw: unknown): ObservedContainer {
    const container = (raw ?? {}) as Record<string, unknown>;
    const id = typeof container.Id === "string" ? container.Id : "";
    const names = Array.isArray(container.Names) ? container.Names : [];
    const rawName = typeof container.Name === "string" ? container.Name : String(names[0] ?? "");
    const state = container.State;
    const status =
        typeof state === "string"
            ? state
            : String((state as { Status?: unknown } | undefined)?.Status ?? "").toLowerCase();
    const running =
        typeof state === "object" && state !== null
            ? (state as { Running?: unknown }).Running === true
            : status === "running";

    const hostConfig = (container.HostConfig ?? {}) as { Isolation?: unknown };
    const settings = (container.NetworkSettings ?? {}) as { Networks?: unknown };
    const networks = (settings.Networks ?? {}) as Record<string, Record<string, unknown> | null>;
    const attachments: ContainerAttachment[] = [];

    for (const [networkName, entry] of Object.entries(networks)) {
        if (entry === null || typeof entry !== "object") {
            continue;
        }
        const ipam = (entry.IPAMConfig ?? {}) as { IPv4Address?: unknown };
        attachments.push({
            networkName,
            networkId: String(entry.NetworkID ?? ""),
            endpointId: String(entry.EndpointID ?? ""),
            ipv4Address: nonEmpty(entry.IPAddress),
            requestedIpv4Address: nonEmpty(ipam.IPv4Address),
            macAddress:
                typeof entry.MacAddress === "string" ? normalizeMacAddress(entry.MacAddress) : undefined,
        });
    }
    return {
        id,
        name: rawName.replace(/^\//, ""),
        running,
        status,
        isolation: typeof hostConfig.Isolation === "string" ? hostConfig.Isolation : "",
        attachments,
    };
}

function nonEmpty(value: unknown): string | undefined {
    return typeof value === "string" && value !== "" ? value : undefined;
}

/** Finds the attachment to a network given by id (or id prefix) or by name. */
export function findAttachment(
    container: ObservedContainer,
    network: { id?: string; name?: string },
): ContainerAttachment | undefined {
    return (
        container.attachments.find(
            (attachment) => network.id !== undefined && attachment.networkId === network.id,
        ) ??
        container.attachments.find(
            (attachment) => network.name !== undefined && attachment.networkName === network.name,
        )
    );
}
