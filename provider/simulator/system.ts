import { createHash } from "node:crypto";
import type { HostState } from "./model";
import { getProfile } from "./profiles";

/** Go version reported beside the engine version; informational only. */
const GO_VERSION = "go1.21.13";

/** Daemon id derived from the host name, stable across restarts of the simulator. */
function daemonId(state: HostState): string {
    const hex = createHash("sha256").update(`${state.hostName}/${state.profile}`).digest("hex");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20, 32)].join(
        "-",
    );
}

/** `GET /version` output of the profile's Windows engine. */
export function renderVersion(state: HostState): Record<string, unknown> {
    const profile = getProfile(state.profile);
    const details = {
        ApiVersion: profile.apiVersion,
        Arch: "amd64",
        BuildTime: "2024-01-01T00:00:00.000000000+00:00",
        Experimental: "false",
        GitCommit: "simulated",
        GoVersion: GO_VERSION,
        KernelVersion: profile.kernelVersion,
        MinAPIVersion: profile.minApiVersion,
        Os: "windows",
    };
    return {
        Platform: { Name: "Docker Engine - Community" },
        Components: [{ Name: "Engine", Version: profile.serverVersion, Details: details }],
        Version: profile.serverVersion,
        ApiVersion: profile.apiVersion,
        MinAPIVersion: profile.minApiVersion,
        GitCommit: "simulated",
        GoVersion: GO_VERSION,
        Os: "windows",
        Arch: "amd64",
        KernelVersion: profile.kernelVersion,
        BuildTime: details.BuildTime,
    };
}

/** `GET /info` output: Windows OS facts and the profile's network drivers (never `bridge`). */
export function renderInfo(state: HostState): Record<string, unknown> {
    const profile = getProfile(state.profile);
    const running = state.containers.filter((container) => container.status === "running").length;
    return {
        ID: daemonId(state),
        Containers: state.containers.length,
        ContainersRunning: running,
        ContainersPaused: 0,
        ContainersStopped: state.containers.length - running,
        Images: state.images.length,
        Driver: "windowsfilter",
        DriverStatus: [],
        Plugins: {
            Volume: ["local"],
            Network: [...profile.networkDrivers],
            Authorization: null,
            Log: [
                "awslogs",
                "etwlogs",
                "fluentd",
                "gcplogs",
                "gelf",
                "json-file",
                "local",
                "logentries",
                "splunk",
                "syslog",
            ],
        },
        MemoryLimit: false,
        SwapLimit: false,
        Debug: false,
        NFd: -1,
        NGoroutines: 32,
        SystemTime: new Date().toISOString(),
        LoggingDriver: "json-file",
        NEventsListener: 0,
        KernelVersion: profile.kernelVersion,
        OperatingSystem: profile.operatingSystem,
        OSType: "windows",
        Architecture: "x86_64",
        IndexServerAddress: "https://index.docker.io/v1/",
        NCPU: 4,
        MemTotal: 17_179_869_184,
        DockerRootDir: "C:\\ProgramData\\docker",
        Name: state.hostName,
        Labels: [],
        ExperimentalBuild: false,
        ServerVersion: profile.serverVersion,
        Isolation: "process",
        Swarm: { LocalNodeState: "inactive", ControlAvailable: false, Error: "", RemoteManagers: null },
        LiveRestoreEnabled: false,
    };
}
