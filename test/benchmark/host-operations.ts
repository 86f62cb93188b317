// Benchmark of host operations: a reused session (one runner for every operation) against a naive
// baseline that creates a runner per operation and disposes it after, so every operation opens a
// new shell and starts a new PowerShell process. It runs against the simulated WinRM endpoint
// (Basic over HTTPS on 127.0.0.1, real pwsh with the simulated cmdlets, a fixed delay per HTTP
// request) and against the local runner. It prints figures and asserts nothing.
//
// Usage: npm run bench -- [--latency-ms 20] [--repetitions 5] [--json]

import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalPowerShellRunner } from "../../provider/powershell/localRunner";
import { runOperation } from "../../provider/powershell/operation";
import type { OperationInput, OperationName } from "../../provider/powershell/operations";
import type { PowerShellRunner } from "../../provider/powershell/runner";
import { resetHostState } from "../../provider/simulator/seed";
import { defaultExecutor } from "../../provider/simulator/winrm/default-executor";
import { WinRmRunner } from "../../provider/winrm/runner";
import { makeCertificates, opensslAvailable, type TestCertificates } from "../support/tls";
import { clientOptions, startTestEndpoint, type TestEndpoint } from "../support/winrm";
import { findPwsh, SIMULATED_MODULE } from "../unit/powershell/pwsh";

const USAGE = `Usage: node dist/test/benchmark/host-operations.js [options]

  --latency-ms MS     delay the simulated WinRM endpoint adds before each HTTP request (default 20)
  --repetitions N     repetitions of each scenario; wall time is their median (default 5, 1 to 50)
  --json              also print one JSON line with every figure
  --help              print this text`;

const OPERATION_TIMEOUT_MS = 60_000;

interface BenchmarkOptions {
    latencyMs: number;
    repetitions: number;
    json: boolean;
}

type Step = { [Name in OperationName]: [Name, OperationInput<Name>] }[OperationName];

/** Reading host facts once. */
const FACTS_ONCE: Step[] = [["get-host-facts", {}]];

/**
 * Ten consecutive operations that leave the host running, so every repetition does the same
 * work. restart-container-services is left out because its wait for the engine would dominate.
 */
const TEN_OPERATIONS: Step[] = [
    ["get-host-facts", {}],
    ["get-hns-endpoints", {}],
    ["read-daemon-json", {}],
    ["write-daemon-json", { set: { "log-level": "warn" } }],
    ["get-hns-endpoints", { networkId: "00000000-0000-0000-0000-000000000000" }],
    ["get-host-facts", {}],
    ["get-hns-endpoints", {}],
    ["read-daemon-json", {}],
    ["write-daemon-json", { set: { "log-level": "info" } }],
    ["read-daemon-json", {}],
];

type Transport = "winrm" | "local";
type Mode = "reused" | "naive";

/** Figures of one scenario. Counters come from the last repetition, because every repetition does the same work. */
interface ScenarioResult {
    transport: Transport;
    workload: string;
    operations: number;
    mode: Mode;
    roundTrips: number;
    shellsOpened: number;
    processesStarted: number;
    medianWallMs: number;
    wallMs: number[];
    /** Peak resident set size of this benchmark process so far, in MiB (child processes excluded). */
    peakRssMiB: number;
}

