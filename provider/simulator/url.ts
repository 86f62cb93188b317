import * as path from "node:path";
import { type SimulatedEngine, startSimulatedEngine } from "./engine";
import { isProfileName, PROFILE_NAMES, type ProfileName } from "./profiles";

/** A parsed `sim:` URL. */
export interface SimUrl {
    /** Absolute path of the state file. */
    statePath: string;
    /** Profile from `?profile=`, if given. */
    profile?: ProfileName;
}

/**
 * Parses the `sim:` URL of a simulated host: `sim:///abs/path/host.json?profile=ws2022`, or a path
 * relative to `cwd` such as `sim:./.wcn/host.json`. The only query parameter is `profile`.
 */
export function parseSimUrl(url: string, cwd: string = process.cwd()): SimUrl {
    if (!url.startsWith("sim:")) {
        throw new Error(`invalid simulated host URL "${url}": it must start with "sim:"`);
    }
    const rest = url.slice("sim:".length);
    const queryStart = rest.indexOf("?");
    const location = queryStart < 0 ? rest : rest.slice(0, queryStart);
    const query = new URLSearchParams(queryStart < 0 ? "" : rest.slice(queryStart + 1));
    const filePath = decodeURIComponent(stripEmptyAuthority(url, location));
    if (filePath === "") {
        throw new Error(`invalid simulated host URL "${url}": the state file path is missing`);
    }
    return { statePath: path.resolve(cwd, filePath), ...parseQuery(url, query) };
}

/** `sim:///abs` has an empty authority; `sim://host/...` names a host, which a local file cannot have. */
function stripEmptyAuthority(url: string, location: string): string {
    if (!location.startsWith("//")) {
        return location;
    }
    if (!location.startsWith("///")) {
        throw new Error(
            `invalid simulated host URL "${url}": use sim:///absolute/path or sim:relative/path, without a host`,
        );
    }
    return location.slice(2);
}

function parseQuery(url: string, query: URLSearchParams): { profile?: ProfileName } {
    for (const key of query.keys()) {
        if (key !== "profile") {
            throw new Error(
                `invalid simulated host URL "${url}": unknown parameter "${key}" (only "profile" is allowed)`,
            );
        }
    }
    const profile = query.get("profile");
    if (profile === null) {
        return {};
    }
    if (!isProfileName(profile)) {
        throw new Error(
            `invalid simulated host URL "${url}": profile "${profile}" is not one of ${PROFILE_NAMES.join(", ")}`,
        );
    }
    return { profile };
}

/** Servers started by ensureSimulatedEngine, one per state file. */
const engines = new Map<string, Promise<SimulatedEngine>>();

/**
 * Returns this process's loopback engine for a `sim:` URL, starting it on first use. The server
 * does not keep the process alive. A failed start is not cached, so a later call tries again.
 */
export function ensureSimulatedEngine(url: string): Promise<SimulatedEngine> {
    const parsed = parseSimUrl(url);
    const existing = engines.get(parsed.statePath);
    if (existing !== undefined) {
        return existing;
    }
    const started = startSimulatedEngine({
        statePath: parsed.statePath,
        profile: parsed.profile,
        unref: true,
    });
    engines.set(parsed.statePath, started);
    started.catch(() => engines.delete(parsed.statePath));
    return started;
}

/** Closes every engine ensureSimulatedEngine started in this process. */
export async function closeSimulatedEngines(): Promise<void> {
    const running = [...engines.values()];
    engines.clear();
    await Promise.all(running.map(async (engine) => (await engine.catch(() => null))?.close()));
}
