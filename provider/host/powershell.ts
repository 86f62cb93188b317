import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    defaultPowerShellExecutable,
    findExecutable,
    LocalPowerShellRunner,
} from "../powershell/localRunner";
import { runOperation, type RunOperationOptions } from "../powershell/operation";
import type { OperationInput, OperationName, OperationResult } from "../powershell/operations";
import { RunnerPool } from "../powershell/pool";
import { RunnerError, type PowerShellRunner, type RunnerStats } from "../powershell/runner";
import { SshRunner } from "../powershell/sshRunner";
import { MaterialError, readMaterial } from "./config";
import { type HostFacts, normalizeHostFacts } from "./facts";
import type { HostSpec, PowerShellEndpointSpec, SshPowerShellSpec, WinRmPowerShellSpec } from "./spec";

/**
 * The PowerShell channel of each host: one RunnerPool per process, which keeps one reused runner
 * per host (up to the pool's per-host limit when scripts overlap) and retries transient transport
 * failures. Simulated hosts run the operation scripts in a local pwsh that imports
 * WcnSimulatedHost.psm1, or the TypeScript twins of the scripts where no pwsh is found.
 */

/**
 * Environment variable that picks how a `simulated` host runs operations: `auto` (the default)
 * uses pwsh when one is found and the twins otherwise, `pwsh` requires pwsh, and `twins` never
 * starts pwsh.
 */
export const SIMULATED_POWERSHELL_ENV = "WCN_SIMULATED_POWERSHELL";

/** Environment variable with the pwsh executable for simulated hosts, before `pwsh` in PATH. */
export const PWSH_PATH_ENV = "WCN_PWSH";

const MISSING_SPEC_EXAMPLE =
    '{ transport: "winrm", endpoint: "https://web-01:5986/wsman", auth: "ntlm", username: "wcn", ' +
    'passwordConfigKey: "web01Password" }';

/** Runs the host operations of one host. */
export interface HostOperations {
    /** The host the operations run on. */
    readonly host: HostSpec;
    /**
     * Runs operation `name` and returns its result. Rejects with OperationError when the script
     * reports failure, and with RunnerError when the transport fails or `host.powershell` is missing.
     */
    run<Name extends OperationName>(
        name: Name,
        input: OperationInput<Name>,
        options?: RunOperationOptions,
    ): Promise<OperationResult<Name>>;
}

/** Cost counters of one host's channel in this process. */
export interface HostOperationStats {
    /** Counters of every runner the pool created for the host, summed. */
    runner: RunnerStats;
    /** Operations run by the TypeScript twins. */
    twinCalls: number;
}

/** Execution route of one host's operations: a runner in the pool, or the twins on a state file. */
type Channel =
    | {
          kind: "runner";
          key: string;
          transport: PowerShellRunner["transport"];
          createRunner: () => PowerShellRunner;
          /** Work before the first operation, such as seeding a simulated host's state file. */
          prepare?: () => Promise<void>;
      }
    | { kind: "twins"; key: string; statePath: string; prepare?: () => Promise<void> };

let pool: RunnerPool | undefined;
/** Runner factories of the hosts in the pool, by pool key. */
const runnerFactories = new Map<string, () => PowerShellRunner>();
const factsByHost = new Map<string, Promise<HostFacts>>();
const twinCalls = new Map<string, number>();
let exitHooksRegistered = false;

/** Returns the operations of `host`. Creating them does no I/O, because the runner starts on the first run. */
export function hostOperations(host: HostSpec): HostOperations {
    return {
        host,
        run: async (name, input, options = {}) => {
            const channel = resolveChannel(host);
            await channel.prepare?.();
            if (channel.kind === "twins") {
                twinCalls.set(channel.key, (twinCalls.get(channel.key) ?? 0) + 1);
                const twins: typeof import("../simulator/powershell/twins") = require("../simulator/powershell/twins");
                return twins.runOperationTwin(channel.statePath, name, input);
            }
            runnerFactories.set(channel.key, channel.createRunner);
            const shared = sharedPool();
            const runner = pooledRunner(shared, channel.key, channel.transport);
            return runOperation(runner, name, input, options);
        },
    };
}

