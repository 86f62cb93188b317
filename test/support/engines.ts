// Shared real Docker engine for integration and e2e suites: one private dockerd per mocha
// process, started on first use and stopped by the root hook in hooks.ts.

import Docker from "dockerode";

import { requireOrSkip } from "./components";
import { EXISTING_DOCKER_HOST_ENV, PrivateDockerd, startPrivateDockerd } from "./dockerd";
import { checkContainerStart, ensureTestImage, TEST_IMAGE } from "./test-image";

export { requireOrSkip } from "./components";

/** Shared engine handle that `realEngine()` returns to a suite. */
export interface RealEngine {
    /** Path of the engine's API socket. */
    readonly socketPath: string;
    /** The socket as a Docker host URL (`unix:///...`). */
    readonly url: string;
    /** dockerode client bound to the socket. */
    readonly docker: Docker;
    /** The daemon, with its log for failure messages. */
    readonly daemon: PrivateDockerd;
    /** Engine API version from `/version`, such as "1.41". */
    readonly apiVersion: string;
    /** Tag of the local busybox image (`wcn-test/busybox:1`). */
    readonly testImage: string;
    /** Whether the engine has the test image. */
    readonly testImageReady: boolean;
    /** Why the test image could not be built, when `testImageReady` is false. */
    readonly testImageError: string | undefined;
    /** Whether containers can be started on this machine (runc and cgroups work). */
    readonly canRunContainers: boolean;
    /** Why a container could not be started, when `canRunContainers` is false. */
    readonly containerStartError: string | undefined;
}

/** Capabilities that a suite needs in addition to an engine that serves the API. */
export interface RealEngineRequirements {
    /** The `wcn-test/busybox:1` image, for creating containers. */
    testImage?: boolean;
    /** Containers that can be started. Implies `testImage`. */
    runningContainers?: boolean;
}

const COMPONENT = "Docker engine (dockerd)";

type SharedEngineState = { engine: RealEngine } | { unavailableReason: string };

let sharedEngine: Promise<SharedEngineState> | undefined;

/**
 * Returns the shared real engine, starting it on the first call in this process.
 *
 * Call it from a `before` hook with the hook's `this`. When the engine (or a requirement) is
 * not available, it prints the reason and skips the suite, or throws when
 * `WCN_REQUIRE_REAL_COMPONENTS=1`.
 *
 * ```ts
 * let engine: RealEngine;
 * before(async function () {
 *   engine = await realEngine(this, { testImage: true });
 * });
 * ```
 */
export async function realEngine(
    ctx: Mocha.Context,
    requirements: RealEngineRequirements = {},
): Promise<RealEngine> {
    // The first call starts dockerd, builds the test image and tries one container.
    ctx.timeout(Math.max(ctx.timeout(), 120_000));
    sharedEngine ??= startSharedEngine();
    const state = await sharedEngine;
    if (!("engine" in state)) {
        requireOrSkip(ctx, COMPONENT, false, state.unavailableReason);
        throw new Error(`requireOrSkip returned although ${COMPONENT} is missing`);
    }

    const engine = state.engine;
    if (requirements.testImage === true || requirements.runningContainers === true) {
        requireOrSkip(
            ctx,
            `test image ${engine.testImage}`,
            engine.testImageReady,
            engine.testImageError ?? "",
        );
    }
    if (requirements.runningContainers === true) {
        requireOrSkip(ctx, "container start", engine.canRunContainers, engine.containerStartError ?? "");
    }
    return engine;
}

/** Stops the shared engine if this process started one. The root hook calls this after all tests. */
export async function stopSharedEngine(): Promise<void> {
    const pending = sharedEngine;
    sharedEngine = undefined;
    if (pending === undefined) {
        return;
    }
    const state = await pending;
    if ("engine" in state) {
        await state.engine.daemon.stop();
    }
}

async function startSharedEngine(): Promise<SharedEngineState> {
    let daemon: PrivateDockerd;
    try {
        daemon = await startPrivateDockerd();
    } catch (error) {
        return { unavailableReason: errorMessage(error) };
    }

    const docker = new Docker({ socketPath: daemon.socketPath });
    let apiVersion: string;
    try {
        apiVersion = (await docker.version()).ApiVersion;
    } catch (error) {
        await daemon.stop();
        return { unavailableReason: `GET /version on ${daemon.url} failed: ${errorMessage(error)}` };
    }

    let testImageError: string | undefined;
    try {
        await ensureTestImage(docker);
    } catch (error) {
        testImageError = errorMessage(error);
    }

    let containerStartError: string | undefined;
    if (testImageError === undefined) {
        const check = await checkContainerStart(docker);
        containerStartError = check.canRunContainers ? undefined : check.reason;
    } else {
        containerStartError = `the test image is missing: ${testImageError}`;
    }

    const source = daemon.ownsDaemon
        ? `private dockerd started in ${daemon.startupMs} ms, log ${daemon.logPath}`
        : `from ${EXISTING_DOCKER_HOST_ENV}`;
    console.log(`    real engine: ${daemon.url} (${source}), API ${apiVersion}`);
    return {
        engine: {
            socketPath: daemon.socketPath,
            url: daemon.url,
            docker,
            daemon,
            apiVersion,
            testImage: TEST_IMAGE,
            testImageReady: testImageError === undefined,
            testImageError,
            canRunContainers: containerStartError === undefined,
            containerStartError,
        },
    };
}

function errorMessage(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}
