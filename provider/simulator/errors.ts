import type { HostProfile } from "./profiles";

/**
 * An error the simulated engine returns as `{"message": ...}` with an HTTP status. Messages repeat
 * the Windows engine's words, and each group of factories names where its texts come from.
 */
export class EngineError extends Error {
    override readonly name = "EngineError";

    constructor(
        readonly statusCode: number,
        message: string,
    ) {
        super(message);
    }
}

// Texts from moby's daemon and libnetwork source (daemon/network.go, libnetwork/error.go).

export function networkNotFound(term: string): EngineError {
    return new EngineError(404, `network ${term} not found`);
}

export function networkAmbiguous(term: string, count: number, basis: "name" | "ID prefix"): EngineError {
    const suffix = basis === "name" ? "on name" : "based on ID prefix";
    return new EngineError(400, `network ${term} is ambiguous (${count} matches found ${suffix})`);
}

export function networkNameExists(name: string): EngineError {
    return new EngineError(409, `network with name ${name} already exists`);
}

/** moby's PredefinedNetworkError text, trailing space included. */
export function predefinedNetworkOperation(name: string): EngineError {
    return new EngineError(403, `operation is not permitted on predefined ${name} network `);
}

export function predefinedNetworkRemoval(name: string): EngineError {
    return new EngineError(403, `${name} is a pre-defined network and cannot be removed`);
}

export function activeEndpoints(name: string, id: string): EngineError {
    return new EngineError(
        403,
        `error while removing network: network ${name} id ${id} has active endpoints`,
    );
}

/** Posted Windows output: `plugin "transparent" not found` when the driver does not exist. */
export function pluginNotFound(name: string): EngineError {
    return new EngineError(404, `plugin "${name}" not found`);
}

/** moby's null driver rejects a second `null` network. */
export function onlyOneNullNetwork(): EngineError {
    return new EngineError(403, `only one instance of "null" network is allowed`);
}

/** moby's daemon rejects overlay networks on a node that is not a swarm manager. */
export function overlayNeedsSwarm(): EngineError {
    return new EngineError(
        403,
        'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.',
    );
}

/**
 * The Windows IPAM driver (moby `windowsipam`) rejects IP ranges and IPv6 pools with this text;
 * a posted Windows error shows it for `--ip-range`.
 */
export function nullIpamUnsupported(): EngineError {
    return new EngineError(500, "This request is not supported by null ipam driver");
}

export function invalidSubnet(subnet: string): EngineError {
    return new EngineError(400, `Invalid subnet ${subnet} : invalid CIDR address: ${subnet}`);
}

// Option parsing errors from moby's Windows network driver (parseNetworkOptions).

export function parseUintFailed(value: string): EngineError {
    return new EngineError(500, `strconv.ParseUint: parsing "${value}": invalid syntax`);
}

export function parseBoolFailed(value: string): EngineError {
    return new EngineError(500, `strconv.ParseBool: parsing "${value}": invalid syntax`);
}

export function invalidMacPool(): EngineError {
    return new EngineError(400, "Invalid mac pool. You must specify both a start range and an end range");
}

export function outboundNatUnsupported(): EngineError {
    return new EngineError(500, "Invalid network option. OutboundNat is not supported on this OS version");
}

// NOTE: the next texts are not taken from a Windows host or from moby. They are short factual
// texts for requests a Windows engine does not support.

export function internalUnsupported(): EngineError {
    return new EngineError(400, "internal networks are not supported on Windows");
}

export function auxAddressesUnsupported(): EngineError {
    return new EngineError(400, "auxiliary addresses are not supported on Windows");
}

export function ipamOptionsUnsupported(): EngineError {
    return new EngineError(400, "IPAM options are not supported on Windows");
}

export function emptyNetworkName(): EngineError {
    return new EngineError(400, "network name must not be empty");
}

// HNS failures, worded per host generation. Texts are from posted Windows output: "The object
// already exists." (WS2016, Windows 10), "Unspecified error" (WS2016), "The parameter is incorrect."
// in both the legacy and the Win32 wording (WS2016 and WS2019). HNS messages end in a space.

export function hnsObjectExists(): EngineError {
    return new EngineError(500, "HNS failed with error : The object already exists. ");
}

/**
 * "The object already exists." for a create on an adapter whose removed external network's switch
 * still lingers in HNS. The caller records the failure with `consumeLingeringSwitchFailure` in a
 * separate state update, because the failed create's own update is discarded.
 */
export class LingeringSwitchError extends EngineError {
    constructor(readonly adapterName: string) {
        super(500, hnsObjectExists().message);
    }
}

export function hnsUnspecified(): EngineError {
    return new EngineError(500, "HNS failed with error : Unspecified error");
}

