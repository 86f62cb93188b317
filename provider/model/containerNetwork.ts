import type { HostSpec } from "../host/spec";
import { isIpv6Text, normalizeCidr, parseCidr, parseIpv4, containsAddress, broadcastAddress } from "./cidr";
import { FailureList } from "./failures";
import { validateHostSpec } from "./hostSpec";
import { containsUnknown } from "./unknown";
import { needsUplink, type VSwitchReference } from "./uplink";
import {
    ENGINE_ADDED_OPTION_KEYS,
    typedOptionFor,
    validateWindowsOptions,
    WINDOWS_OPTION_PREFIX,
    WindowsNetworkOptions,
} from "./windowsOptions";

/** Label keys the provider writes on networks it creates, to find them again and prove ownership. */
export const OwnerLabel = {
    managedBy: "io.pulumi-wcn.managed-by",
    owner: "io.pulumi-wcn.owner",
} as const;

export const MANAGED_BY_VALUE = "pulumi-wcn";
const RESERVED_LABEL_PREFIX = "io.pulumi-wcn.";

/** Network names every engine reserves for its predefined networks (`nat` is Windows' default). */
const PREDEFINED_NAMES = ["nat", "none", "host", "bridge", "default"];
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const DRIVER_PATTERN = /^[a-z0-9][a-z0-9_.-]*$/;

/** The inputs of a ContainerNetwork after check filled in defaults. */
export interface ContainerNetworkInputs {
    host: HostSpec;
    name: string;
    driver: string;
    subnet?: string;
    gateway?: string;
    windows?: WindowsNetworkOptions;
    driverOptions?: Record<string, string>;
    labels?: Record<string, string>;
    adopt: boolean;
    disconnectContainersOnDelete: boolean;
    /** `<project>/<stack>/<resource name>`, written to the ownership label. */
    owner: string;
    /** The switch and adapters of the VSwitchBinding the network is declared on. */
    vSwitch?: VSwitchReference;
}

/**
 * Docker network settings that Windows engines do not support. They are accepted as inputs only so
 * that check can reject them with a Windows-specific message instead of an engine error.
 */
export interface UnsupportedNetworkSettings {
    internal?: boolean;
    ipRange?: string;
    auxAddresses?: Record<string, string>;
    enableIpv6?: boolean;
    ipamDriver?: string;
    ipamOptions?: Record<string, string>;
}

/** Returns the checked inputs with defaults filled in, and every syntactic failure at once. */
export function checkContainerNetwork(raw: Record<string, unknown>): {
    inputs: Record<string, unknown>;
    failures: FailureList;
} {
    const failures = new FailureList();
    const inputs: Record<string, unknown> = { ...raw };
    inputs.driver = raw.driver ?? "nat";
    inputs.adopt = raw.adopt ?? false;
    inputs.disconnectContainersOnDelete = raw.disconnectContainersOnDelete ?? false;

    validateHostSpec(raw.host, failures);
    validateName(raw.name, failures);
    const driver = validateDriver(inputs.driver, failures);
    validateAddressing(raw, driver, failures);
    validateUnsupported(raw as UnsupportedNetworkSettings, failures);
    validateOptionMaps(raw, failures);
    validateWindows(raw.windows, driver, failures);
    validateVSwitch(raw.vSwitch, driver, raw.windows, failures);
    validateNameBesideSwitch(raw.name, raw.vSwitch, failures);
    for (const flag of ["adopt", "disconnectContainersOnDelete"]) {
        if (!containsUnknown(inputs[flag]) && typeof inputs[flag] !== "boolean") {
            failures.add(flag, `${JSON.stringify(inputs[flag])} is not a boolean; use true or false`);
        }
    }
    return { inputs, failures };
}

function isKnownObject(value: unknown): boolean {
    return value !== null && typeof value === "object" && !containsUnknown(value);
}

