import type {
    Attachment,
    Container,
    DockerEndpoint,
    DockerNetwork,
    HnsEndpoint,
    HnsFaults,
    HnsNetwork,
    HnsSubnet,
    HostAdapter,
    HostState,
    Image,
    IpamConfig,
    Ipv4Assignment,
    LingeringSwitchFault,
    MacPool,
    PortBinding,
    ServiceState,
    VirtualMachine,
    VmNetworkAdapter,
    VmSwitch,
    WinNat,
} from "./model";
import { PROFILE_NAMES } from "./profiles";

/**
 * Shape check of the host state, run on every read. A file that parses as JSON but lacks a field or has a value
 * of the wrong type (edited by hand, or written by another version) then fails with the path of the first bad
 * field, instead of with a TypeError inside whichever route touches that field first. Fields the model does not
 * know are allowed.
 */

/** How to check one JSON value. */
interface Check {
    /** The accepted values, for messages: "a string", "an array". */
    expected: string;
    /** True when the value has the right JSON type; fields of objects and items of arrays are checked by `inner`. */
    hasType(value: unknown): boolean;
    /** Returns the first problem inside a value of the right type, or undefined. */
    inner?(value: unknown, path: string): string | undefined;
}

/** One Check per field of T, so the compiler reports a model field without a check. */
type Fields<T> = { [K in keyof T]-?: Check };

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describeValue(value: unknown): string {
    if (value === undefined) {
        return "missing";
    }
    if (value === null) {
        return "null";
    }
    if (Array.isArray(value)) {
        return "an array";
    }
    if (typeof value === "object") {
        return "an object";
    }
    const text = JSON.stringify(value);
    return `${typeof value} ${text.length > 40 ? `${text.slice(0, 40)}...` : text}`;
}

function checkValue(check: Check, value: unknown, path: string): string | undefined {
    if (!check.hasType(value)) {
        return `${path} is ${describeValue(value)}, expected ${check.expected}`;
    }
    return check.inner?.(value, path);
}

function fieldPath(path: string, key: string): string {
    const name = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
    if (path === "") {
        return name;
    }
    return name.startsWith('"') ? `${path}[${name}]` : `${path}.${name}`;
}

const string: Check = { expected: "a string", hasType: (value) => typeof value === "string" };

const number: Check = {
    expected: "a number",
    hasType: (value) => typeof value === "number" && Number.isFinite(value),
};

const count: Check = {
    expected: "a whole number of 0 or more",
    hasType: (value) => typeof value === "number" && Number.isInteger(value) && value >= 0,
};

const boolean: Check = { expected: "true or false", hasType: (value) => typeof value === "boolean" };

function exactly(expected: number): Check {
    return { expected: String(expected), hasType: (value) => value === expected };
}

function oneOf(...values: readonly string[]): Check {
    return {
        expected: `one of ${values.map((value) => JSON.stringify(value)).join(", ")}`,
        hasType: (value) => typeof value === "string" && values.includes(value),
    };
}

function nullable(check: Check): Check {
    return {
        expected: `${check.expected} or null`,
        hasType: (value) => value === null || check.hasType(value),
        inner: (value, path) => (value === null ? undefined : check.inner?.(value, path)),
    };
}

/** A field that may be missing; when present it must pass `check`. */
function optional(check: Check): Check {
    return {
        expected: check.expected,
        hasType: (value) => value === undefined || check.hasType(value),
        inner: (value, path) => (value === undefined ? undefined : check.inner?.(value, path)),
    };
}

function arrayOf(item: Check): Check {
    return {
        expected: "an array",
        hasType: Array.isArray,
        inner: (value, path) => {
            const items = value as unknown[];
            for (let index = 0; index < items.length; index++) {
                const problem = checkValue(item, items[index], `${path}[${index}]`);
                if (problem !== undefined) {
                    return problem;
                }
            }
            return undefined;
        },
    };
}

/** An object used as a map, such as Docker labels: every value must pass `check`. */
function mapOf(check: Check): Check {
    return {
        expected: "an object",
        hasType: isPlainObject,
        inner: (value, path) => {
            for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
                const problem = checkValue(check, item, fieldPath(path, key));
                if (problem !== undefined) {
                    return problem;
                }
            }
            return undefined;
        },
    };
}

function objectOf<T>(fields: Fields<T>): Check {
    return {
        expected: "an object",
        hasType: isPlainObject,
        inner: (value, path) => {
            const record = value as Record<string, unknown>;
            for (const [key, check] of Object.entries(fields) as Array<[string, Check]>) {
                const problem = checkValue(check, record[key], fieldPath(path, key));
                if (problem !== undefined) {
                    return problem;
                }
            }
            return undefined;
        },
    };
}

const serviceState = objectOf<ServiceState>({
    status: oneOf("Running", "Stopped"),
    lastError: nullable(string),
});

const hostAdapter = objectOf<HostAdapter>({
    name: string,
    interfaceDescription: string,
    ifIndex: count,
    macAddress: string,
    kind: oneOf("physical", "virtual"),
    physicalMediaType: oneOf("802.3", "Native 802.11", "Unspecified"),
    status: oneOf("Up", "Disconnected"),
    ipv4Addresses: arrayOf(objectOf<Ipv4Assignment>({ address: string, prefixLength: count })),
    vmSwitchName: optional(string),
});

