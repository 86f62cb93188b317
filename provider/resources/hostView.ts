import type { DockerEngine, EngineInfo } from "../docker/engine";
import { DEFAULT_API_VERSION } from "../docker/connection";
import { EngineError } from "../docker/errors";
import { acceptsApiVersion } from "../docker/preflight";
import { MaterialError } from "../host/config";
import { engineFor } from "../host/engines";
import type { HostFacts } from "../host/facts";
import { hasPowerShellChannel, readHostFacts } from "../host/powershell";
import type { HostSpec } from "../host/spec";
import type { FailureList } from "../model/failures";
import type { ObservedNetwork } from "../model/networkInspect";
import { OperationError } from "../powershell/operation";
import { RunnerError } from "../powershell/runner";
import { warn } from "./common";

/** How long check waits for a host's engine and facts before previewing without them. */
export const CHECK_FACTS_TIMEOUT_MS = 15_000;

/** The host state check reads: the engine's view, and the PowerShell facts when they could be read. */
export interface HostView {
    engine: DockerEngine;
    info: EngineInfo;
    networks: ObservedNetwork[];
    /** Undefined when the host has no PowerShell channel or its facts could not be read. */
    facts?: HostFacts;
}

/**
 * Reads the engine's state and, when `wantFacts` is set and the host has a PowerShell channel, the
 * host's facts. Configuration mistakes become failures at the setting that is wrong. A host that
 * does not respond gives a warning and undefined (or a view without facts), because preview goes on
 * and create reads the host again before it changes anything. `subject` names the resource in
 * warnings, for example `network "app-nat"`.
 */
export async function readHostView(
    host: HostSpec,
    subject: string,
    failures: FailureList,
    options: { wantFacts: boolean; timeoutMs?: number },
): Promise<HostView | undefined> {
    const limitMs = options.timeoutMs ?? CHECK_FACTS_TIMEOUT_MS;
    let engine: DockerEngine;
    let info: EngineInfo;
    let networks: ObservedNetwork[];
    try {
        engine = await engineFor(withDockerTimeout(host, limitMs));
        info = await engine.info();
        // An engine that rejects the pinned API version rejects every versioned call. The caller's
        // engine checks report the version, so the view goes without networks and facts.
        if (!acceptsApiVersion(info, host.docker.apiVersion ?? DEFAULT_API_VERSION)) {
            return { engine, info, networks: [] };
        }
        networks = await engine.listNetworks();
    } catch (error) {
        if (error instanceof MaterialError) {
            failures.add(error.setting, error.reason);
        } else if (EngineError.is(error, "untrusted")) {
            failures.add("host.docker.tls", error.message);
        } else if (EngineError.is(error, "unreachable") || EngineError.is(error, "timeout")) {
            warn(
                `${subject}: ${error.message}. Continuing without the host's facts; create checks them again before changing anything.`,
            );
        } else {
            throw error;
        }
        return undefined;
    }
    const view: HostView = { engine, info, networks };
    if (options.wantFacts) {
        view.facts = await readFactsForCheck(host, subject, failures, limitMs);
    }
    return view;
}

/**
 * Hosts whose facts could not be read at check in this process, with the warning. Check does not
 * try again for each resource, because one preview would otherwise wait out the retries once per
 * resource on an unreachable host. Create still reads the facts.
 */
const unreadableFacts = new Map<string, string>();

/**
 * Reads the host's facts for check. Without a PowerShell channel the facts are skipped with a
 * warning that names the rules that did not run.
 */
async function readFactsForCheck(
    host: HostSpec,
    subject: string,
    failures: FailureList,
    limitMs: number,
): Promise<HostFacts | undefined> {
    if (!hasPowerShellChannel(host)) {
        warn(
            `${subject}: host ${host.name} has no host.powershell settings, so the WinNAT prefix and the host's ` +
                "adapter addresses are not checked. Set host.powershell to check them before anything changes",
        );
        return undefined;
    }
    const key = `${host.name}|${host.docker.url}|${JSON.stringify(host.powershell ?? null)}`;
    const earlier = unreadableFacts.get(key);
    if (earlier !== undefined) {
        warn(`${subject}: ${earlier}`);
        return undefined;
    }
    try {
        return await withTimeout(readHostFacts(host), limitMs, host.name);
    } catch (error) {
        if (error instanceof MaterialError) {
            failures.add(error.setting, error.reason);
            return undefined;
        }
        if (RunnerError.isInstance(error) && error.kind === "configuration") {
            failures.add("host.powershell", error.message);
            return undefined;
        }
        if (RunnerError.isInstance(error) || OperationError.isInstance(error)) {
            const message =
                `reading the facts of host ${host.name} failed (${(error as Error).message}). ` +
                "Continuing without them; create checks them again before changing anything.";
            unreadableFacts.set(key, message);
            warn(`${subject}: ${message}`);
            return undefined;
        }
        throw error;
    }
}

/**
 * Reads the host's facts for create and update, which do not go on without them when the host has
 * a PowerShell channel: the rules that need them must hold before anything changes.
 */
export async function readFactsForApply(host: HostSpec): Promise<HostFacts | undefined> {
    return hasPowerShellChannel(host) ? readHostFacts(host) : undefined;
}

function withDockerTimeout(host: HostSpec, limitMs: number): HostSpec {
    const timeoutMs = Math.min(host.docker.timeoutMs ?? limitMs, limitMs);
    return { ...host, docker: { ...host.docker, timeoutMs } };
}

function withTimeout<T>(promise: Promise<T>, limitMs: number, hostName: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
            () =>
                reject(
                    new RunnerError(
                        "timeout",
                        `host ${hostName} did not report its facts within ${limitMs / 1000} s`,
                    ),
                ),
            limitMs,
        );
        timer.unref();
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
