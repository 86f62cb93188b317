import { parseCidr, parseIpv4 } from "./cidr";
import { FailureList } from "./failures";

/** Prefix of every driver option the Windows network driver (the HNS shim) reads. */
export const WINDOWS_OPTION_PREFIX = "com.docker.network.windowsshim.";

/** Driver option keys of the Windows shim, as the engine spells them. */
export const WindowsOptionKey = {
    networkName: `${WINDOWS_OPTION_PREFIX}networkname`,
    adapterName: `${WINDOWS_OPTION_PREFIX}interface`,
    vlanId: `${WINDOWS_OPTION_PREFIX}vlanid`,
    vsid: `${WINDOWS_OPTION_PREFIX}vsid`,
    dnsServers: `${WINDOWS_OPTION_PREFIX}dnsservers`,
    dnsSuffix: `${WINDOWS_OPTION_PREFIX}dnssuffix`,
    disableGatewayDns: `${WINDOWS_OPTION_PREFIX}disable_gatewaydns`,
    macPool: `${WINDOWS_OPTION_PREFIX}macpool`,
    outboundNat: `${WINDOWS_OPTION_PREFIX}enable_outboundnat`,
    outboundNatExceptions: `${WINDOWS_OPTION_PREFIX}outboundnat_exceptions`,
    routingDomain: `${WINDOWS_OPTION_PREFIX}routingdomain`,
    /** Written by the engine after HNS created the network; never sent by the provider. */
    hnsId: `${WINDOWS_OPTION_PREFIX}hnsid`,
    /** Written by the engine for networks it discovered in HNS rather than created. */
    hnsOwned: `${WINDOWS_OPTION_PREFIX}hnsowned`,
} as const;

/** Options that only the engine writes. Inputs must not set them and diffs must ignore them. */
export const ENGINE_ADDED_OPTION_KEYS: readonly string[] = [
    WindowsOptionKey.hnsId,
    WindowsOptionKey.hnsOwned,
];

/** A MAC address range HNS hands container endpoints addresses from. */
export interface MacPool {
    /** First address, in Windows' dashed form, for example `00-15-5D-20-00-00`. */
    start: string;
    /** Last address, for example `00-15-5D-20-FF-FF`. */
    end: string;
}

/** The Windows network driver options, typed. Each maps to one `com.docker.network.windowsshim.*` key. */
export interface WindowsNetworkOptions {
    /**
     * Name of the host network adapter an external-switch network binds to (`interface`), as
     * `Get-NetAdapter` shows it, for example `Ethernet 2`. Required for `transparent` and `l2bridge`
     * so that each such network gets its own adapter.
     */
    adapterName?: string;
    /** 802.1Q VLAN id (1-4094) for the network's endpoints (`vlanid`). */
    vlanId?: number;
    /** DNS servers handed to containers, in order (`dnsservers`). */
    dnsServers?: string[];
    /** DNS suffix handed to containers (`dnssuffix`). */
    dnsSuffix?: string;
    /**
     * Outbound NAT for `l2bridge` and `overlay` networks (`enable_outboundnat`). Needs a host newer
     * than build 16236.
     * @default false
     */
    outboundNat?: boolean;
    /** Destinations (IPv4 addresses or CIDRs) that bypass outbound NAT (`outboundnat_exceptions`). */
    outboundNatExceptions?: string[];
    /** MAC ranges for endpoints (`macpool`). */
    macPools?: MacPool[];
    /**
     * Stop handing the gateway out as a DNS server (`disable_gatewaydns`).
     * @default false
     */
    disableGatewayDns?: boolean;
    /** Name of the network in HNS (`networkname`). Without it HNS names the network after the Docker id. */
    hnsNetworkName?: string;
}

/** Drivers whose networks sit on an external Hyper-V switch bound to a host adapter. */
export const EXTERNAL_SWITCH_DRIVERS: readonly string[] = ["transparent", "l2bridge", "l2tunnel"];