/**
 * Reads and normalizes the host's facts with `get-host-facts`, once per host per process. Calls
 * during the read share it. A failed read is not cached, so a later call reads again.
 */
export function readHostFacts(host: HostSpec): Promise<HostFacts> {
    let key: string;
    try {
        key = resolveChannel(host).key;
    } catch (error) {
        return Promise.reject(error);
    }
    let facts = factsByHost.get(key);
    if (facts === undefined) {
        facts = hostOperations(host)
            .run("get-host-facts", {})
            .then((raw) => normalizeHostFacts(raw));
        factsByHost.set(key, facts);
        facts.catch(() => factsByHost.delete(key));
    }
    return facts;
}

/**
 * Drops the cached facts of `host`, after an operation changed the host, so that the next
 * {@link readHostFacts} reads them again.
 */
export function forgetHostFacts(host: HostSpec): void {
    try {
        factsByHost.delete(resolveChannel(host).key);
    } catch {
        // A host without a PowerShell channel has no cached facts.
    }
}

/** Returns true when the host has a PowerShell channel: `host.powershell` or a sim: Docker URL. */
export function hasPowerShellChannel(host: HostSpec): boolean {
    return host.powershell !== undefined || (host.docker?.url ?? "").startsWith("sim:");
}

/** Returns the cost counters of `host`'s channel since the last {@link disposeHostRunners}. */
export function hostOperationStats(host: HostSpec): HostOperationStats {
    const key = resolveChannel(host).key;
    return {
        runner: pool?.statsFor(key) ?? { roundTrips: 0, shellsOpened: 0, processesStarted: 0 },
        twinCalls: twinCalls.get(key) ?? 0,
    };
}

/**
 * Disposes every runner (which kills the local pwsh processes and closes remote shells) and
 * clears cached facts and counters. Tests and the exit hooks call it, and a later operation
 * starts a new pool.
 */
export async function disposeHostRunners(): Promise<void> {
    const closing = pool;
    pool = undefined;
    runnerFactories.clear();
    factsByHost.clear();
    twinCalls.clear();
    await closing?.dispose();
}

function sharedPool(): RunnerPool {
    if (pool === undefined) {
        // NOTE: the pool retries a transient RunnerError on a new runner. A local process that
        // died mid-script, or a WinRM failure after the command started, may then run an
        // operation twice, so operations must stay idempotent.
        pool = new RunnerPool({
            createRunner: (key) => {
                const create = runnerFactories.get(key);
                if (create === undefined) {
                    throw new RunnerError("configuration", `no PowerShell channel is registered for ${key}`);
                }
                return create();
            },
        });
        registerExitHooks();
    }
    return pool;
}

/** Adapts the pool to the runner interface, so that runOperation gets reuse, limits and retries. */
function pooledRunner(
    shared: RunnerPool,
    key: string,
    transport: PowerShellRunner["transport"],
): PowerShellRunner {
    return {
        transport,
        get stats() {
            return shared.statsFor(key);
        },
        runScript: (request) => shared.runScript(key, request),
        // The pool owns the runners; disposeHostRunners closes them.
        dispose: () => Promise.resolve(),
    };
}

/**
 * Disposes the runners when the process ends. On `exit` only synchronous work runs: the local
 * runners' kill signal is sent synchronously inside dispose, but an SSH session close and a WinRM
 * shell deletion do not complete. Their local pwsh still ends, because it exits when its stdin
 * closes with this process.
 *
 * NOTE: a started local pwsh keeps the event loop alive (LocalPowerShellRunner does not unref
 * the child process), so `beforeExit` fires only after disposeHostRunners, and a script that
 * never calls it or `process.exit` does not end by itself.
 */