function isMap(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Checks the typed Windows options. An absent block is checked as empty, so that the driver's
 * required options (the adapter of a transparent or l2bridge network) are still reported.
 */
function validateWindows(windows: unknown, driver: string | undefined, failures: FailureList): void {
    if (windows !== undefined && !containsUnknown(windows) && !isMap(windows)) {
        failures.add(
            "windows",
            `${JSON.stringify(windows)} is not an object of Windows options, for example { adapterName: "Ethernet 2" }`,
        );
        return;
    }
    if (driver !== undefined && (windows === undefined || isKnownObject(windows))) {
        validateWindowsOptions(driver, (windows ?? {}) as WindowsNetworkOptions, failures);
    }
}

/** Property path of the binding in ContainerNetwork args; its switch arrives as the input `vSwitch`. */
const BINDING_PATH = "vSwitchBinding";

/**
 * Checks the switch a VSwitchBinding provides: only external-switch drivers take one, and the
 * network's adapter must be one the binding binds. Parts not known yet during preview are skipped.
 */
function validateVSwitch(
    vSwitch: unknown,
    driver: string | undefined,
    windows: unknown,
    failures: FailureList,
): void {
    if (vSwitch === undefined || vSwitch === null) {
        return;
    }
    if (driver !== undefined && !needsUplink(driver)) {
        failures.add(
            BINDING_PATH,
            `cannot be used with the ${driver} driver: only transparent, l2bridge and l2tunnel networks sit on an ` +
                "external switch. Remove vSwitchBinding, or use one of those drivers",
        );
        return;
    }
    if (containsUnknown(vSwitch)) {
        return;
    }
    const reference = vSwitch as Partial<VSwitchReference>;
    const names = reference.adapterNames;
    if (
        !isMap(vSwitch) ||
        typeof reference.switchName !== "string" ||
        reference.switchName === "" ||
        !Array.isArray(names) ||
        names.length === 0 ||
        names.some((name) => typeof name !== "string")
    ) {
        failures.add(
            BINDING_PATH,
            `${JSON.stringify(vSwitch)} is not a switch with adapters; pass a VSwitchBinding resource`,
        );
        return;
    }
    const adapterName = isMap(windows) ? windows.adapterName : undefined;
    if (typeof adapterName !== "string" || containsUnknown(adapterName)) {
        return;
    }
    if (!names.some((name) => name.toLowerCase() === adapterName.toLowerCase())) {
        failures.add(
            "windows.adapterName",
            `"${adapterName}" is not one of the adapters of switch "${reference.switchName}" ` +
                `(${names.map((name) => `"${name}"`).join(", ")}); name one of them, or leave it out to use "${names[0]}"`,
        );
    }
}

/**
 * Rejects a network named like its binding's switch: Docker already lists the switch itself as a
 * transparent network of that name, with no subnet, which the binding removes together with the switch.
 */
function validateNameBesideSwitch(name: unknown, vSwitch: unknown, failures: FailureList): void {
    const switchName = isMap(vSwitch) ? vSwitch.switchName : undefined;
    if (typeof name !== "string" || typeof switchName !== "string" || containsUnknown(switchName)) {
        return;
    }
    if (name.toLowerCase() === switchName.toLowerCase()) {
        failures.add(
            "name",
            `"${name}" is the name of the binding's switch, and Docker already lists that switch as a transparent ` +
                "network of the same name, which belongs to the VSwitchBinding; choose another network name",
        );
    }
}

function validateName(name: unknown, failures: FailureList): void {
    if (containsUnknown(name)) {
        return;
    }
    if (name === undefined || name === null || name === "") {
        failures.add("name", 'is required: the Docker network name, for example "app-nat"');
    } else if (typeof name !== "string") {
        failures.add(
            "name",
            `${JSON.stringify(name)} is not a string; give one Docker network name, for example "app-nat"`,
        );
    } else if (PREDEFINED_NAMES.includes(name.toLowerCase())) {
        failures.add(
            "name",
            `"${name}" is the name of an engine's predefined network, which the engine will not create or remove; choose another name`,
        );
    } else if (!NAME_PATTERN.test(name)) {
        failures.add(
            "name",
            `"${name}" is not a usable network name: start with a letter or digit and use only letters, digits, ` +
                "'_', '.' and '-' (at most 128 characters)",
        );
    }
}

function validateDriver(driver: unknown, failures: FailureList): string | undefined {
    if (containsUnknown(driver)) {
        return undefined;
    }
    if (typeof driver !== "string" || !DRIVER_PATTERN.test(driver)) {
        const hint =
            typeof driver === "string" && DRIVER_PATTERN.test(driver.toLowerCase())
                ? `; use "${driver.toLowerCase()}"`
                : "";
        failures.add(
            "driver",
            `${JSON.stringify(driver)} is not a driver name: drivers are lower case, for example nat, transparent or l2bridge${hint}`,
        );
        return undefined;
    }
    if (driver === "null" || driver === "none") {
        failures.add(
            "driver",
            `"${driver}" is the engine's own network without connectivity, which cannot be created; use nat for a private network`,
        );
        return undefined;
    }
    return driver;
}

function validateAddressing(
    raw: Record<string, unknown>,
    driver: string | undefined,
    failures: FailureList,
): void {
    for (const key of ["subnet", "gateway"]) {
        const value = raw[key];
        if (typeof value === "string" && value !== value.trim()) {
            // The engine gets the text as it is, and HNS rejects it with a bare "parameter is incorrect".
            failures.add(
                key,
                `${JSON.stringify(value)} has spaces around it; write ${JSON.stringify(value.trim())}`,
            );
            return;
        }
    }
    const subnet = checkSubnet(raw.subnet, failures);
    const gateway = checkGateway(raw.gateway, subnet, failures);
    if (driver === "l2bridge") {
        if (raw.subnet === undefined) {
            failures.add(
                "subnet",
                'is required for l2bridge networks: set the physical network\'s subnet, for example "10.20.0.0/24"',
            );
        }
        if (raw.gateway === undefined) {
            failures.add(
                "gateway",
                'is required for l2bridge networks: set the physical network\'s gateway, for example "10.20.0.1"',
            );
        }
    }
    if (driver === "transparent" && raw.subnet !== undefined && raw.gateway === undefined) {
        failures.add(
            "gateway",
            "is required when a transparent network has a subnet: set the physical network's gateway, or drop both for DHCP",
        );
    }
    if (gateway !== undefined && raw.subnet === undefined) {
        failures.add(
            "gateway",
            "needs a subnet: set subnet as well, so the engine knows which network the gateway is on",
        );
    }
}

function checkSubnet(value: unknown, failures: FailureList): ReturnType<typeof normalizeCidr> {
    if (value === undefined || containsUnknown(value)) {
        return undefined;
    }
    if (typeof value !== "string") {
        failures.add("subnet", `${JSON.stringify(value)} is not a CIDR string such as "172.20.0.0/16"`);
        return undefined;
    }
    const parsed = parseCidr(value);
    switch (parsed.kind) {
        case "ok":
            if (parsed.prefix.prefixLength > 30) {
                failures.add(
                    "subnet",
                    `"${value}" leaves no room for containers; use a prefix length of 30 or less`,
                );
            } else if (parsed.prefix.prefixLength < 8) {
                failures.add(
                    "subnet",
                    `"${value}" spans more than a /8; Windows reports 0.0.0.0/0 for "no subnet", so give the real subnet or omit it`,
                );
            }
            return parsed.prefix;
        case "host-bits":
            failures.add(
                "subnet",
                `"${value}" has host bits set; the network address of that prefix is "${parsed.canonical}". Write that instead`,
            );
            return undefined;
        case "ipv6":
            failures.add(
                "subnet",
                `"${value}" is IPv6, which Windows container networks do not support; use an IPv4 CIDR`,
            );
            return undefined;
        default:
            failures.add(
                "subnet",
                `"${value}" is not an IPv4 CIDR; write it as address/length, for example "172.20.0.0/16"`,
            );
            return undefined;
    }
}

function checkGateway(
    value: unknown,
    subnet: ReturnType<typeof normalizeCidr>,
    failures: FailureList,
): string | undefined {
    if (value === undefined || containsUnknown(value)) {
        return undefined;
    }
    if (typeof value !== "string" || parseIpv4(value) === undefined) {
        const reason =
            typeof value === "string" && isIpv6Text(value)
                ? `"${value}" is IPv6, which Windows container networks do not support; use an IPv4 address`
                : `${JSON.stringify(value)} is not an IPv4 address such as "172.20.0.1"`;
        failures.add("gateway", reason);
        return undefined;
    }
    const address = parseIpv4(value)!;
    if (subnet !== undefined) {
        if (!containsAddress(subnet, address)) {
            failures.add(
                "gateway",
                `${value} is outside the subnet ${subnet.cidr}; use an address inside it, usually the first one`,
            );
        } else if (
            address.toString() === subnet.network.toString() ||
            address.toString() === broadcastAddress(subnet).toString()
        ) {
            failures.add(
                "gateway",
                `${value} is the network or broadcast address of ${subnet.cidr}; use a host address such as the first one`,
            );
        }
    }
    return address.toString();
}

const UNSUPPORTED_REASONS: Record<keyof UnsupportedNetworkSettings, string> = {
    internal:
        "internal networks are not supported by Windows container networking; remove it (use a nat network without published ports)",
    ipRange:
        'Windows does not support IP ranges (the engine reports "not supported by null ipam driver"); remove it and size the subnet instead',
    auxAddresses: "Windows does not support auxiliary addresses; remove them",
    enableIpv6: "Windows container networks are IPv4 only; remove it",
    ipamDriver: "Windows networks use the built-in IPAM only; remove it",
    ipamOptions: "Windows networks take no IPAM options; remove them",
};

function validateUnsupported(raw: UnsupportedNetworkSettings, failures: FailureList): void {
    for (const key of Object.keys(UNSUPPORTED_REASONS) as (keyof UnsupportedNetworkSettings)[]) {
        const value = raw[key];
        if (containsUnknown(value)) {
            continue;
        }
        const isSet =
            value !== undefined &&
            value !== false &&
            !(typeof value === "object" && value !== null && Object.keys(value).length === 0);
        if (isSet) {
            failures.add(key, UNSUPPORTED_REASONS[key]);
        }
    }
}

function validateOptionMaps(raw: Record<string, unknown>, failures: FailureList): void {
    validateStringMap(raw.labels, "labels", failures);
    validateStringMap(raw.driverOptions, "driverOptions", failures);
    // Keys are always known during preview, even when some values are not.
    if (isMap(raw.labels)) {
        for (const key of Object.keys(raw.labels)) {
            if (key.startsWith(RESERVED_LABEL_PREFIX)) {
                failures.add(
                    `labels["${key}"]`,
                    `uses the prefix ${RESERVED_LABEL_PREFIX}, which the provider reserves for ownership labels; rename it`,
                );
            }
        }
    }
    if (isMap(raw.driverOptions)) {
        for (const key of Object.keys(raw.driverOptions)) {
            const typed = typedOptionFor(key);
            if (ENGINE_ADDED_OPTION_KEYS.includes(key)) {
                failures.add(`driverOptions["${key}"]`, "is written by the engine, not by users; remove it");
            } else if (typed !== undefined) {
                // Raw keys that a typed option covers would bypass that option's checks.
                failures.add(
                    `driverOptions["${key}"]`,
                    `is covered by the typed option windows.${typed}, which checks its value; set windows.${typed} instead`,
                );
            }
        }
    }
}

function validateStringMap(value: unknown, property: string, failures: FailureList): void {
    if (value === undefined || containsUnknown(value)) {
        return;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        failures.add(property, 'must be a map of strings, for example { team: "payments" }');
        return;
    }
    for (const [key, item] of Object.entries(value)) {
        if (typeof item !== "string") {
            failures.add(
                `${property}["${key}"]`,
                `${JSON.stringify(item)} is not a string; the engine takes string values only`,
            );
        }
    }
}

/** True when the driver option key belongs to the Windows shim. */
export function isWindowsOptionKey(key: string): boolean {
    return key.startsWith(WINDOWS_OPTION_PREFIX);
}
