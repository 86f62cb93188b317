// Entry point of the program process, the driver's stand-in for `pulumi-language-nodejs`. It loads the SDK copy that
// the program itself resolves and installs the SDK's mock monitor with `runtime.setMocks`. It then replaces the
// monitor's RegisterResource, RegisterResourceOutputs, ReadResource and Invoke handlers. Each registration goes to
// the driver process over IPC in wire form (secrets and unknowns intact), and the reply becomes a real
// RegisterResourceResponse. The program runs inside `runtime.runInPulumiStack`, as the language host runs it.
//
// During preview the SDK resolves a resource property that a RegisterResource response leaves out as unknown
// (`resolveProperties` in runtime/rpc.js, 3.248.0), also for an unchanged resource whose outputs are final, and
// the real engine gives the program the same unknown. The program keeps seeing that unknown here. Only for the
// driver's display, this host reports which stack outputs are such absent properties (see findAbsentOutputs).
import * as path from "path";

import { ROOT_STACK_TYPE } from "./context";
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

/** Per URN, the output keys of the RegisterResource response and whether they are final. */
const registeredOutputs = new Map<string, { final: boolean; keys: Set<string> }>();

/** Set in preview before the SDK registers the stack outputs; see findAbsentOutputs. */
let absentStackOutputs: string[][] | undefined;

/** The parts of an SDK Output that findAbsentOutputs reads. */
interface OutputInternals {
    isKnown: Promise<boolean>;
    resources(): Set<object>;
    promise(): Promise<unknown>;
}

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
        const urn = request.getUrn();
        const outputs = (request.getOutputs()?.toJavaScript() ?? {}) as PropertyMap;
        const isStack = urn.split("::")[2] === ROOT_STACK_TYPE;
        send({
            kind: "register-outputs",
            urn,
            outputs,
            absentPaths: isStack ? absentStackOutputs : undefined,
        });
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
    const { urn, id, outputs, final } = message.response;
    registeredOutputs.set(urn, { final, keys: new Set(Object.keys(outputs)) });
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

/**
 * Returns the paths of the stack outputs in `exported` that are resource properties missing from a final
 * RegisterResourceResponse. It walks what the SDK serializes as stack outputs: plain objects and the non-internal
 * properties of resources, following promises.
 * NOTE: the walk cannot see through `apply` or into arrays, so an absent property that reaches the stack outputs
 * that way still shows as unknown.
 */
async function findAbsentOutputs(sdk: Sdk, exported: unknown): Promise<string[][]> {
    const found: string[][] = [];
    const visited = new Set<object>();
    const visit = async (value: unknown, path: string[]): Promise<void> => {
        if (value instanceof Promise) {
            value = await value.catch(() => undefined);
        }
        if (value === null || typeof value !== "object" || Array.isArray(value)) {
            return;
        }
        if (sdk.pulumi.Output.isInstance(value)) {
            if (await isAbsentProperty(value as unknown as OutputInternals)) {
                found.push(path);
            }
            return;
        }
        // Guards against cycles only: an output reached by two paths is checked at both.
        if (visited.has(value)) {
            return;
        }
        visited.add(value);
        const isResource = sdk.pulumi.Resource.isInstance(value);
        for (const [key, item] of Object.entries(value)) {
            if (!(isResource && key.startsWith("__"))) {
                await visit(item, [...path, key]);
            }
        }
    };
    await visit(exported, []);
    return found;
}

/** True when the output is a property of a resource whose final outputs do not contain it. */
async function isAbsentProperty(output: OutputInternals): Promise<boolean> {
    try {
        if (await output.isKnown) {
            return false;
        }
        for (const resource of output.resources()) {
            const record = resource as Record<string, unknown>;
            const key = Object.keys(record).find((name) => record[name] === output);
            if (key === undefined) {
                continue;
            }
            const urn = await (record.urn as OutputInternals).promise();
            const registered = registeredOutputs.get(String(urn));
            return registered !== undefined && registered.final && !registered.keys.has(key);
        }
    } catch {
        // A failed registration rejects its outputs, and the driver already logs that as a program error.
    }
    return false;
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
        await runtime.runInPulumiStack(async () => {
            const exported = await runProgram(settings.programPath);
            if (settings.dryRun) {
                absentStackOutputs = await findAbsentOutputs(sdk, exported);
            }
            return exported;
        });
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