function registerExitHooks(): void {
    if (exitHooksRegistered) {
        return;
    }
    exitHooksRegistered = true;
    process.on("beforeExit", () => {
        if (pool !== undefined) {
            void disposeHostRunners().catch(() => undefined);
        }
    });
    process.on("exit", () => {
        pool?.dispose().catch(() => undefined);
        pool = undefined;
    });
}

/** Picks the channel of a host from `host.powershell`, or the default for a `sim:` Docker URL. */
function resolveChannel(host: HostSpec): Channel {
    const dockerUrl = host.docker?.url ?? "";
    const spec: PowerShellEndpointSpec | undefined =
        host.powershell ?? (dockerUrl.startsWith("sim:") ? { transport: "simulated" } : undefined);
    if (spec === undefined) {
        throw new RunnerError(
            "configuration",
            `host.powershell is required for host "${host.name}": this operation runs PowerShell on the ` +
                `host, and only a sim: Docker URL has a default (host.docker.url is ${JSON.stringify(dockerUrl)}). ` +
                `Set it, for example powershell: ${MISSING_SPEC_EXAMPLE}`,
        );
    }
    const key = channelKey(host, dockerUrl, spec);
    switch (spec.transport) {
        case "winrm":
            return { kind: "runner", key, transport: "winrm", createRunner: () => createWinRm(spec) };
        case "ssh":
            return { kind: "runner", key, transport: "ssh", createRunner: () => createSsh(spec) };
        case "local":
            return {
                kind: "runner",
                key,
                transport: "local",
                createRunner: () => new LocalPowerShellRunner({ executablePath: spec.executable }),
            };
        case "simulated":
            return simulatedChannel(host, dockerUrl, key);
        default:
            throw new RunnerError(
                "configuration",
                `host.powershell.transport ${JSON.stringify((spec as { transport?: unknown }).transport)} ` +
                    'is not a PowerShell transport; use "winrm", "ssh", "local" or "simulated"',
            );
    }
}

/**
 * Returns the pool key of a host: readable in the pool's retry warnings, with a hash of the whole
 * spec so that a changed setting gets new runners. The spec contains no secret, only key names.
 */
function channelKey(host: HostSpec, dockerUrl: string, spec: PowerShellEndpointSpec): string {
    const digest = createHash("sha256")
        .update(JSON.stringify([host.name, dockerUrl, spec]))
        .digest("hex")
        .slice(0, 12);
    return `${host.name} (${describeTarget(dockerUrl, spec)}, spec ${digest})`;
}

function describeTarget(dockerUrl: string, spec: PowerShellEndpointSpec): string {
    switch (spec.transport) {
        case "winrm":
            return `winrm ${spec.endpoint}`;
        case "ssh":
            return `ssh ${spec.user}@${spec.host}:${spec.port ?? 22}`;
        case "local":
            return `local ${spec.executable ?? defaultPowerShellExecutable()}`;
        default:
            return `simulated ${dockerUrl}`;
    }
}

function simulatedChannel(host: HostSpec, dockerUrl: string, key: string): Channel {
    if (!dockerUrl.startsWith("sim:")) {
        throw new RunnerError(
            "configuration",
            `host.powershell.transport "simulated" needs a sim: Docker URL, but host "${host.name}" has ` +
                `${JSON.stringify(dockerUrl)}; use "winrm", "ssh" or "local" for a real host`,
        );
    }
    const simulator: typeof import("../simulator/url") = require("../simulator/url");
    const { statePath, profile } = simulator.parseSimUrl(dockerUrl);
    // The host is seeded on first use, as the simulated Docker engine does, so that either face
    // can be the first to touch a new state file.
    const prepare = async () => {
        const seed: typeof import("../simulator/seed") = require("../simulator/seed");
        await seed.ensureHostState(statePath, profile);
    };
    const mode = simulatedMode();
    const pwsh = mode === "twins" ? undefined : findSimulatorPwsh();
    if (pwsh === undefined) {
        if (mode === "pwsh") {
            throw new RunnerError(
                "configuration",
                `${SIMULATED_POWERSHELL_ENV}=pwsh but no pwsh was found in ${PWSH_PATH_ENV}, PATH or ` +
                    "~/.dotnet/tools; install PowerShell 7 or unset the variable",
            );
        }
        return { kind: "twins", key, statePath, prepare };
    }
    const modulePath = simulatedModulePath();
    return {
        kind: "runner",
        key,
        transport: "local",
        prepare,
        createRunner: () =>
            new LocalPowerShellRunner({ executablePath: pwsh, simulatedHost: { modulePath, statePath } }),
    };
}

