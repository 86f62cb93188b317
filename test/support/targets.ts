// Engines the provider's contract cases run against: the real Docker engine with Linux drivers,
// and the simulated Windows host with Windows drivers.

import Docker from "dockerode";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { HostSpec } from "../../provider/host/spec";
import { getProfile } from "../../provider/simulator/profiles";
import { ensureSimulatedEngine } from "../../provider/simulator/url";
import { realEngine } from "./engines";

/** One engine the same provider cases run against. */
export interface EngineTarget {
    readonly label: string;
    readonly host: HostSpec;
    /** A driver this engine offers that takes a subnet: `bridge` on Linux, `nat` on Windows. */
    readonly driver: string;
    /** A driver this engine does not offer. */
    readonly foreignDriver: string;
    readonly docker: Docker;
    /** Starts a container attached to the network and returns its id. */
    attachContainer(networkName: string): Promise<string>;
    /** Removes containers this target started. */
    cleanup(): Promise<void>;
}

/** The real engine of the test harness, reached over its unix socket. */
export async function realTarget(ctx: Mocha.Context): Promise<EngineTarget> {
    const engine = await realEngine(ctx, { runningContainers: true });
    const started: string[] = [];
    return {
        label: "real Docker engine",
        host: { name: "real-dockerd", docker: { url: engine.url, apiVersion: "1.41", timeoutMs: 30_000 } },
        driver: "bridge",
        foreignDriver: "nat",
        docker: engine.docker,
        async attachContainer(networkName) {
            const container = await engine.docker.createContainer({
                Image: engine.testImage,
                HostConfig: { NetworkMode: networkName },
            });
            started.push(container.id);
            await container.start();
            return container.id;
        },
        cleanup: () => removeContainers(engine.docker, started),
    };
}

/** A fresh simulated Windows Server host in a temporary state file, served in this process. */
export async function simulatedTarget(profile = "ws2022"): Promise<EngineTarget & { statePath: string }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wcn-sim-"));
    // The simulated engine serves from this folder until the test process ends.
    process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    const statePath = path.join(dir, "host.json");
    const url = `sim://${statePath}?profile=${profile}`;
    const engine = await ensureSimulatedEngine(url);
    const docker = new Docker({ host: "127.0.0.1", port: engine.port, protocol: "http", version: "v1.40" });
    const started: string[] = [];
    return {
        label: `simulated ${profile} host`,
        statePath,
        host: { name: `sim-${profile}`, docker: { url, timeoutMs: 30_000 } },
        driver: "nat",
        foreignDriver: "bridge",
        docker,
        async attachContainer(networkName) {
            const container = await docker.createContainer({
                Image: getProfile(profile).images[0],
                HostConfig: { NetworkMode: networkName },
            });
            started.push(container.id);
            await container.start();
            return container.id;
        },
        cleanup: () => removeContainers(docker, started),
    };
}

async function removeContainers(docker: Docker, ids: string[]): Promise<void> {
    for (const id of ids.splice(0)) {
        await docker
            .getContainer(id)
            .remove({ force: true })
            .catch(() => undefined);
    }
}