const vmSwitch = objectOf<VmSwitch>({
    id: string,
    name: string,
    switchType: oneOf("External", "Internal", "Private"),
    netAdapterNames: arrayOf(string),
    allowManagementOS: boolean,
    embeddedTeamingEnabled: boolean,
    createdBy: oneOf("hns", "admin"),
    hnsVisible: boolean,
    notes: optional(string),
});

const winNat = objectOf<WinNat>({ name: string, internalIPInterfaceAddressPrefix: string, active: boolean });

const hnsNetwork = objectOf<HnsNetwork>({
    id: string,
    name: string,
    type: string,
    subnets: arrayOf(objectOf<HnsSubnet>({ addressPrefix: string, gatewayAddress: nullable(string) })),
    networkAdapterName: nullable(string),
    switchName: nullable(string),
    switchGuid: optional(nullable(string)),
    natName: nullable(string),
    dnsServerList: nullable(string),
    dnsSuffix: nullable(string),
    vlanId: nullable(number),
    vsid: nullable(number),
    macPools: arrayOf(objectOf<MacPool>({ startMacAddress: string, endMacAddress: string })),
    dhcpOverridesStatic: boolean,
    createdForSwitch: optional(boolean),
});

const hnsEndpoint = objectOf<HnsEndpoint>({
    id: string,
    name: string,
    virtualNetwork: string,
    virtualNetworkName: string,
    ipAddress: string,
    prefixLength: number,
    gatewayAddress: string,
    macAddress: string,
    dnsServerList: string,
    dnsSuffix: string,
    containerId: string,
    isStatic: boolean,
});

const dockerNetwork = objectOf<DockerNetwork>({
    id: string,
    name: string,
    created: string,
    driver: string,
    ipamConfig: arrayOf(objectOf<IpamConfig>({ subnet: string, gateway: optional(string) })),
    subnetRequested: boolean,
    attachable: boolean,
    options: mapOf(string),
    requestedOptions: mapOf(string),
    labels: mapOf(string),
    hnsNetworkId: nullable(string),
    hnsName: nullable(string),
    predefined: boolean,
});

const dockerEndpoint = objectOf<DockerEndpoint>({
    endpointId: string,
    hnsEndpointId: string,
    ipv4Address: string,
    prefixLength: number,
    gateway: string,
    macAddress: string,
});

const attachment = objectOf<Attachment>({
    networkId: string,
    networkName: string,
    requestedIpv4: nullable(string),
    requestedMac: nullable(string),
    endpoint: nullable(dockerEndpoint),
});

const container = objectOf<Container>({
    id: string,
    name: string,
    image: string,
    imageId: string,
    created: string,
    status: oneOf("created", "running", "exited"),
    startedAt: string,
    finishedAt: string,
    exitCode: number,
    hostname: string,
    cmd: arrayOf(string),
    labels: mapOf(string),
    networkMode: string,
    isolation: oneOf("process", "hyperv"),
    portBindings: arrayOf(objectOf<PortBinding>({ containerPort: string, hostIp: string, hostPort: string })),
    attachments: arrayOf(attachment),
});

const virtualMachine = objectOf<VirtualMachine>({
    name: string,
    networkAdapters: arrayOf(
        objectOf<VmNetworkAdapter>({ name: string, macAddressSpoofing: oneOf("On", "Off") }),
    ),
});

const hnsFaults = objectOf<HnsFaults>({
    lingeringSwitches: arrayOf(
        objectOf<LingeringSwitchFault>({
            adapterName: string,
            failuresPerRemoval: count,
            remainingFailures: count,
        }),
    ),
});

const hostState = objectOf<HostState>({
    schemaVersion: exactly(1),
    profile: oneOf(...PROFILE_NAMES),
    hostName: string,
    bootCount: count,
    adapters: arrayOf(hostAdapter),
    vmSwitches: arrayOf(vmSwitch),
    winNats: arrayOf(winNat),
    hnsNetworks: arrayOf(hnsNetwork),
    hnsEndpoints: arrayOf(hnsEndpoint),
    dockerNetworks: arrayOf(dockerNetwork),
    containers: arrayOf(container),
    images: arrayOf(objectOf<Image>({ id: string, repoTags: arrayOf(string) })),
    daemonJson: nullable(string),
    services: objectOf<HostState["services"]>({ docker: serviceState, hns: serviceState }),
    virtualMachines: optional(arrayOf(virtualMachine)),
    hnsFaults: optional(hnsFaults),
});

/**
 * Returns the first problem in the shape of a parsed state file, such as
 * `dockerNetworks is null, expected an array`, or undefined when the shape matches the model. The caller
 * checks `schemaVersion` first, so that a file of another version gets its own message.
 */
export function findHostStateProblem(value: unknown): string | undefined {
    if (!isPlainObject(value)) {
        return `the file contains ${describeValue(value)}, expected an object`;
    }
    return checkValue(hostState, value, "");
}