function simulatedMode(): "auto" | "pwsh" | "twins" {
    const value = process.env[SIMULATED_POWERSHELL_ENV] ?? "";
    if (value === "" || value === "auto" || value === "pwsh" || value === "twins") {
        return value === "" ? "auto" : value;
    }
    throw new RunnerError(
        "configuration",
        `${SIMULATED_POWERSHELL_ENV}=${JSON.stringify(value)} is invalid; use auto, pwsh or twins`,
    );
}

/** Returns pwsh from WCN_PWSH, ~/.dotnet/tools (the dotnet global tool) or PATH, as the tests find it. */
function findSimulatorPwsh(): string | undefined {
    const candidates = [
        process.env[PWSH_PATH_ENV],
        path.join(os.homedir(), ".dotnet", "tools", "pwsh"),
        "pwsh",
    ];
    for (const candidate of candidates) {
        if (candidate === undefined || candidate === "") {
            continue;
        }
        const found = findExecutable(candidate);
        if (found !== undefined) {
            return found;
        }
    }
    return undefined;
}

/** WcnSimulatedHost.psm1 beside this module's folder in the source tree, or in the source tree beside `dist`. */
function simulatedModulePath(): string {
    const relative = path.join("simulator", "powershell", "WcnSimulatedHost.psm1");
    const besideSource = path.resolve(__dirname, "..", relative);
    if (existsSync(besideSource)) {
        return besideSource;
    }
    return path.resolve(__dirname, "../../../provider", relative);
}

function createWinRm(spec: WinRmPowerShellSpec): PowerShellRunner {
    // Loaded on first use, so that hosts without WinRM do not load the WinRM client.
    const winrm: typeof import("../winrm/settings") = require("../winrm/settings");
    try {
        return winrm.createWinRmRunner({
            endpoint: spec.endpoint,
            auth: spec.auth,
            username: spec.username,
            passwordConfigKey: spec.passwordConfigKey,
            domain: spec.domain,
            caFile: spec.caFile,
            caConfigKey: spec.caConfigKey,
            certificateFingerprintSha256: spec.certificateFingerprintSha256,
            allowUnencrypted: spec.allowUnencrypted,
        });
    } catch (error) {
        // createWinRmRunner names its settings host.winrm.*; this host spec has them under host.powershell.
        if (error instanceof MaterialError && error.setting.startsWith("host.winrm.")) {
            throw new MaterialError(error.setting.replace("host.winrm.", "host.powershell."), error.reason);
        }
        throw error;
    }
}

function createSsh(spec: SshPowerShellSpec): PowerShellRunner {
    const privateKey =
        spec.keyConfigKey !== undefined
            ? {
                  content: (
                      readMaterial("host.powershell.key", undefined, spec.keyConfigKey) as Buffer
                  ).toString("utf8"),
              }
            : { path: spec.keyFile ?? "" };
    return new SshRunner({
        host: spec.host,
        port: spec.port,
        user: spec.user,
        privateKey,
        knownHosts: spec.knownHostsFile === undefined ? undefined : { path: spec.knownHostsFile },
        pwshPath: spec.pwshPath ?? findExecutable("pwsh") ?? defaultPowerShellExecutable(),
    });
}
