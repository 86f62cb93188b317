import { isUnspecifiedPrefix, normalizeCidr, parseIpv4 } from "./cidr";
import { WindowsOptionKey } from "./windowsOptions";

/** A container endpoint as a network inspect lists it. */
export interface ObservedEndpoint {
    containerId: string;
    name: string;
    /** The endpoint's IPv4 address without its prefix length; absent when the engine shows none. */
    ipv4Address?: string;
    macAddress?: string;
}

/**
 * A network as Docker network inspect reports it, normalized across engine generations:
 * IPAM driver `windows` or `default`, `Options` and `Labels` null or missing, `Created` missing on
 * old engines, HNS ids in either case.
 */
export interface ObservedNetwork {
    id: string;
    name: string;
    driver: string;
    /**
     * The subnet in effect, canonical. Absent when the engine reports none or the unspecified
     * `0.0.0.0/0`, which Windows shows for DHCP transparent networks and for nat networks whose
     * prefix HNS chose without reporting it back.
     */
    subnet?: string;
    gateway?: string;
    options: Record<string, string>;
    labels: Record<string, string>;
    /** HNS network id, lower case; absent on Linux engines. */
    hnsId?: string;
    endpoints: ObservedEndpoint[];
}

/** Raised when inspect output is not a complete JSON network object. */
export class InspectParseError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "InspectParseError";
    }
}

/**
 * Parses the text `docker network inspect` prints (a JSON array of one network) or the API's
 * object. Truncated or console-wrapped text is rejected rather than guessed at.
 */
export function parseNetworkInspectText(text: string): ObservedNetwork {
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch (error) {
        throw new InspectParseError(
            `network inspect output is not complete JSON (${(error as Error).message}); it may be truncated or wrapped by a console. ` +
                "Read the network through the Docker API, or capture `docker network inspect` output whole to a file",
        );
    }
    const item = Array.isArray(parsed) ? parsed[0] : parsed;
    return normalizeNetworkInspect(item);
}

/** Normalizes one network object from the Docker API's inspect or list responses. */
export function normalizeNetworkInspect(raw: unknown): ObservedNetwork {
    if (raw === null || typeof raw !== "object") {
        throw new InspectParseError("network inspect output contains no network object");
    }
    const network = raw as Record<string, unknown>;
    const id = stringField(network, "Id");
    const name = stringField(network, "Name");
    const driver = stringField(network, "Driver");
    const options = stringMap(network.Options);
    const observed: ObservedNetwork = {
        id,
        name,
        driver,
        options,
        labels: stringMap(network.Labels),
        endpoints: readEndpoints(network.Containers),
    };
    Object.assign(observed, readIpam(network.IPAM));
    const hnsId = options[WindowsOptionKey.hnsId];
    if (hnsId) {
        observed.hnsId = hnsId.toLowerCase();
    }
    return observed;
}

function stringField(object: Record<string, unknown>, key: string): string {
    const value = object[key];
    if (typeof value !== "string" || value === "") {
        throw new InspectParseError(`network inspect output has no ${key}`);
    }
    return value;
}

function stringMap(value: unknown): Record<string, string> {
    const result: Record<string, string> = {};
    if (value !== null && typeof value === "object") {
        for (const [key, item] of Object.entries(value)) {
            if (typeof item === "string") {
                result[key] = item;
            }
        }
    }
    return result;
}

function readIpam(value: unknown): { subnet?: string; gateway?: string } {
    const configs = (value as { Config?: unknown } | null)?.Config;
    if (!Array.isArray(configs)) {
        return {};
    }
    for (const config of configs) {
        const prefix = typeof config?.Subnet === "string" ? normalizeCidr(config.Subnet) : undefined;
        if (prefix === undefined || isUnspecifiedPrefix(prefix)) {
            continue;
        }
        const gateway =
            typeof config.Gateway === "string" ? parseIpv4(config.Gateway.split("/")[0]) : undefined;
        return gateway ? { subnet: prefix.cidr, gateway: gateway.toString() } : { subnet: prefix.cidr };
    }
    return {};
}

function readEndpoints(value: unknown): ObservedEndpoint[] {
    if (value === null || typeof value !== "object") {
        return [];
    }
    return Object.entries(value as Record<string, Record<string, unknown>>).map(([containerId, entry]) => {
        const endpoint: ObservedEndpoint = {
            containerId,
            name: typeof entry?.Name === "string" ? entry.Name : containerId,
        };
        const address = typeof entry?.IPv4Address === "string" ? entry.IPv4Address.split("/")[0] : "";
        if (parseIpv4(address)) {
            endpoint.ipv4Address = address;
        }
        if (typeof entry?.MacAddress === "string" && entry.MacAddress !== "") {
            endpoint.macAddress = entry.MacAddress;
        }
        return endpoint;
    });
}
