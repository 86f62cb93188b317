import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import * as path from "node:path";
import { EngineError } from "./errors";
import { engineHeaders, errorReply, parseEngineRequest, readBodyText, writeReply } from "./http";
import type { HostState } from "./model";
import { getProfile } from "./profiles";
import { dispatch } from "./routes";
import { ensureHostState } from "./seed";
import { readHostState, updateHostState } from "./state";

/** Options of {@link startSimulatedEngine}. */
export interface SimulatedEngineOptions {
    /** State file of the simulated host; created (seeded with `profile`) when missing. */
    statePath: string;
    /**
     * Host generation, one of PROFILE_NAMES: `ws2016-rtm`, `ws2016`, `ws2019`, `ws2022` or `ws2025`.
     * Used to seed a new state file; for an existing file it must match the file's profile.
     * @default the file's profile, or "ws2022" for a new file
     */
    profile?: string;
    /**
     * Address to listen on. Only loopback is allowed.
     * @default "127.0.0.1"
     */
    host?: string;
    /**
     * TCP port; 0 picks a free one.
     * @default 0
     */
    port?: number;
    /**
     * Delay added before every response, in milliseconds, to imitate a remote host in benchmarks.
     * @default 0
     */
    latencyMs?: number;
    /**
     * Let the process exit while the server is still listening (the server and its connections
     * are unref'd).
     * @default false
     */
    unref?: boolean;
}

/** A running simulated Docker engine. */
export interface SimulatedEngine {
    /** `http://127.0.0.1:PORT`. */
    url: string;
    port: number;
    /** Absolute path of the state file. */
    statePath: string;
    /** Stops listening and closes open connections. */
    close(): Promise<void>;
}

const LOOPBACK = "127.0.0.1";

/**
 * Starts an HTTP server on 127.0.0.1 that serves the Docker Engine API subset the provider uses,
 * replying as a Windows Server engine would, from the host state in `statePath`. Several servers (in
 * one process or several) may share one state file. While the simulated docker service is
 * stopped, the server drops connections without an answer, as an unreachable engine does.
 */
export async function startSimulatedEngine(options: SimulatedEngineOptions): Promise<SimulatedEngine> {
    const host = options.host ?? LOOPBACK;
    if (host !== LOOPBACK) {
        throw new Error(
            `simulated engine host ${host} is not allowed: the simulator listens on ${LOOPBACK} only`,
        );
    }
    const profile = options.profile === undefined ? undefined : getProfile(options.profile).name;
    const statePath = path.resolve(options.statePath);
    await ensureHostState(statePath, profile);
    const latencyMs = Math.max(0, options.latencyMs ?? 0);
    const server = createServer((request, response) => {
        void handleRequest(statePath, latencyMs, request, response);
    });
    if (options.unref === true) {
        server.unref();
        server.on("connection", (socket: Socket) => socket.unref());
    }
    const port = await listen(server, options.port ?? 0);
    return {
        url: `http://${LOOPBACK}:${port}`,
        port,
        statePath,
        close: () => closeServer(server),
    };
}

function listen(server: Server, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, LOOPBACK, () => {
            server.off("error", reject);
            resolve((server.address() as AddressInfo).port);
        });
    });
}

function closeServer(server: Server): Promise<void> {
    return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
    });
}

async function handleRequest(
    statePath: string,
    latencyMs: number,
    request: IncomingMessage,
    response: ServerResponse,
): Promise<void> {
    if (latencyMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, latencyMs));
    }
    let snapshot: HostState;
    try {
        const bodyText = await readBodyText(request);
        snapshot = await readHostState(statePath);
        if (snapshot.services.docker.status !== "Running") {
            request.socket.destroy();
            return;
        }
        await answer(statePath, snapshot, request, response, bodyText);
    } catch (error) {
        process.stderr.write(
            `simulated engine ${statePath}: ${request.method} ${request.url} failed: ${String(error)}\n`,
        );
        if (!response.headersSent) {
            writeReply(
                response,
                { status: 500, json: { message: `simulator failure: ${(error as Error).message}` } },
                {},
            );
        }
    }
}

async function answer(
    statePath: string,
    snapshot: HostState,
    request: IncomingMessage,
    response: ServerResponse,
    bodyText: string,
): Promise<void> {
    const profile = getProfile(snapshot.profile);
    const headers = engineHeaders(profile);
    try {
        const parsed = parseEngineRequest(request, bodyText, profile);
        const context = {
            snapshot,
            update: <T>(mutate: (state: HostState) => T) => updateHostState(statePath, mutate),
        };
        writeReply(response, await dispatch(context, parsed), headers);
    } catch (error) {
        if (!(error instanceof EngineError)) {
            throw error;
        }
        writeReply(response, errorReply(error), headers);
    }
}
