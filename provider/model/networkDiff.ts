import { normalizeCidr, parseIpv4 } from "./cidr";
import { containsUnknown } from "./unknown";
import type { WindowsNetworkOptions } from "./windowsOptions";

/** The outcome of comparing two ContainerNetwork states. */
export interface NetworkDiff {
    /** Properties whose change means a new network (Docker networks cannot be changed in place). */
    replaces: string[];
    /** Properties that change only what the provider stores or how it connects. */
    updates: string[];
}

type Fields = Record<string, unknown>;

/**
 * Compares two ContainerNetwork states over the properties the user manages. It is symmetric and
 * does no I/O, because the engine also calls it after refresh with the two sides swapped. Engine
 * bookkeeping (`__provider`, outputs such as `networkId`, engine-added options, the owner label's
 * stack part) never counts. A value that is unknown during preview counts as changed.
 */
export function diffContainerNetwork(olds: Fields, news: Fields): NetworkDiff {
    const replaces: string[] = [];
    const updates: string[] = [];
    const compare = (property: string, left: unknown, right: unknown, into: string[]) => {
        if (
            containsUnknown(left) ||
            containsUnknown(right) ||
            JSON.stringify(left) !== JSON.stringify(right)
        ) {
            into.push(property);
        }
    };

    compare("name", olds.name, news.name, replaces);
    compare("driver", olds.driver ?? "nat", news.driver ?? "nat", replaces);
    compare("subnet", canonicalCidr(olds.subnet), canonicalCidr(news.subnet), replaces);
    compare("gateway", canonicalAddress(olds.gateway), canonicalAddress(news.gateway), replaces);
    compareWindows(olds.windows, news.windows, (property, left, right) =>
        compare(property, left, right, replaces),
    );
    compareMaps("driverOptions", olds.driverOptions, news.driverOptions, (property, left, right) =>
        compare(property, left, right, replaces),
    );
    compareMaps("labels", olds.labels, news.labels, (property, left, right) =>
        compare(property, left, right, replaces),
    );

    const oldHost = (olds.host ?? {}) as Fields;
    const newHost = (news.host ?? {}) as Fields;
    const oldDocker = (oldHost.docker ?? {}) as Fields;
    const newDocker = (newHost.docker ?? {}) as Fields;
    compare("host.docker.url", oldDocker.url, newDocker.url, replaces);
    compare("host.name", oldHost.name, newHost.name, updates);
    for (const key of ["apiVersion", "timeoutMs", "tls", "ssh"]) {
        compare(`host.docker.${key}`, sortedObject(oldDocker[key]), sortedObject(newDocker[key]), updates);
    }
    compare("adopt", olds.adopt ?? false, news.adopt ?? false, updates);
    compare(
        "disconnectContainersOnDelete",
        olds.disconnectContainersOnDelete ?? false,
        news.disconnectContainersOnDelete ?? false,
        updates,
    );
    return { replaces, updates };
}

function canonicalCidr(value: unknown): unknown {
    return typeof value === "string" ? (normalizeCidr(value)?.cidr ?? value) : value;
}

function canonicalAddress(value: unknown): unknown {
    return typeof value === "string" ? (parseIpv4(value)?.toString() ?? value) : value;
}

type Reporter = (property: string, left: unknown, right: unknown) => void;

function compareWindows(left: unknown, right: unknown, report: Reporter): void {
    if (containsUnknown(left) || containsUnknown(right)) {
        report("windows", left, right);
        return;
    }
    const a = canonicalWindows(left as WindowsNetworkOptions | undefined);
    const b = canonicalWindows(right as WindowsNetworkOptions | undefined);
    for (const key of Object.keys(a) as (keyof typeof a)[]) {
        report(`windows.${key}`, a[key], b[key]);
    }
}

/** Windows options in a form where equal settings compare equal (defaults filled, case folded). */
function canonicalWindows(options: WindowsNetworkOptions | undefined) {
    const value = options ?? {};
    return {
        adapterName: value.adapterName?.toLowerCase() ?? null,
        vlanId: value.vlanId ?? null,
        dnsServers: (value.dnsServers ?? []).map((server) => canonicalAddress(server)),
        dnsSuffix: value.dnsSuffix?.toLowerCase() ?? null,
        outboundNat: value.outboundNat ?? false,
        outboundNatExceptions: [...(value.outboundNatExceptions ?? [])].map(canonicalCidrOrAddress).sort(),
        macPools: (value.macPools ?? []).map((pool) => `${pool.start}-${pool.end}`.toUpperCase()),
        disableGatewayDns: value.disableGatewayDns ?? false,
        hnsNetworkName: value.hnsNetworkName ?? null,
    };
}

function canonicalCidrOrAddress(value: string): string {
    return String(value.includes("/") ? canonicalCidr(value) : canonicalAddress(value));
}

function compareMaps(property: string, left: unknown, right: unknown, report: Reporter): void {
    if (containsUnknown(left) || containsUnknown(right)) {
        report(property, left, right);
        return;
    }
    const a = (left ?? {}) as Record<string, unknown>;
    const b = (right ?? {}) as Record<string, unknown>;
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
        report(`${property}["${key}"]`, a[key] ?? null, b[key] ?? null);
    }
}

function sortedObject(value: unknown): unknown {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        return value ?? null;
    }
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)));
}
