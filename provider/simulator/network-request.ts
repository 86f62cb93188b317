import {
    auxAddressesUnsupported,
    emptyNetworkName,
    EngineError,
    internalUnsupported,
    invalidSubnet,
    ipamOptionsUnsupported,
    nullIpamUnsupported,
    pluginNotFound,
} from "./errors";
import {
    type JsonRecord,
    optionalBoolean,
    optionalString,
    recordArray,
    recordField,
    stringMap,
} from "./body";
import { isIpv6Text, type Ipv4Prefix, parseIpv4Prefix } from "./ipv4";

/** A `POST /networks/create` body after the checks every Windows engine makes before HNS is called. */
export interface NetworkCreateRequest {
    name: string;
    driver: string;
    subnet: Ipv4Prefix | null;
    gateway: string | null;
    options: Record<string, string>;
    labels: Record<string, string>;
    checkDuplicate: boolean;
    attachable: boolean;
}

/** IPAM drivers a Windows engine accepts by name. */
const WINDOWS_IPAM_DRIVERS = ["", "default", "windows"];

/** Default driver of Windows engines. */
export const DEFAULT_WINDOWS_DRIVER = "nat";

/**
 * Parses and checks a create body. Throws the engine's error for requests a Windows engine
 * rejects before HNS: IPv6, IP ranges, auxiliary addresses, internal networks and unknown IPAM
 * drivers.
 */
export function parseNetworkCreate(body: JsonRecord): NetworkCreateRequest {
    const name = optionalString(body, "Name") ?? "";
    if (name.trim() === "") {
        throw emptyNetworkName();
    }
    if (optionalBoolean(body, "Internal") === true) {
        throw internalUnsupported();
    }
    if (optionalBoolean(body, "EnableIPv6") === true) {
        throw nullIpamUnsupported();
    }
    const { subnet, gateway } = parseIpam(recordField(body, "IPAM"));
    return {
        name,
        driver: optionalString(body, "Driver") || DEFAULT_WINDOWS_DRIVER,
        subnet,
        gateway,
        options: stringMap(body, "Options"),
        labels: stringMap(body, "Labels"),
        checkDuplicate: optionalBoolean(body, "CheckDuplicate") ?? false,
        attachable: optionalBoolean(body, "Attachable") ?? false,
    };
}

function parseIpam(ipam: JsonRecord): { subnet: Ipv4Prefix | null; gateway: string | null } {
    const driver = optionalString(ipam, "Driver") ?? "";
    if (!WINDOWS_IPAM_DRIVERS.includes(driver)) {
        throw pluginNotFound(driver);
    }
    if (Object.keys(stringMap(ipam, "Options")).length > 0) {
        throw ipamOptionsUnsupported();
    }
    const configs = recordArray(ipam, "Config");
    if (configs.length > 1) {
        // NOTE: a simulator limit: HNS accepts several subnets, the simulator models one.
        throw new EngineError(400, "the simulated host supports one IPAM config per network");
    }
    return configs.length === 0 ? { subnet: null, gateway: null } : parseIpamConfig(configs[0]);
}

function parseIpamConfig(config: JsonRecord): { subnet: Ipv4Prefix | null; gateway: string | null } {
    const subnetText = optionalString(config, "Subnet") ?? "";
    const gateway = optionalString(config, "Gateway") || null;
    if ((optionalString(config, "IPRange") ?? "") !== "") {
        throw nullIpamUnsupported();
    }
    if (Object.keys(stringMap(config, "AuxiliaryAddresses")).length > 0) {
        throw auxAddressesUnsupported();
    }
    if (subnetText === "") {
        return { subnet: null, gateway };
    }
    if (isIpv6Text(subnetText)) {
        throw nullIpamUnsupported();
    }
    const subnet = parseIpv4Prefix(subnetText);
    if (subnet === null) {
        throw invalidSubnet(subnetText);
    }
    return { subnet, gateway };
}
