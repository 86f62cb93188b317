import { promises as dns } from "node:dns";
import { parseIpv4 } from "../model/cidr";
import type { HostSpec } from "./spec";

/** The IPv4 addresses the provider reaches a host at, and where they came from. */
export interface ManagementAddresses {
    /** Dotted IPv4 addresses; empty when none could be found. */
    addresses: string[];
    /** Origin of the addresses, for messages, for example `host.address` or `the WinRM endpoint host web-01`. */
    source: string;
}

/** Resolves a host name to IPv4 addresses; replaceable in tests. */
export type Ipv4Resolver = (hostName: string) => Promise<string[]>;

const resolveWithDns: Ipv4Resolver = async (hostName) =>
    (await dns.lookup(hostName, { all: true, family: 4 })).map((entry) => entry.address);

/**
 * Finds the addresses the provider reaches `host` at: `host.address`, else the IP literal or DNS
 * result of the Docker URL's host (tcp://, ssh://), the WinRM endpoint's host and the SSH host.
 * A name that does not resolve is skipped. Returns empty `addresses` for hosts reached without a
 * network address (sim:, npipe://, unix://, local PowerShell), where the caller must treat every
 * address on an adapter as possibly the management one.
 */
export async function findManagementAddresses(
    host: HostSpec,
    resolve: Ipv4Resolver = resolveWithDns,
): Promise<ManagementAddresses> {
    if (host.address !== undefined) {
        return { addresses: [host.address.trim()], source: "host.address" };
    }
    const addresses = new Set<string>();
    const sources: string[] = [];
    for (const { hostName, label } of connectionHostNames(host)) {
        const found =
            parseIpv4(hostName) !== undefined ? [hostName] : await resolve(hostName).catch(() => []);
        if (found.length > 0) {
            found.forEach((address) => addresses.add(address));
            sources.push(`${label} ${hostName}`);
        }
    }
    return { addresses: [...addresses], source: sources.join(" and ") };
}

/** Host names (or IP literals) in the host's connection settings, with the setting each came from. */
export function connectionHostNames(host: HostSpec): { hostName: string; label: string }[] {
    const names: { hostName: string; label: string }[] = [];
    const dockerUrl = host.docker?.url ?? "";
    if (/^(tcp|ssh):\/\//.test(dockerUrl)) {
        const hostName = urlHostName(dockerUrl.replace(/^(tcp|ssh):/, "http:"));
        if (hostName !== undefined) {
            names.push({ hostName, label: "the Docker URL host" });
        }
    }
    const powershell = host.powershell;
    if (powershell?.transport === "winrm") {
        const hostName = urlHostName(powershell.endpoint);
        if (hostName !== undefined) {
            names.push({ hostName, label: "the WinRM endpoint host" });
        }
    } else if (powershell?.transport === "ssh" && powershell.host !== "") {
        names.push({ hostName: powershell.host, label: "the SSH host" });
    }
    return names.filter(
        (entry, index) => names.findIndex((other) => other.hostName === entry.hostName) === index,
    );
}

function urlHostName(text: string): string | undefined {
    try {
        const hostName = new URL(text).hostname.replace(/^\[|\]$/g, "");
        return hostName === "" ? undefined : hostName;
    } catch {
        return undefined;
    }
}
