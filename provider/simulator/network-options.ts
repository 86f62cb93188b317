import { invalidMacPool, outboundNatUnsupported, parseBoolFailed, parseUintFailed } from "./errors";
import type { MacPool } from "./model";
import type { HostProfile } from "./profiles";

/** Prefix of the Windows network driver options (`-o com.docker.network.windowsshim.*`). */
export const WINDOWS_OPTION_PREFIX = "com.docker.network.windowsshim.";

export const OPTION = {
    networkName: `${WINDOWS_OPTION_PREFIX}networkname`,
    hnsId: `${WINDOWS_OPTION_PREFIX}hnsid`,
    interface: `${WINDOWS_OPTION_PREFIX}interface`,
    vlanId: `${WINDOWS_OPTION_PREFIX}vlanid`,
    vsid: `${WINDOWS_OPTION_PREFIX}vsid`,
    dnsServers: `${WINDOWS_OPTION_PREFIX}dnsservers`,
    dnsSuffix: `${WINDOWS_OPTION_PREFIX}dnssuffix`,
    disableGatewayDns: `${WINDOWS_OPTION_PREFIX}disable_gatewaydns`,
    macPool: `${WINDOWS_OPTION_PREFIX}macpool`,
    enableOutboundNat: `${WINDOWS_OPTION_PREFIX}enable_outboundnat`,
    outboundNatExceptions: `${WINDOWS_OPTION_PREFIX}outboundnat_exceptions`,
} as const;

/**
 * Options the simulated engine leaves out of `inspect` output. No posted Windows inspect output
 * shows them, so the simulator withholds them to keep the provider from depending on them.
 * NOTE: moby's driver adds `hnsid` to the same map that holds the request's options, so a real
 * engine may echo them. The simulator takes the stricter reading.
 */
export const OPTIONS_NOT_ECHOED: readonly string[] = [OPTION.interface, OPTION.vlanId, OPTION.dnsServers];

/** The Windows options parsed the way moby's Windows driver parses them (parseNetworkOptions). */
export interface WindowsNetworkOptions {
    networkName: string | null;
    adapterName: string | null;
    vlanId: number | null;
    vsid: number | null;
    dnsServers: string | null;
    dnsSuffix: string | null;
    macPools: MacPool[];
}

/** Last Windows build without outbound NAT options, per moby's Windows driver. */
const LAST_BUILD_WITHOUT_OUTBOUND_NAT = 16236;

function parseUint(value: string): number {
    if (!/^\d+$/.test(value) || Number(value) > 0xffffffff) {
        throw parseUintFailed(value);
    }
    return Number(value);
}

/** Accepts the spellings Go's strconv.ParseBool accepts. */
function parseBool(value: string): boolean {
    if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) {
        return true;
    }
    if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) {
        return false;
    }
    throw parseBoolFailed(value);
}

function parseMacPools(value: string): MacPool[] {
    const parts = value.split(",");
    if (parts.length % 2 !== 0) {
        throw invalidMacPool();
    }
    const pools: MacPool[] = [];
    for (let index = 0; index < parts.length; index += 2) {
        pools.push({ startMacAddress: parts[index], endMacAddress: parts[index + 1] });
    }
    return pools;
}

/** Parses the driver options; throws the engine's error for a malformed value. */
export function parseWindowsOptions(
    profile: HostProfile,
    options: Record<string, string>,
): WindowsNetworkOptions {
    const value = (key: string): string | null => (key in options ? options[key] : null);
    const vlan = value(OPTION.vlanId);
    const vsid = value(OPTION.vsid);
    const gatewayDns = value(OPTION.disableGatewayDns);
    const outboundNat = value(OPTION.enableOutboundNat);
    const macPool = value(OPTION.macPool);
    if (gatewayDns !== null) {
        parseBool(gatewayDns);
    }
    if (outboundNat !== null) {
        if (profile.build <= LAST_BUILD_WITHOUT_OUTBOUND_NAT) {
            throw outboundNatUnsupported();
        }
        parseBool(outboundNat);
    }
    return {
        networkName: value(OPTION.networkName),
        adapterName: value(OPTION.interface),
        vlanId: vlan === null ? null : parseUint(vlan),
        vsid: vsid === null ? null : parseUint(vsid),
        dnsServers: value(OPTION.dnsServers),
        dnsSuffix: value(OPTION.dnsSuffix),
        macPools: macPool === null ? [] : parseMacPools(macPool),
    };
}

/** Builds the `Options` map inspect reports: the request's options minus the withheld ones, plus `hnsid`. */
export function reportedOptions(requested: Record<string, string>, hnsId: string): Record<string, string> {
    const reported: Record<string, string> = {};
    for (const [key, value] of Object.entries(requested)) {
        if (!OPTIONS_NOT_ECHOED.includes(key)) {
            reported[key] = value;
        }
    }
    reported[OPTION.hnsId] = hnsId;
    return reported;
}