const VLAN_DRIVERS: readonly string[] = EXTERNAL_SWITCH_DRIVERS;
const OUTBOUND_NAT_DRIVERS: readonly string[] = ["l2bridge", "overlay"];
const MAC_PATTERN = /^[0-9A-Fa-f]{2}(-[0-9A-Fa-f]{2}){5}$/;
const DNS_SUFFIX_PATTERN =
    /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * Adds a failure for every Windows option that is malformed or does not apply to the driver.
 * Property paths are given under `windows.`.
 */
export function validateWindowsOptions(
    driver: string,
    options: WindowsNetworkOptions,
    failures: FailureList,
): void {
    if (!validateTypes(options, failures)) {
        return;
    }
    validateAdapter(driver, options, failures);
    validateVlan(driver, options, failures);
    validateDns(options, failures);
    validateOutboundNat(driver, options, failures);
    validateMacPools(options, failures);
    if (options.hnsNetworkName !== undefined && options.hnsNetworkName.trim() === "") {
        failures.add(
            "windows.hnsNetworkName",
            "is empty; remove it to let HNS name the network after its Docker id",
        );
    }
}

const STRING_OPTIONS = ["adapterName", "dnsSuffix", "hnsNetworkName"] as const;
const LIST_OPTIONS = ["dnsServers", "outboundNatExceptions", "macPools"] as const;
const BOOLEAN_OPTIONS = ["outboundNat", "disableGatewayDns"] as const;

/**
 * Adds a failure for every option whose value has the wrong type, for programs that are not type
 * checked. Returns false when there was one, because the other rules assume the declared types.
 */
function validateTypes(options: WindowsNetworkOptions, failures: FailureList): boolean {
    const before = failures.items.length;
    for (const key of STRING_OPTIONS) {
        if (options[key] !== undefined && typeof options[key] !== "string") {
            failures.add(`windows.${key}`, `${JSON.stringify(options[key])} is not a string`);
        }
    }
    for (const key of LIST_OPTIONS) {
        if (options[key] !== undefined && !Array.isArray(options[key])) {
            failures.add(
                `windows.${key}`,
                `${JSON.stringify(options[key])} is not a list; write it as an array`,
            );
        }
    }
    for (const key of BOOLEAN_OPTIONS) {
        if (options[key] !== undefined && typeof options[key] !== "boolean") {
            failures.add(
                `windows.${key}`,
                `${JSON.stringify(options[key])} is not a boolean; use true or false`,
            );
        }
    }
    return failures.items.length === before;
}

