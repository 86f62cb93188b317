// Entry point of the program process, the driver's stand-in for `pulumi-language-nodejs`. It loads the SDK copy that
// the program itself resolves and installs the SDK's mock monitor with `runtime.setMocks`. It then replaces the
// monitor's RegisterResource, RegisterResourceOutputs, ReadResource and Invoke handlers. Each registration goes to
// the driver process over IPC in wire form (secrets and unknowns intact), and the reply becomes a real
// RegisterResourceResponse. The program runs inside `runtime.runInPulumiStack`, as the language host runs it.
import * as path from "path";

import {
    EngineMessage,
    ProgramHostSettings,
    ProgramMessage,
    PropertyMap,
    RegistrationRequest,
} from "./types";

type PulumiModule = typeof import("@pulumi/pulumi");
type ResourceProto = typeof import("@pulumi/pulumi/proto/resource_pb");
type StructProto = typeof import("google-protobuf/google/protobuf/struct_pb");
type RegisterRequest = import("@pulumi/pulumi/proto/resource_pb").RegisterResourceRequest;
type RegisterOutputsRequest = import("@pulumi/pulumi/proto/resource_pb").RegisterResourceOutputsRequest;
type RpcCallback = (error: Error | null, response?: unknown) => void;

/** The monitor methods this host replaces; the SDK calls them with a request and a Node-style callback. */
interface MonitorHandlers {
    registerResource(request: RegisterRequest, callback: RpcCallback): void;
    registerResourceOutputs(request: RegisterOutputsRequest, callback: RpcCallback): void;
    readResource(request: unknown, callback: RpcCallback): void;
    invoke(request: { getTok(): string }, callback: RpcCallback): void;
}

interface Sdk {
    pulumi: PulumiModule;
    resproto: ResourceProto;
    structproto: StructProto;
}

const pending = new Map<number, { resolve: (response: unknown) => void; reject: (error: Error) => void }>();
let nextSeq = 0;

function send(message: ProgramMessage): void {
    process.send!(message);
}

/** Exits only after the message is handed to the IPC channel, so the driver always receives it. */
function sendThenExit(message: ProgramMessage, exitCode: number): void {
    process.send!(message, undefined, undefined, () => process.exit(exitCode));
}

function loadSdk(programDir: string): Sdk {
    const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [programDir] }));
    const structPath = require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [sdkDir] });
    return {
        pulumi: require(sdkDir) as PulumiModule,
        resproto: require(path.join(sdkDir, "proto", "resource_pb")) as ResourceProto,
        structproto: require(structPath) as StructProto,
    };
}

function toRegistration(request: RegisterRequest): RegistrationRequest {
    return {
        type: request.getType(),
        name: request.getName(),
        parent: request.getParent(),
        custom: request.getCustom(),
        remote: request.getRemote(),
        inputs: (request.getObject()?.toJavaScript() ?? {}) as PropertyMap,
        dependencies: request.getDependenciesList(),
        deleteBeforeReplace: request.getDeletebeforereplacedefined()
            ? request.getDeletebeforereplace()
            : undefined,
        ignoreChanges: request.getIgnorechangesList(),
        replaceOnChanges: request.getReplaceonchangesList(),
        additionalSecretOutputs: request.getAdditionalsecretoutputsList(),
        protect: request.hasProtect() ? request.getProtect() : undefined,
        retainOnDelete: request.hasRetainondelete() ? request.getRetainondelete() : undefined,
        importId: request.getImportid(),
        providerRef: request.getProvider(),
    };
}

function installMonitor(sdk: Sdk): void {
    const monitor = sdk.pulumi.runtime.getMonitor() as unknown as MonitorHandlers;
    monitor.registerResource = (request, callback) => {
        const seq = nextSeq++;
        new Promise((resolve, reject) => pending.set(seq, { resolve, reject })).then(
            (response) => callback(null, response),
            (error: Error) => callback(error),
        );
        send({ kind: "register", seq, request: toRegistration(request) });
    };
    monitor.registerResourceOutputs = (request, callback) => {
        const outputs = (request.getOutputs()?.toJavaScript() ?? {}) as PropertyMap;
        send({ kind: "register-outputs", urn: request.getUrn(), outputs });
        callback(null, {});
    };
    monitor.readResource = (_request, callback) => {
        callback(new Error("reading existing resources (Resource.get, read) is not supported by the driver"));
    };
    monitor.invoke = (request, callback) => {
        callback(new Error(`invoke ${request.getTok()} is not supported by the driver`));
    };
}

function handleEngineMessage(sdk: Sdk, message: EngineMessage): void {
    const waiter = pending.get(message.seq);
    if (waiter === undefined) {
        return;
    }
    pending.delete(message.seq);
    if (message.kind === "register-failed") {
        waiter.reject(new Error(message.message));
        return;
    }
    const { urn, id, outputs } = message.response;
    const response = new sdk.resproto.RegisterResourceResponse();
    response.setUrn(urn);
    response.setId(id);
    response.setObject(sdk.structproto.Struct.fromJavaScript(outputs as Record<string, never>));
    waiter.resolve(response);
}

/** Loads the program; a function export is called and its result becomes the stack outputs. */
async function runProgram(programPath: string): Promise<unknown> {
    let exported = require(programPath) as unknown;
    const module = exported as { __esModule?: boolean; default?: unknown };
    if (module?.__esModule && typeof module.default === "function") {
        exported = module.default;
    }
    return typeof exported === "function" ? await (exported as () => unknown)() : exported;
}

async function main(settings: ProgramHostSettings): Promise<void> {
    process.env.PULUMI_NODEJS_ROOT_DIRECTORY = settings.projectRoot;
    const sdk = loadSdk(path.dirname(settings.programPath));
    const errors: string[] = [];
    const recordError = (error: unknown) =>
        errors.push(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.on("unhandledRejection", recordError);
    process.on("uncaughtException", recordError);
    process.on("message", (message: EngineMessage) => handleEngineMessage(sdk, message));
    // Only the driver can complete registrations, so the program process exits when the IPC channel closes.
    process.on("disconnect", () => process.exit(1));

    const { runtime } = sdk.pulumi;
    runtime.setAllConfig(settings.config, settings.secretKeys);
    await runtime.setMocks(rejectingMocks, settings.project, settings.stack, settings.dryRun, "organization");
    installMonitor(sdk);
    try {
        await runtime.runInPulumiStack(() => runProgram(settings.programPath));
    } catch (error) {
        recordError(error);
    }
    await runtime.disconnect();
    sendThenExit({ kind: "done", errors }, 0);
}

/** The monitor handlers above replace every path that would reach these mocks. */
const rejectingMocks = {
    newResource(): never {
        throw new Error("internal error: the driver's monitor did not handle a resource registration");
    },
    call(): never {
        throw new Error("internal error: the driver's monitor did not handle an invoke");
    },
};

main(JSON.parse(process.argv[2]) as ProgramHostSettings).catch((error: unknown) => {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    sendThenExit({ kind: "done", errors: [`program host failed: ${text}`] }, 1);
});