export function hnsParameterIncorrect(profile: HostProfile): EngineError {
    const message =
        profile.hnsErrorStyle === "legacy"
            ? "HNS failed with error : The parameter is incorrect. "
            : "hnsCall failed in Win32: The parameter is incorrect. (0x57)";
    return new EngineError(500, message);
}

/** moby's Windows driver constant for an HNS id that no longer exists. */
export const HNS_NOT_FOUND_TEXT =
    "HNS failed with error : The object identifier does not represent a valid object. ";

/** Port already in use: WS2016 reports "Unspecified error", later hosts the Win32 0x20 text. */
export function hnsPortInUse(profile: HostProfile): EngineError {
    if (profile.hnsErrorStyle === "legacy") {
        return hnsUnspecified();
    }
    return new EngineError(
        500,
        "hnsCall failed in Win32: The process cannot access the file because it is being used by another process. (0x20)",
    );
}

/** Wraps an HNS failure during endpoint creation the way the engine does. */
export function endpointCreateFailed(
    containerName: string,
    networkName: string,
    cause: EngineError,
): EngineError {
    return new EngineError(
        cause.statusCode,
        `failed to create endpoint ${containerName} on network ${networkName}: ${cause.message}`,
    );
}

// Container errors, from moby's daemon.

export function noSuchImage(reference: string): EngineError {
    return new EngineError(404, `No such image: ${reference}`);
}

export function noSuchContainer(term: string): EngineError {
    return new EngineError(404, `No such container: ${term}`);
}

export function containerNameConflict(name: string, id: string): EngineError {
    return new EngineError(
        409,
        `Conflict. The container name "/${name}" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`,
    );
}

export function invalidContainerName(name: string): EngineError {
    return new EngineError(
        400,
        `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
    );
}

export function removeRunningContainer(id: string): EngineError {
    return new EngineError(
        409,
        `You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`,
    );
}

export function endpointExists(containerName: string, networkName: string): EngineError {
    return new EngineError(
        403,
        `endpoint with name ${containerName} already exists in network ${networkName}`,
    );
}

export function notConnectedStopped(containerId: string, networkName: string): EngineError {
    return new EngineError(404, `container ${containerId} is not connected to the network ${networkName}`);
}

export function notConnectedRunning(containerId: string, networkName: string): EngineError {
    return new EngineError(500, `container ${containerId} is not connected to network ${networkName}`);
}

export function staticIpNeedsUserNetwork(): EngineError {
    return new EngineError(400, "user specified IP address is supported on user defined networks only");
}

export function staticIpNeedsSubnet(): EngineError {
    return new EngineError(
        400,
        "user specified IP address is supported only when connecting to networks with user configured subnets",
    );
}

export function invalidIpv4Address(text: string): EngineError {
    return new EngineError(400, `invalid IPv4 address: ${text}`);
}

/** moby 25 and later validate endpoint addresses against the network's subnets with this text. */
export function addressOutsideSubnet(address: string): EngineError {
    return new EngineError(
        400,
        `invalid endpoint settings:\nno configured subnet or ip-range contain the IP address ${address}`,
    );
}

export function noneNetworkExclusive(): EngineError {
    return new EngineError(
        400,
        "container cannot be connected to multiple networks with one of the networks in private (none) mode",
    );
}

/** From moby's Windows driver (ConvertPortBindings). */
export function hostPortRangeUnsupported(): EngineError {
    return new EngineError(500, "Windows does not support more than one host port in NAT settings");
}

/** From moby's Windows driver (ConvertPortBindings). */
export function hostIpUnsupported(): EngineError {
    return new EngineError(500, "Windows does not support host IP addresses in NAT settings");
}

// NOTE: not from a Windows host: the architecture rule is that addresses and adapters change only
// while the container is stopped, and this is the simulator's wording for it.
export function connectRunningUnsupported(containerName: string): EngineError {
    return new EngineError(
        400,
        `cannot connect running container ${containerName}: Windows attaches networks only while a container is stopped`,
    );
}

export function pageNotFound(): EngineError {
    return new EngineError(404, "page not found");
}

export function invalidJsonBody(detail: string): EngineError {
    return new EngineError(400, `invalid JSON in request body: ${detail}`);
}

export function clientVersionTooNew(requested: string, maximum: string): EngineError {
    return new EngineError(
        400,
        `client version ${requested} is too new. Maximum supported API version is ${maximum}`,
    );
}

export function clientVersionTooOld(requested: string, minimum: string): EngineError {
    return new EngineError(
        400,
        `client version ${requested} is too old. Minimum supported API version is ${minimum}, please upgrade your client to a newer version`,
    );
}
