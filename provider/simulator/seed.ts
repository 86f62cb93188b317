import { createHash } from "node:crypto";
import { startDockerService } from "./daemon";
import type { HostAdapter, HostState } from "./model";
import { DEFAULT_PROFILE, getProfile, type ProfileName } from "./profiles";
import { createHostStateIfMissing, HostStateError, replaceHostState } from "./state";

/** Computer name of a freshly seeded host. */
export const SEEDED_HOST_NAME = "WCNSIM01";

/** Two wired NICs and one Wi-Fi adapter; MACs are from the documentation range 00-00-5E-00-53-xx. */
function seedAdapters(): HostAdapter[] {
    return [
        {
            name: "Ethernet",
            interfaceDescription: "Intel(R) Ethernet Connection X722 for 10GbE SFP+",
            ifIndex: 4,
            macAddress: "00-00-5E-00-53-01",
            kind: "physical",
            physicalMediaType: "802.3",
            status: "Up",
            ipv4Addresses: [{ address: "192.168.50.10", prefixLength: 24 }],
        },
        {
            name: "Ethernet 2",
            interfaceDescription: "Intel(R) Ethernet Connection X722 for 10GbE SFP+ #2",
            ifIndex: 6,
            macAddress: "00-00-5E-00-53-02",
            kind: "physical",
            physicalMediaType: "802.3",
            status: "Up",
            ipv4Addresses: [{ address: "10.20.0.5", prefixLength: 24 }],
        },
        {
            name: "Wi-Fi",
            interfaceDescription: "Intel(R) Wi-Fi 6 AX201 160MHz",
            ifIndex: 12,
            macAddress: "00-00-5E-00-53-03",
            kind: "physical",
            physicalMediaType: "Native 802.11",
            status: "Up",
            ipv4Addresses: [{ address: "192.168.77.20", prefixLength: 24 }],
        },
    ];
}

/**
 * Builds a fresh host of the given generation: adapters, the profile's images, both services
 * running, and what the engine makes on first start: the `nat` and `none` networks, and on WS2016
 * the WinNAT of the `nat` network.
 */
export function seedHostState(
    profileName: ProfileName = DEFAULT_PROFILE,
    hostName: string = SEEDED_HOST_NAME,
): HostState {
    const profile = getProfile(profileName);
    const state: HostState = {
        schemaVersion: 1,
        profile: profile.name,
        hostName,
        bootCount: 0,
        adapters: seedAdapters(),
        vmSwitches: [],
        // On WS2016 HNS creates the WinNAT together with the default nat network at the first start.
        winNats: [],
        hnsNetworks: [],
        hnsEndpoints: [],
        dockerNetworks: [],
        containers: [],
        images: profile.images.map((tag) => ({
            id: `sha256:${createHash("sha256").update(tag).digest("hex")}`,
            repoTags: [tag],
        })),
        daemonJson: null,
        services: {
            docker: { status: "Stopped", lastError: null },
            hns: { status: "Stopped", lastError: null },
        },
    };
    startDockerService(state);
    return state;
}

/**
 * Returns the state in `statePath`, seeding it with `profile` (default ws2022) when the file does
 * not exist. Throws HostStateError when the file contains another profile than the one requested.
 */
export async function ensureHostState(statePath: string, profile?: ProfileName): Promise<HostState> {
    const state = await createHostStateIfMissing(statePath, () => seedHostState(profile ?? DEFAULT_PROFILE));
    if (profile !== undefined && state.profile !== profile) {
        throw new HostStateError(
            `simulated host ${statePath} is a ${state.profile} host, not ${profile}: use profile ${state.profile} or reset the state`,
        );
    }
    return state;
}

/** Replaces the state with a freshly seeded host. */
export async function resetHostState(
    statePath: string,
    profile: ProfileName = DEFAULT_PROFILE,
): Promise<HostState> {
    return replaceHostState(statePath, () => seedHostState(profile));
}
