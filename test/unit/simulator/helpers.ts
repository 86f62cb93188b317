import { expect } from "chai";
import Docker from "dockerode";
import { promises as fs, readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { type SimulatedEngine, startSimulatedEngine } from "../../../provider/simulator/engine";
import type { NetworkView } from "../../../provider/simulator/network-view";
import type { ProfileName } from "../../../provider/simulator/profiles";

/** Docker Engine API version the tests pin, as the provider does by default. */
export const API_VERSION = "v1.40";

/** A running engine on a fresh state file, with a dockerode client pointed at it. */
export interface SimulatorFixture {
    engine: SimulatedEngine;
    docker: Docker;
    statePath: string;
    directory: string;
    close(): Promise<void>;
}

/** Creates a temporary folder that `close()` of the fixture removes. */
export async function makeTempDirectory(): Promise<string> {
    return fs.mkdtemp(path.join(os.tmpdir(), "wcn-sim-"));
}

export function dockerClient(port: number, version: string = API_VERSION): Docker {
    return new Docker({ host: "127.0.0.1", port, protocol: "http", version });
}

/** Starts an engine on a new state file of the given profile. */
export async function startFixture(
    profile: ProfileName = "ws2022",
    latencyMs = 0,
): Promise<SimulatorFixture> {
    const directory = await makeTempDirectory();
    const statePath = path.join(directory, "host.json");
    const engine = await startSimulatedEngine({ statePath, profile, latencyMs });
    return {
        engine,
        docker: dockerClient(engine.port),
        statePath,
        directory,
        close: async () => {
            await engine.close();
            await fs.rm(directory, { recursive: true, force: true });
        },
    };
}

/** The parts of a dockerode error the tests check. */
export interface DockerFailure {
    statusCode: number | undefined;
    message: string;
}

/** Awaits a call that must fail and returns its status and the engine's message text. */
export async function dockerFailure(call: Promise<unknown>): Promise<DockerFailure> {
    try {
        await call;
    } catch (error) {
        const failure = error as { statusCode?: number; json?: { message?: string } | null };
        return { statusCode: failure.statusCode, message: failure.json?.message ?? String(error) };
    }
    throw new Error("expected the Docker call to fail, but it succeeded");
}

/** Asserts a call fails with this status and exactly this engine message. */
export async function expectDockerError(
    call: Promise<unknown>,
    statusCode: number,
    message: string,
): Promise<void> {
    const failure = await dockerFailure(call);
    expect(failure.statusCode, `status of "${failure.message}"`).to.equal(statusCode);
    expect(failure.message).to.equal(message);
}

/** A raw HTTP response from the engine. */
export interface RawReply {
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: string;
}

/**
 * Sends one HTTP request to the engine without dockerode, for paths and headers dockerode hides.
 * A string body is sent as it is; any other body is sent as JSON.
 */
export function rawRequest(
    port: number,
    method: string,
    requestPath: string,
    body?: unknown,
): Promise<RawReply> {
    return new Promise((resolve, reject) => {
        let payload: string | undefined;
        if (typeof body === "string") {
            payload = body;
        } else if (body !== undefined) {
            payload = JSON.stringify(body);
        }
        const request = httpRequest(
            {
                host: "127.0.0.1",
                port,
                method,
                path: requestPath,
                headers: payload === undefined ? {} : { "Content-Type": "application/json" },
            },
            (response) => {
                const chunks: Buffer[] = [];
                response.on("data", (chunk: Buffer) => chunks.push(chunk));
                response.on("end", () =>
                    resolve({
                        status: response.statusCode ?? 0,
                        headers: response.headers,
                        body: Buffer.concat(chunks).toString("utf8"),
                    }),
                );
            },
        );
        request.on("error", reject);
        request.end(payload);
    });
}

/** Folder of the Windows fixtures: real output posted from Windows container hosts. */
const FIXTURE_DIRECTORY = path.resolve(__dirname, "../../../../test/fixtures/windows");

/** Reads a fixture without its `#### ` annotation lines. */
export function readFixture(name: string): string {
    const text = readFileSync(path.join(FIXTURE_DIRECTORY, name), "utf8");
    return text
        .split("\n")
        .filter((line) => !line.startsWith("#### "))
        .join("\n");
}

/** Returns the first line of a fixture that starts with `prefix`, after annotations are removed. */
export function fixtureLine(name: string, prefix: string): string {
    const line = readFixture(name)
        .split("\n")
        .find((candidate) => candidate.startsWith(prefix));
    if (line === undefined) {
        throw new Error(`fixture ${name} has no line starting with "${prefix}"`);
    }
    return line.trimEnd();
}

/** Returns the message part of a posted `Error response from daemon: ...` line. */
export function postedDaemonError(name: string, contains: string): string {
    const line = readFixture(name)
        .split("\n")
        .find(
            (candidate) =>
                candidate.startsWith("Error response from daemon: ") && candidate.includes(contains),
        );
    if (line === undefined) {
        throw new Error(`fixture ${name} has no daemon error containing "${contains}"`);
    }
    return line.slice("Error response from daemon: ".length).trimEnd();
}

/** The standard nanoserver image each profile carries. */
export const NANOSERVER: Record<ProfileName, string> = {
    "ws2016-rtm": "microsoft/nanoserver:10.0.14393.447",
    ws2016: "mcr.microsoft.com/windows/nanoserver:10.0.14393.2430",
    ws2019: "mcr.microsoft.com/windows/nanoserver:1809",
    ws2022: "mcr.microsoft.com/windows/nanoserver:ltsc2022",
    ws2025: "mcr.microsoft.com/windows/nanoserver:ltsc2025",
};

/** Inspects a network through dockerode, typed as the simulator renders it. */
export async function inspectNetwork(docker: Docker, term: string): Promise<NetworkView> {
    return (await docker.getNetwork(term).inspect()) as NetworkView;
}

/** Lists networks through dockerode, typed as the simulator renders them. */
export async function listNetworkViews(
    docker: Docker,
    filters?: Record<string, string[]>,
): Promise<NetworkView[]> {
    return (await docker.listNetworks(filters === undefined ? {} : { filters })) as unknown as NetworkView[];
}
