import { DockerEngine } from "../docker/engine";
import type { HostSpec } from "./spec";

const engines = new Map<string, Promise<DockerEngine>>();

/**
 * Returns the engine client for a host, shared by every operation on that host in this process so
 * that its facts are read once per run. Clients are keyed by the whole endpoint spec, so a changed
 * setting gets a new client.
 */
export function engineFor(host: HostSpec): Promise<DockerEngine> {
    const key = JSON.stringify([host.name, host.docker]);
    let engine = engines.get(key);
    if (!engine) {
        engine = DockerEngine.connect(host, startSimulatedEngine);
        engines.set(key, engine);
        engine.catch(() => engines.delete(key));
    }
    return engine;
}

/** Loads the simulator only when a `sim:` host is used. */
async function startSimulatedEngine(url: string): Promise<{ host: string; port: number }> {
    const simulator: typeof import("../simulator/url") = require("../simulator/url");
    const engine = await simulator.ensureSimulatedEngine(url);
    return { host: "127.0.0.1", port: engine.port };
}

/** Forgets cached clients; for tests that restart engines. */
export function resetEngines(): void {
    engines.clear();
}