function parseArguments(argv: string[]): BenchmarkOptions {
    const options: BenchmarkOptions = { latencyMs: 20, repetitions: 5, json: false };
    for (let index = 0; index < argv.length; index++) {
        const argument = argv[index];
        if (argument === "--help") {
            console.log(USAGE);
            process.exit(0);
        } else if (argument === "--json") {
            options.json = true;
        } else if (argument === "--latency-ms" || argument === "--repetitions") {
            const value = Number(argv[++index]);
            const valid =
                argument === "--latency-ms"
                    ? Number.isInteger(value) && value >= 0 && value <= 10_000
                    : Number.isInteger(value) && value >= 1 && value <= 50;
            if (!valid) {
                throw new Error(
                    `invalid value ${JSON.stringify(argv[index])} for ${argument}: expected ` +
                        (argument === "--latency-ms"
                            ? "an integer from 0 to 10000"
                            : "an integer from 1 to 50"),
                );
            }
            if (argument === "--latency-ms") {
                options.latencyMs = value;
            } else {
                options.repetitions = value;
            }
        } else {
            throw new Error(`unknown argument ${JSON.stringify(argument)}\n${USAGE}`);
        }
    }
    return options;
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function peakRssMiB(): number {
    // resourceUsage().maxRSS is in KiB on Linux.
    return process.resourceUsage().maxRSS / 1024;
}

/** A runner factory and the counters that only the host side can see. */
interface Target {
    transport: Transport;
    newRunner(): PowerShellRunner;
    /** PowerShell processes started on the host so far, or undefined when the runner counts them itself. */
    hostProcesses(): number | undefined;
    /** HTTP requests the host received so far, or undefined for a transport without them. */
    hostRequests(): number | undefined;
}

/** Sums the counters of every runner a repetition created. */
function addStats(total: ScenarioCounters, runner: PowerShellRunner): void {
    total.roundTrips += runner.stats.roundTrips;
    total.shellsOpened += runner.stats.shellsOpened;
    total.processesStarted += runner.stats.processesStarted;
}

interface ScenarioCounters {
    roundTrips: number;
    shellsOpened: number;
    processesStarted: number;
}

async function runSteps(runner: PowerShellRunner, steps: Step[]): Promise<void> {
    for (const [name, input] of steps) {
        await runOperation(runner, name, input as never, { timeoutMs: OPERATION_TIMEOUT_MS });
    }
}

/** Runs `steps` once in `mode` and returns the wall time in ms and the counters. */
async function runOnce(
    target: Target,
    steps: Step[],
    mode: Mode,
): Promise<{ wallMs: number; counters: ScenarioCounters }> {
    const counters: ScenarioCounters = { roundTrips: 0, shellsOpened: 0, processesStarted: 0 };
    const processesBefore = target.hostProcesses();
    const requestsBefore = target.hostRequests();
    const started = process.hrtime.bigint();
    if (mode === "reused") {
        const runner = target.newRunner();
        try {
            await runSteps(runner, steps);
        } finally {
            await runner.dispose();
        }
        addStats(counters, runner);
    } else {
        for (const step of steps) {
            const runner = target.newRunner();
            try {
                await runSteps(runner, [step]);
            } finally {
                await runner.dispose();
            }
            addStats(counters, runner);
        }
    }
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    const processesAfter = target.hostProcesses();
    if (processesBefore !== undefined && processesAfter !== undefined) {
        counters.processesStarted = processesAfter - processesBefore;
    }
    const requestsAfter = target.hostRequests();
    if (requestsBefore !== undefined && requestsAfter !== undefined) {
        // Runner and endpoint must agree; a difference would mean a counter is wrong.
        const hostRequests = requestsAfter - requestsBefore;
        if (hostRequests !== counters.roundTrips) {
            console.error(
                `warning: the runners counted ${counters.roundTrips} round trips but the endpoint received ${hostRequests} requests`,
            );
        }
    }
    return { wallMs, counters };
}

async function runScenario(
    target: Target,
    workload: string,
    steps: Step[],
    mode: Mode,
    repetitions: number,
): Promise<ScenarioResult> {
    const wallMs: number[] = [];
    let counters: ScenarioCounters = { roundTrips: 0, shellsOpened: 0, processesStarted: 0 };
    for (let repetition = 0; repetition < repetitions; repetition++) {
        const measured = await runOnce(target, steps, mode);
        wallMs.push(Math.round(measured.wallMs));
        counters = measured.counters;
    }
    return {
        transport: target.transport,
        workload,
        operations: steps.length,
        mode,
        ...counters,
        medianWallMs: Math.round(median(wallMs)),
        wallMs,
        peakRssMiB: Math.round(peakRssMiB() * 10) / 10,
    };
}

function printTable(results: ScenarioResult[], options: BenchmarkOptions): void {
    console.log(
        `host operations: WinRM endpoint latency ${options.latencyMs} ms per HTTP request, ` +
            `${options.repetitions} repetitions, ${os.cpus().length} CPUs, node ${process.version}`,
    );
    const header = [
        "transport",
        "workload",
        "mode",
        "round trips",
        "shells",
        "PS processes",
        "median ms",
        "peak RSS MiB",
    ];
    const rows = results.map((result) => [
        result.transport,
        result.workload,
        result.mode,
        String(result.roundTrips),
        String(result.shellsOpened),
        String(result.processesStarted),
        String(result.medianWallMs),
        result.peakRssMiB.toFixed(1),
    ]);
    const widths = header.map((title, column) =>
        Math.max(title.length, ...rows.map((row) => row[column].length)),
    );
    const format = (cells: string[]): string =>
        cells
            .map((cell, column) => (column < 3 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
            .join("  ");
    console.log(format(header));
    console.log(widths.map((width) => "-".repeat(width)).join("  "));
    for (const row of rows) {
        console.log(format(row));
    }
}

async function main(): Promise<void> {
    const options = parseArguments(process.argv.slice(2));
    const pwsh = findPwsh();
    if (pwsh === undefined) {
        throw new Error("pwsh was not found: install it with: dotnet tool install --global PowerShell");
    }
    if (!opensslAvailable()) {
        throw new Error(
            "the openssl command is not on PATH: install openssl, which makes the endpoint's test certificates",
        );
    }
    const scratch = mkdtempSync(path.join(os.tmpdir(), "wcn-bench-"));
    let endpoint: TestEndpoint | undefined;
    try {
        const certificates: TestCertificates = makeCertificates(scratch);
        const results: ScenarioResult[] = [];
        const workloads: [string, Step[]][] = [
            ["facts once", FACTS_ONCE],
            ["10 operations", TEN_OPERATIONS],
        ];

        // WinRM: one endpoint and host state for every WinRM scenario.
        const winrmState = path.join(scratch, "winrm-host.json");
        await resetHostState(winrmState, "ws2022");
        endpoint = await startTestEndpoint(certificates, {
            executor: defaultExecutor({ statePath: winrmState, pwshPath: pwsh }),
            latencyMs: options.latencyMs,
        });
        const started = endpoint;
        const winrm: Target = {
            transport: "winrm",
            newRunner: () =>
                new WinRmRunner({
                    client: clientOptions(started),
                    hostKey: "benchmark",
                    maxShellsPerHost: 5,
                }),
            // Every command the runner starts is one pwsh process in the endpoint's executor.
            hostProcesses: () => started.endpoint.stats.commandsStarted,
            hostRequests: () => started.endpoint.stats.requests,
        };

        const localState = path.join(scratch, "local-host.json");
        await resetHostState(localState, "ws2022");
        const local: Target = {
            transport: "local",
            newRunner: () =>
                new LocalPowerShellRunner({
                    executablePath: pwsh,
                    simulatedHost: { modulePath: SIMULATED_MODULE, statePath: localState },
                }),
            hostProcesses: () => undefined,
            hostRequests: () => undefined,
        };

        for (const target of [winrm, local]) {
            for (const [workload, steps] of workloads) {
                for (const mode of ["reused", "naive"] as Mode[]) {
                    results.push(await runScenario(target, workload, steps, mode, options.repetitions));
                }
            }
        }

        printTable(results, options);
        if (options.json) {
            console.log(
                JSON.stringify({
                    latencyMs: options.latencyMs,
                    repetitions: options.repetitions,
                    cpus: os.cpus().length,
                    node: process.version,
                    results,
                }),
            );
        }
    } finally {
        await endpoint?.close();
        rmSync(scratch, { recursive: true, force: true });
    }
}

main().catch((error: unknown) => {
    console.error(`benchmark failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
});