function validateAdapter(driver: string, options: WindowsNetworkOptions, failures: FailureList): void {
    const adapter = options.adapterName;
    if (adapter === undefined) {
        if (EXTERNAL_SWITCH_DRIVERS.includes(driver)) {
            failures.add(
                "windows.adapterName",
                `is required for the ${driver} driver: each ${driver} network needs its own host adapter. ` +
                    'Set it to a physical adapter name as Get-NetAdapter -Physical shows it, for example "Ethernet 2"',
            );
        }
        return;
    }
    if (!EXTERNAL_SWITCH_DRIVERS.includes(driver)) {
        failures.add(
            "windows.adapterName",
            `"${adapter}" cannot be set on a ${driver} network: only ${EXTERNAL_SWITCH_DRIVERS.join(", ")} ` +
                "networks bind a host adapter. Remove it, or use the transparent or l2bridge driver",
        );
    } else if (adapter.trim() === "") {
        failures.add(
            "windows.adapterName",
            'is empty; set it to a physical adapter name, for example "Ethernet 2"',
        );
    } else if (/^vEthernet \(/i.test(adapter.trim())) {
        failures.add(
            "windows.adapterName",
            `"${adapter}" is a Hyper-V host vNIC, and HNS rejects it with "The parameter is incorrect. (0x57)". ` +
                "Name the physical adapter behind the switch instead (Get-NetAdapter -Physical)",
        );
    }
}

function validateVlan(driver: string, options: WindowsNetworkOptions, failures: FailureList): void {
    const vlan = options.vlanId;
    if (vlan === undefined) {
        return;
    }
    if (!Number.isInteger(vlan) || vlan < 1 || vlan > 4094) {
        failures.add(
            "windows.vlanId",
            `${JSON.stringify(vlan)} is not a VLAN id; use a whole number from 1 to 4094`,
        );
    }
    if (!VLAN_DRIVERS.includes(driver)) {
        failures.add(
            "windows.vlanId",
            `cannot be set on a ${driver} network: VLAN tagging applies to ${VLAN_DRIVERS.join(", ")} networks. ` +
                "Remove it, or use the transparent or l2bridge driver",
        );
    }
}

function validateDns(options: WindowsNetworkOptions, failures: FailureList): void {
    (options.dnsServers ?? []).forEach((server, index) => {
        if (typeof server !== "string" || parseIpv4(server) === undefined) {
            failures.add(
                `windows.dnsServers[${index}]`,
                `${JSON.stringify(server)} is not an IPv4 address; Windows containers take IPv4 DNS servers, for example "10.0.0.53"`,
            );
        }
    });
    const suffix = options.dnsSuffix;
    if (suffix !== undefined && !DNS_SUFFIX_PATTERN.test(suffix)) {
        failures.add(
            "windows.dnsSuffix",
            `"${suffix}" is not a DNS domain name, for example "corp.example.com"`,
        );
    }
}

function validateOutboundNat(driver: string, options: WindowsNetworkOptions, failures: FailureList): void {
    if (options.outboundNat && !OUTBOUND_NAT_DRIVERS.includes(driver)) {
        failures.add(
            "windows.outboundNat",
            `cannot be set on a ${driver} network: outbound NAT applies to ${OUTBOUND_NAT_DRIVERS.join(" and ")} ` +
                "networks (nat networks always translate). Remove it",
        );
    }
    const exceptions = options.outboundNatExceptions ?? [];
    if (exceptions.length > 0 && !options.outboundNat) {
        failures.add(
            "windows.outboundNatExceptions",
            "needs windows.outboundNat set to true; set it, or remove the exceptions",
        );
    }
    exceptions.forEach((entry, index) => {
        const isAddress = typeof entry === "string" && parseIpv4(entry) !== undefined;
        const isCidr = typeof entry === "string" && parseCidr(entry).kind === "ok";
        if (!isAddress && !isCidr) {
            failures.add(
                `windows.outboundNatExceptions[${index}]`,
                `${JSON.stringify(entry)} is not an IPv4 address or canonical CIDR, for example "10.0.0.0/8"`,
            );
        }
    });
}

function validateMacPools(options: WindowsNetworkOptions, failures: FailureList): void {
    (options.macPools ?? []).forEach((pool, index) => {
        for (const end of ["start", "end"] as const) {
            const value = pool?.[end];
            if (typeof value !== "string" || !MAC_PATTERN.test(value)) {
                failures.add(
                    `windows.macPools[${index}].${end}`,
                    `${JSON.stringify(value)} is not a MAC address in Windows' dashed form, for example "00-15-5D-20-00-00"`,
                );
            }
        }
        if (
            MAC_PATTERN.test(pool?.start ?? "") &&
            MAC_PATTERN.test(pool?.end ?? "") &&
            macValue(pool.start) > macValue(pool.end)
        ) {
            failures.add(
                `windows.macPools[${index}]`,
                `starts at ${pool.start}, after its end ${pool.end}; swap them`,
            );
        }
    });
}

function macValue(mac: string): bigint {
    return BigInt(`0x${mac.replace(/-/g, "")}`);
}

/** Renders typed Windows options as the engine's driver option map (string values). */
export function windowsOptionsToDriverOptions(
    options: WindowsNetworkOptions | undefined,
): Record<string, string> {
    const result: Record<string, string> = {};
    if (!options) {
        return result;
    }
    const set = (key: string, value: string | undefined) => {
        if (value !== undefined) {
            result[key] = value;
        }
    };
    set(WindowsOptionKey.adapterName, options.adapterName);
    set(WindowsOptionKey.vlanId, options.vlanId === undefined ? undefined : String(options.vlanId));
    set(WindowsOptionKey.dnsServers, options.dnsServers?.length ? options.dnsServers.join(",") : undefined);
    set(WindowsOptionKey.dnsSuffix, options.dnsSuffix);
    set(WindowsOptionKey.outboundNat, options.outboundNat ? "true" : undefined);
    set(
        WindowsOptionKey.outboundNatExceptions,
        options.outboundNatExceptions?.length ? options.outboundNatExceptions.join(",") : undefined,
    );
    set(
        WindowsOptionKey.macPool,
        options.macPools?.length
            ? options.macPools.map((pool) => `${pool.start},${pool.end}`).join(",")
            : undefined,
    );
    set(WindowsOptionKey.disableGatewayDns, options.disableGatewayDns ? "true" : undefined);
    set(WindowsOptionKey.networkName, options.hnsNetworkName);
    return result;
}

/**
 * Reads typed Windows options back from an engine's option map. Only keys present in the map
 * appear in the result, because Windows engines do not echo every option they were given.
 * Values the engine could not have accepted (a VLAN id that is not a number) are left out.
 */
export function driverOptionsToWindowsOptions(options: Record<string, string>): WindowsNetworkOptions {
    const result: WindowsNetworkOptions = {};
    const has = (key: string) => Object.prototype.hasOwnProperty.call(options, key);
    const list = (key: string) =>
        options[key]
            .split(",")
            .map((item) => item.trim())
            .filter((item) => item !== "");
    if (has(WindowsOptionKey.adapterName)) result.adapterName = options[WindowsOptionKey.adapterName];
    if (has(WindowsOptionKey.vlanId) && /^\d+$/.test(options[WindowsOptionKey.vlanId])) {
        result.vlanId = Number(options[WindowsOptionKey.vlanId]);
    }
    if (has(WindowsOptionKey.dnsServers)) result.dnsServers = list(WindowsOptionKey.dnsServers);
    if (has(WindowsOptionKey.dnsSuffix)) result.dnsSuffix = options[WindowsOptionKey.dnsSuffix];
    if (has(WindowsOptionKey.outboundNat))
        result.outboundNat = parseGoBool(options[WindowsOptionKey.outboundNat]);
    if (has(WindowsOptionKey.outboundNatExceptions)) {
        result.outboundNatExceptions = list(WindowsOptionKey.outboundNatExceptions);
    }
    if (has(WindowsOptionKey.macPool)) result.macPools = pairMacPools(list(WindowsOptionKey.macPool));
    if (has(WindowsOptionKey.disableGatewayDns)) {
        result.disableGatewayDns = parseGoBool(options[WindowsOptionKey.disableGatewayDns]);
    }
    if (has(WindowsOptionKey.networkName)) result.hnsNetworkName = options[WindowsOptionKey.networkName];
    return result;
}

/** Parses a boolean the way the engine does (Go's strconv.ParseBool); anything else counts as false. */
function parseGoBool(text: string): boolean {
    return ["1", "t", "T", "TRUE", "true", "True"].includes(text.trim());
}

function pairMacPools(items: string[]): MacPool[] {
    const pools: MacPool[] = [];
    for (let index = 0; index + 1 < items.length; index += 2) {
        pools.push({ start: items[index], end: items[index + 1] });
    }
    return pools;
}

/** The typed option behind each driver option key that one covers. */
const TYPED_OPTION_BY_KEY: Record<string, keyof WindowsNetworkOptions> = {
    [WindowsOptionKey.adapterName]: "adapterName",
    [WindowsOptionKey.vlanId]: "vlanId",
    [WindowsOptionKey.dnsServers]: "dnsServers",
    [WindowsOptionKey.dnsSuffix]: "dnsSuffix",
    [WindowsOptionKey.outboundNat]: "outboundNat",
    [WindowsOptionKey.outboundNatExceptions]: "outboundNatExceptions",
    [WindowsOptionKey.macPool]: "macPools",
    [WindowsOptionKey.disableGatewayDns]: "disableGatewayDns",
    [WindowsOptionKey.networkName]: "hnsNetworkName",
};

/** Returns the typed option that sets a driver option key, for example `vlanId` for `...vlanid`. */
export function typedOptionFor(key: string): keyof WindowsNetworkOptions | undefined {
    return TYPED_OPTION_BY_KEY[key];
}
